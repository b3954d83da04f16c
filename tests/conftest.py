from pathlib import Path

import pytest
from django.conf import settings

from commonweal.core.actions import Actor


def data_dir() -> Path | None:
    path = Path(settings.COMMONWEAL_DATA_DIR) if settings.COMMONWEAL_DATA_DIR else None
    return path if path and (path / "ods" / "epraccur.csv").is_file() else None


needs_data = pytest.mark.skipif(
    data_dir() is None,
    reason="the shared data directory (COMMONWEAL_DATA_DIR, ../shared/data) is absent",
)


@pytest.fixture
def actor() -> Actor:
    return Actor(label="test")


@pytest.fixture
def devon(db, actor):
    from commonweal.registry.actions import example_path, load_system

    return load_system(actor, example_path("devon-2019")).system


@pytest.fixture
def sel(db, actor):
    from commonweal.registry.actions import example_path, load_system

    return load_system(actor, example_path("south-east-london-2020")).system


@pytest.fixture(scope="session")
def real_data(django_db_setup, django_db_blocker):
    """The real ODS and QOF data, imported once for the session (skips without the data)."""
    path = data_dir()
    if path is None:
        pytest.skip("the shared data directory is absent")
    from commonweal.registry.importers import import_all

    with django_db_blocker.unblock():
        from commonweal.registry.models import Organisation

        if not Organisation.objects.filter(code="U41591").exists():
            import_all(Actor(label="test"), path)
    return path
