"""Hostile input: every class the attack found gets a clear 4xx (or a refused command) naming
the file, line or field, in bounded time and memory, and writes nothing."""

import copy
import io
import json
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from commonweal.core.models import AuditEvent
from commonweal.registry.models import System

from ..factories import EXAMPLES, assert_error, http, served

SYSTEM = """\
system:
  slug: hostile
  name: Hostile
areas:
  - code: hostile
    name: Hostile
    level: system
    populations:
      - {on: 2020-06-30, population: POPULATION}
    responsible:
      - {organisation: 15N, role: nhs_commissioner}
"""

# A "billion laughs": nine nested aliases, a few hundred bytes, billions of values if expanded.
ALIAS_BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)

# (class, YAML text, the problem each refusal must name)
YAML_CASES = {
    "too big for float": (
        SYSTEM.replace("POPULATION", "1e309"),
        "areas[0].populations[0].population: '1e309' is larger or longer than any number",
    ),
    # Converting this to an integer would take a minute of CPU: refused as it is read.
    "too big to convert": (
        SYSTEM.replace("POPULATION", "1e60000000"),
        "areas[0].populations[0].population: '1e60000000' is larger or longer than any number",
    ),
    "a million digits": (
        SYSTEM.replace("POPULATION", "9" * 1_000_000 + ".0"),
        "areas[0].populations[0].population: '9999",
    ),
    "too small to hold": (
        SYSTEM.replace("POPULATION", "1e-999999999"),
        "has more decimal places than any field holds",
    ),
    "infinity": (SYSTEM.replace("POPULATION", ".inf"), "is not a number this document can hold"),
    "too big for the database": (
        SYSTEM.replace("POPULATION", str(2**63)),
        "areas[0].populations[0].population",
    ),
    "a date that does not exist": (
        SYSTEM.replace("{on: 2020-06-30", "{on: 2019-02-30"),
        "areas[0].populations[0].on: must be a real date: February 2019 has no day 30",
    ),
    "a key that is a list": (SYSTEM + "? [a, b]\n: c\n", "a key must be a plain name"),
    "a NUL character": (SYSTEM.replace("name: Hostile", 'name: "Hos\\0tile"', 1), "NUL"),
    "nesting 2,000 deep": (SYSTEM + "deep: " + "[" * 2000 + "]" * 2000 + "\n", "nested more than"),
    "an alias bomb": (ALIAS_BOMB, "anchors and aliases"),
    "a tag": (
        SYSTEM.replace("name: Hostile", "name: !!python/object:os.system Hostile", 1),
        "tags",
    ),
}


@pytest.fixture
def admin(universe):
    return universe.headers("admin-15n")


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(YAML_CASES))
def test_each_hostile_document_is_refused_by_the_api_naming_where(client, universe, admin, case):
    text, expected = YAML_CASES[case]
    events = AuditEvent.objects.count()
    started = time.perf_counter()
    response = client.post("/api/systems", text, content_type="application/yaml", headers=admin)
    assert time.perf_counter() - started < 1, "refused in bounded time"
    error = assert_error(response, 422, "document_refused")
    said = " ".join(f"{p['line']}: {p['field']}: {p['message']}" for p in error["problems"])
    assert expected in said, said
    assert all(p["line"] for p in error["problems"]), "every problem names its line"
    assert not System.objects.filter(slug="hostile").exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(YAML_CASES))
def test_each_hostile_document_is_refused_by_the_command_naming_file_and_line(
    universe, tmp_path, case
):
    text, expected = YAML_CASES[case]
    path = tmp_path / "system.yaml"
    path.write_text(text)
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("load_system", str(path), stderr=stderr)
    assert f"{path}:" in stderr.getvalue() and expected in stderr.getvalue(), stderr.getvalue()
    assert not System.objects.filter(slug="hostile").exists()


ROUTE = {
    "system": "devon-2019",
    "decision_type": "revenue_commitment",
    "on": "2019-09-10",
    "commitments": [{"organisation": "15N", "amount": 100}],
}
VALIDATE = {
    "system": "devon-2019",
    "decision_type": "revenue_commitment",
    "on": "2019-09-10",
    "organisation": "15N",
    "amount": 100,
}

# (class, a change to the raw JSON, status, code, the field named on /api/route, on /api/validate)
JSON_CASES = {
    "too big for float": ('"amount": 1e309', 422, "invalid_request", "amount"),
    "infinity": ('"amount": Infinity', 422, "invalid_request", "amount"),
    "too big for the database": (f'"amount": {2**63}', 422, "invalid_request", "amount"),
    "a fraction of a penny": ('"amount": 0.001', 422, "invalid_request", "amount"),
    "a date that does not exist": ('"amount": 100, "project": "x"', 422, "invalid_request", "on"),
    "a NUL character": ('"amount": 100, "project": "P\\u00001"', 400, "bad_request", "project"),
    "nesting 2,000 deep": (
        '"amount": 100, "project": ' + "[" * 2000 + "]" * 2000,
        400,
        "bad_request",
        "body",
    ),
}


def _body(base: dict, change: str, case: str) -> str:
    text = json.dumps(
        {**base, "on": "2019-02-30"} if case == "a date that does not exist" else base
    )
    return text.replace('"amount": 100', change)


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(JSON_CASES))
def test_each_hostile_request_is_refused_by_the_api_naming_the_field(client, universe, admin, case):
    change, status, code, field = JSON_CASES[case]
    for path, base, named in (
        (
            "/api/route",
            ROUTE,
            f"commitments[0].{field}" if field in ("amount", "project") else field,
        ),
        ("/api/validate", VALIDATE, field),
    ):
        response = client.post(
            path, _body(base, change, case), content_type="application/json", headers=admin
        )
        error = assert_error(response, status, code)
        assert named in [p["field"] for p in error["problems"]], (path, error["problems"])


@pytest.mark.django_db
def test_a_body_that_is_not_json_or_not_an_object_is_refused(client, universe, admin):
    assert (
        assert_error(
            client.post(
                "/api/route", "{'system': 1}", content_type="application/json", headers=admin
            ),
            400,
            "bad_request",
        )["problems"][0]["field"]
        == "body"
    )
    assert (
        assert_error(
            client.post("/api/route", "[1, 2, 3]", content_type="application/json", headers=admin),
            422,
            "invalid_request",
        )["problems"][0]["field"]
        == "body"
    )


@pytest.mark.django_db
def test_a_hostile_question_file_is_refused_by_the_command_with_its_line(universe, tmp_path):
    path = tmp_path / "proposal.yaml"
    path.write_text(
        "system: devon-2019\ndecision_type: revenue_commitment\non: 2019-02-30\n"
        "commitments:\n  - {organisation: 15N, amount: 1e309}\n"
    )
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command("route", str(path), stderr=stderr)
    said = stderr.getvalue()
    assert f"{path}:3: on: must be a real date" in said, said
    assert f"{path}:5: commitments[0].amount: '1e309' is larger or longer than any number" in said
    # A number within reading's bounds but over a trillion pounds is the field's to refuse.
    path.write_text(
        "system: devon-2019\ndecision_type: revenue_commitment\non: 2019-04-01\n"
        "commitments:\n  - {organisation: 15N, amount: 2e12}\n"
    )
    with pytest.raises(CommandError):
        call_command("route", str(path), stderr=(stderr := io.StringIO()))
    assert f"{path}:5: commitments[0].amount: is more than a trillion pounds" in stderr.getvalue()


@pytest.mark.django_db
def test_bodies_and_files_over_the_limit_are_refused(client, universe, admin, tmp_path):
    big = b"# " + b"x" * 5_000_000 + b"\n"
    assert_error(
        client.post("/api/systems", big, content_type="application/yaml", headers=admin),
        413,
        "too_large",
    )
    assert_error(
        client.post("/api/route", big, content_type="application/json", headers=admin),
        413,
        "too_large",
    )
    page = client.post("/accounts/login/", {"username": "x" * 5_000_001})
    assert page.status_code == 413 and "larger than 5 MB" in page.content.decode()
    path = tmp_path / "big.yaml"
    path.write_bytes(big)
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command("load_system", str(path), stderr=stderr)
    assert "is larger than 5 MB" in stderr.getvalue()


def _peak_kib(pid: int) -> int:
    """A process's peak resident memory (VmHWM, the same figure as ru_maxrss), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


@pytest.mark.django_db(transaction=True)
def test_the_alias_bomb_is_refused_fast_and_small_by_the_serving_process(universe):
    with served(workers=1, threads=1) as base:
        master = int(
            subprocess.run(
                ["pgrep", "-f", f"serve --bind {base.removeprefix('http://')}"],
                capture_output=True,
                text=True,
            ).stdout.split()[0]
        )
        worker = int(Path(f"/proc/{master}/task/{master}/children").read_text().split()[0])
        http("GET", base + "/health")  # the worker has loaded everything it will
        before = _peak_kib(worker)
        started = time.perf_counter()
        status, _, body = http(
            "POST",
            base + "/api/systems",
            ALIAS_BOMB.encode(),
            {**universe.headers("admin-15n"), "Content-Type": "application/yaml"},
        )
        seconds = time.perf_counter() - started
        grown = _peak_kib(worker) - before
    assert status == 422 and b"anchors and aliases" in body, body[:300]
    assert seconds < 1, f"refused in {seconds:.2f} s"
    assert grown < 100 * 1024, f"the serving process grew by {grown / 1024:.0f} MB"
    assert len(ALIAS_BOMB) < 400


def _text_leaves(data: object, path: tuple = ()) -> Iterator[tuple]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _text_leaves(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _text_leaves(value, (*path, i))
    elif isinstance(data, str):
        yield path


def _first_of_each_field(data: object) -> list[tuple]:
    """One place for each field of a document (areas[*].name once, not for every area)."""
    seen: dict[tuple, tuple] = {}
    for path in _text_leaves(data):
        seen.setdefault(tuple("*" if isinstance(p, int) else p for p in path), path)
    return list(seen.values())


def _loaders() -> dict[str, Callable]:
    from commonweal.governance.actions import load_governance, load_scheme
    from commonweal.registry.actions import load_system

    return {
        "devon-2019.yaml": load_system,
        "devon-2019-governance.yaml": load_governance,
        "devon-2019-scheme-15N.yaml": load_scheme,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("example", list(_loaders()))
def test_every_text_field_of_a_document_is_bounded_before_the_database(universe, example):
    """401 characters in each text field in turn: refused with a problem, or stored whole;
    never a database error (PostgreSQL refuses what does not fit its column)."""
    from django.db import transaction

    from commonweal.core.actions import Actor
    from commonweal.core.documents import read_yaml
    from commonweal.core.errors import Refused

    load = _loaders()[example]
    # Read as the app reads (YAML 1.2: `on` is a key, not true), written back by PyYAML.
    data = read_yaml(EXAMPLES / example).data
    # Fields the examples leave out, so that they are tried too.
    if example == "devon-2019.yaml":
        data["organisations"][0]["postcode"] = "EX2 5DW"
    elif example == "devon-2019-governance.yaml":
        data["bodies"][0]["delegates"] = "Its functions."
    fields = _first_of_each_field(data)
    assert len(fields) > 10
    assert load(Actor.command_line(), "same.yaml", yaml.safe_dump(data)), "the copy loads"
    refused = 0
    for path in fields:
        changed = copy.deepcopy(data)
        if "scheme" in changed and path != ("scheme", "version"):
            changed["scheme"]["version"] = "long-values"  # a new version, not a changed one
        target = changed
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = "x" * 401
        try:
            with transaction.atomic():
                load(Actor.command_line(), "long.yaml", yaml.safe_dump(changed))
                transaction.set_rollback(True)
        except Refused:
            refused += 1
    assert refused, "some fields are bounded"
