"""Writes queue rather than fail: concurrent requests against a real server (gunicorn, several
processes and threads) on the test database, SQLite or PostgreSQL, whichever the suite runs on."""

import json
import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from commonweal.core.models import AuditEvent, Organisation
from commonweal.registry.models import System

from ..factories import http, run_cli, served
from ..factories import test_database_url as database_url

pytestmark = pytest.mark.django_db(transaction=True)

DOCUMENT = """\
system:
  slug: {slug}
  name: Concurrent system {slug}
areas:
  - code: {slug}
    name: Area {slug}
    level: system
    populations:
      - {{on: 2020-06-30, population: 1100000}}
    responsible:
      - {{organisation: 15N, role: nhs_commissioner}}
  - code: {slug}-place
    name: Place of {slug}
    level: place
    parent: {slug}
"""


def load(base: str, headers: dict[str, str], slug: str) -> tuple[int, bytes]:
    status, _, body = http(
        "POST",
        base + "/api/systems",
        DOCUMENT.format(slug=slug).encode(),
        {**headers, "Content-Type": "application/yaml"},
    )
    return status, body


def test_twenty_identical_loads_and_twenty_different_writes_all_succeed(universe):
    headers = universe.headers("admin-15n")
    with served(workers=3, threads=8) as base, ThreadPoolExecutor(max_workers=40) as pool:
        same = [pool.submit(load, base, headers, "concurrent") for _ in range(20)]
        different = [pool.submit(load, base, headers, f"concurrent-{i}") for i in range(20)]
        results = [f.result() for f in same + different]
    failures = [(status, body[:300]) for status, body in results if status != 200]
    assert failures == [], failures
    assert [json.loads(body)["changed"] for _, body in results[:20]].count(True) == 1
    events = AuditEvent.objects.filter(action="registry.load_system", object_id="concurrent")
    assert events.count() == 20
    assert [e.changed for e in events].count(True) == 1, (
        "one load made the system, 19 saw no change"
    )
    written = AuditEvent.objects.filter(
        action="registry.load_system", object_id__startswith="concurrent-"
    )
    assert written.count() == 20 and all(e.changed for e in written)
    assert System.objects.filter(slug__startswith="concurrent").count() == 21


def test_loads_of_different_systems_that_create_the_same_organisation_all_succeed(
    universe, tmp_path
):
    """The lock is for every load, not one system's: two systems may describe the same new
    organisation, and the second to load finds it made. Only the operator adds organisations,
    so the race is between command-line loads, each a process of its own on the test database."""
    document = DOCUMENT.replace(
        "areas:\n",
        "organisations:\n  - {{code: RACE9, name: Raced, type: gp_federation}}\nareas:\n",
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "COMMONWEAL_HOME": str(tmp_path),
        "COMMONWEAL_DATA_DIR": "",
    }
    paths = []
    for i in range(8):
        paths.append(tmp_path / f"race-{i}.yaml")
        paths[-1].write_text(document.format(slug=f"race-{i}"))
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda path: run_cli(env, "load-system", str(path)), paths))
    created = sorted(int(r.stdout.split(" organisations created")[0].split()[-1]) for r in results)
    assert created == [0] * 7 + [1]
    assert Organisation.objects.filter(code="RACE9").count() == 1
    assert System.objects.filter(slug__startswith="race-").count() == 8
