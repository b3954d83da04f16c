import pytest
from django.conf import settings

from commonweal.core.actions import Actor

from .factories import Universe, build_universe, data_dir, universe_present

# Passwords hashed quickly in the tests: the production hasher (PBKDF2, a million iterations)
# costs half a second a password, each time the universe is built and at every sign-in. The
# servers the tests start (`served`) keep the production hashers; they take API tokens.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: ids repeat after a rolled-back test, so a key made
    of them could otherwise find what an earlier test kept."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def actor() -> Actor:
    """The command line: an internal actor, for arranging a test's data."""
    return Actor.command_line()


@pytest.fixture(scope="session")
def _session_universe(django_db_setup, django_db_blocker) -> Universe:
    # Built once and committed, outside any test's transaction; each test's changes roll back.
    with django_db_blocker.unblock():
        return build_universe()


@pytest.fixture
def universe(_session_universe, db) -> Universe:
    """The example systems with their governance, and people in roles, with API tokens.

    Transactional tests (which run last) flush the database; they get the universe rebuilt.
    """
    if universe_present(_session_universe):
        return _session_universe
    return build_universe()


@pytest.fixture
def devon(universe):
    from commonweal.registry.models import System

    return System.objects.get(slug="devon-2019")


@pytest.fixture
def sel(universe):
    from commonweal.registry.models import System

    return System.objects.get(slug="south-east-london-2020")


@pytest.fixture(scope="session")
def real_data(django_db_setup, django_db_blocker):
    """The real ODS and QOF data, imported once for the session (skips without the data)."""
    path = data_dir()
    if path is None:
        pytest.skip("the shared data directory is absent")
    from commonweal.registry.importers import import_all

    with django_db_blocker.unblock():
        from commonweal.core.models import Organisation

        if not Organisation.objects.filter(code="U41591").exists():
            import_all(Actor.command_line(), path)
    return path
