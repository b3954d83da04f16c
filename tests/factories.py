"""Helpers every test module may use (test modules never import each other's helpers).

The *universe* is the example systems as `make demo` builds them, plus people in each role
for the organisations the attacks used, built only through actions, as a user would.
"""

import csv
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from commonweal.core.actions import Actor
from commonweal.core.models import Organisation, Person, Role
from commonweal.core.people import add_person, assign_role, make_token
from commonweal.governance.models import Body

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "src" / "commonweal" / "examples"
PASSWORD = "a-long-test-password"
COMMONWEAL = shutil.which("commonweal") or str(Path(os.sys.executable).parent / "commonweal")

# name -> (organisation code, role) of the people the universe holds.
PEOPLE = {
    "admin-15n": ("15N", Role.ADMINISTRATOR),
    "admin-torbay": ("E06000027", Role.ADMINISTRATOR),
    "admin-devon-county": ("E10000008", Role.ADMINISTRATOR),
    "admin-sel": ("72Q", Role.ADMINISTRATOR),
    "analyst-15n": ("15N", Role.ANALYST),
    "commissioner-15n": ("15N", Role.COMMISSIONER),
    # Alex Morgan, the CCG's Accountable Officer: chair of the Integrated Commissioning
    # Executive (a member), and an executive (who approves hospitality).
    "alex-morgan": ("15N", Role.EXECUTIVE),
    # The clerk of the Integrated Commissioning Executive, for the CCG: that body only.
    "clerk-ice": ("15N", Role.CLERK),
    # The clerk of the CCG's Governing Body.
    "clerk-gb": ("15N", Role.CLERK),
    # Jo Evans, the CCG's Director of Financial Planning, keeps its ledger and makes virements.
    "jo-evans": ("15N", Role.FINANCE),
    "finance-torbay": ("E06000027", Role.FINANCE),
    # Devon County Council's finance lead: the host of the Devon pooled fund.
    "finance-devon": ("E10000008", Role.FINANCE),
    # The clerk of Devon's Health and Wellbeing Board, which signs off the pool's returns.
    "clerk-hwb-devon": ("E10000008", Role.CLERK),
    "nobody": (None, None),
}
# Accounts that sign in as a person the examples already hold (a post holder).
PERSON_KEYS = {"alex-morgan": "alex-morgan", "jo-evans": "jo-evans"}
# Scoped roles: the body a clerk acts for (system/code).
SCOPES = {
    "clerk-ice": "devon-2019/ice",
    "clerk-gb": "devon-2019/governing-body",
    "clerk-hwb-devon": "devon-2019/hwb-devon",
}
# Further roles: the ICE's clerk records each council's part too, so holds the clerk's role
# for the ICE in every organisation that owns it.
MORE_ROLES = {
    "clerk-ice": [
        (code, Role.CLERK, "devon-2019/ice") for code in ("E10000008", "E06000026", "E06000027")
    ]
}


def data_dir() -> Path | None:
    """The shared public data directory, when present (CI has it)."""
    path = Path(settings.COMMONWEAL_DATA_DIR) if settings.COMMONWEAL_DATA_DIR else None
    return path if path and (path / "ods" / "epraccur.csv").is_file() else None


needs_data = pytest.mark.skipif(
    data_dir() is None,
    reason="the shared data directory (COMMONWEAL_DATA_DIR, ../shared/data) is absent",
)


class Accounts(dict[str, User]):
    """Accounts by username, read afresh from the database each time: a test that changes one
    (a password, say) must not leave its copy to the next test, whose transaction undid it."""

    def __getitem__(self, username: str) -> User:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.get(pk=super().__getitem__(username).pk)


@dataclass
class Universe:
    accounts: Accounts = field(default_factory=Accounts)
    tokens: dict[str, str] = field(default_factory=dict)

    def person(self, name: str) -> Person:
        return Person.objects.get(account=self.accounts[name])

    def headers(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}


def load_examples(actor: Actor) -> None:
    """The example systems, their governance and schemes, as setup-demo loads them."""
    from commonweal.governance.actions import load_governance, load_scheme
    from commonweal.registry.actions import load_system

    for name in ("devon-2019", "south-east-london-2020"):
        load_system(actor, EXAMPLES / f"{name}.yaml")
    for name in ("devon-2019", "south-east-london-2020"):
        load_governance(actor, EXAMPLES / f"{name}-governance.yaml")
        for path in sorted(EXAMPLES.glob(f"{name}-scheme-*.yaml")):
            load_scheme(actor, path)


def make_account(
    actor: Actor,
    username: str,
    code: str | None = None,
    role: Role | None = None,
    *,
    person_key: str = "",
    scope: str = "",
) -> User:
    """A person with a sign-in account, acting for an organisation in a role (or none)."""
    from commonweal.governance.models import Body

    organisation = Organisation.objects.get(code=code) if code else None
    account = add_person(
        actor,
        username,
        PASSWORD,
        full_name=username.replace("-", " ").title(),
        organisation=organisation,
        person_key=person_key,
    )
    if organisation is not None and role is not None:
        body = None
        if scope:
            slug, _, body_code = scope.partition("/")
            body = Body.objects.get(system__slug=slug, code=body_code)
        assign_role(actor, account.person, organisation, role, scope=body)
    return account


def build_universe() -> Universe:
    actor = Actor.command_line()
    load_examples(actor)
    universe = Universe()
    for username, (code, role) in PEOPLE.items():
        account = make_account(
            actor,
            username,
            code,
            role,
            person_key=PERSON_KEYS.get(username, ""),
            scope=SCOPES.get(username, ""),
        )
        for code_, role_, scope_ in MORE_ROLES.get(username, []):
            slug, _, body_code = scope_.partition("/")
            assign_role(
                actor,
                account.person,
                Organisation.objects.get(code=code_),
                role_,
                scope=Body.objects.get(system__slug=slug, code=body_code),
            )
        universe.accounts[username] = account
        universe.tokens[username] = make_token(actor, account, "tests")[0]
    return universe


def universe_present(universe: Universe) -> bool:
    """Whether the universe is still in the database (a transactional test flushes it)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username="nobody").exists()


def write_csv(path: Path, rows: list[list[Any]], header: list[str] | None = None) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        if header:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def epraccur_row(
    code: str, name: str, commissioner: str = "15N", setting: str = "4", **kw: str
) -> list[str]:
    """A row in the ODS epraccur layout (27 fields, no header)."""
    row = [""] * 27
    row[0], row[1], row[9] = code, name, kw.get("postcode", "EX1 1AA")
    row[10], row[11], row[12] = (
        kw.get("opened", "19740401"),
        kw.get("closed", ""),
        kw.get("status", "A"),
    )
    row[14], row[25] = commissioner, setting
    return row


def run_cli(
    env: dict[str, str], *args: str, ok: bool = True, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [COMMONWEAL, *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment for running `commonweal` as a person would, on its own SQLite file."""
    return {
        **os.environ,
        "COMMONWEAL_HOME": str(home),
        "DATABASE_URL": f"sqlite:///{home / 'cli.sqlite3'}",
        "COMMONWEAL_DATA_DIR": "",
        **extra,
    }


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """An API error: the envelope, its status and code, and problems as {field, message}."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["status"] == status and error["code"] == code, error
    assert error["message"]
    assert isinstance(error["problems"], list)
    for problem in error["problems"]:
        assert {"field", "message"} <= set(problem), problem
    return error


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_database_url() -> str:
    """The URL of the database the tests are using, for a server process to share it."""
    from django.db import connection

    d = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{d['NAME']}"
    auth = d["USER"] + (f":{d['PASSWORD']}" if d.get("PASSWORD") else "")
    return f"postgres://{auth}@{d['HOST']}:{d['PORT']}/{d['NAME']}"


class Served(str):
    """A served app's base URL, which can also read what the server has logged so far."""

    log_file: Any

    def log(self) -> str:
        self.log_file.seek(0)
        return str(self.log_file.read().decode(errors="replace"))


@contextmanager
def served(workers: int = 2, threads: int = 8, **environment: str) -> Iterator[Served]:
    """`commonweal serve` (gunicorn, debug off) on a free loopback port, on the tests' own
    database; yields its base URL. Use it from a transactional test, so the server sees the
    test's data."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "COMMONWEAL_HOME": str(ROOT),
        "COMMONWEAL_DEBUG": "0",
        "COMMONWEAL_DATA_DIR": "",
        **environment,
    }
    log = tempfile.TemporaryFile()  # noqa: SIM115 (kept open for the server's whole life)
    process = subprocess.Popen(
        [
            COMMONWEAL,
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = Served(f"http://127.0.0.1:{port}")
    base.log_file = log
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(
                        "the server did not start:\n" + log.read().decode()
                    ) from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def http(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """A request with the standard library: (status, headers, body), errors and redirects
    answered as they come (a redirect is not followed)."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=120) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
