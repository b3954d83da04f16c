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
    # Read as floats, these were 0.0 and exactly 1e12 before the field saw them.
    "too small to hold": ('"amount": 1e-400', 422, "invalid_request", "amount"),
    "a fraction of a penny in 30 places": ('"amount": 1e-30', 422, "invalid_request", "amount"),
    "a fraction of a penny under a trillion": (
        '"amount": 999999999999.9999999999',
        422,
        "invalid_request",
        "amount",
    ),
    "too big to convert": ('"amount": 1e60000000', 422, "invalid_request", "amount"),
    "an integer too long to convert": (
        '"amount": ' + "9" * 5_000,
        422,
        "invalid_request",
        "amount",
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
def test_json_numbers_are_read_exactly_and_bounded_before_they_are_converted(
    client, universe, admin
):
    def route(amount: str) -> tuple[float, dict]:
        body = json.dumps(ROUTE).replace('"amount": 100', f'"amount": {amount}')
        started = time.perf_counter()
        response = client.post("/api/route", body, content_type="application/json", headers=admin)
        return time.perf_counter() - started, response

    seconds, response = route("1e60000000")
    assert seconds < 1
    error = assert_error(response, 422, "invalid_request")
    assert error["problems"] == [
        {
            "field": "commitments[0].amount",
            "message": "'1e60000000' is larger or longer than any number a field holds",
        }
    ]
    _, response = route("999999999999.9999999999")
    error = assert_error(response, 422, "invalid_request")
    assert "no fraction of a penny" in error["problems"][0]["message"]
    _, response = route("1e-400")
    error = assert_error(response, 422, "invalid_request")
    assert error["problems"][0] == {
        "field": "commitments[0].amount",
        "message": "'1e-400' has more decimal places than any field holds",
    }
    _, response = route("1234.56")
    assert response.status_code == 200, response.content


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


# The third attack: lists with no bound, checks that grew with their square, dates and numbers
# too large for the library that read them.

BOUNDED = """\
system:
  slug: bounded
  name: Bounded
  description: DESCRIPTION
  sources: SOURCES
areas:
  - code: bounded
    name: Bounded
    level: system
    populations: POPULATIONS
    responsible: RESPONSIBLE
    practices: PRACTICES
"""


def _bounded(**changes: str) -> str:
    defaults = {
        "DESCRIPTION": "x",
        "SOURCES": "[]",
        "POPULATIONS": "[]",
        "RESPONSIBLE": "[{organisation: 15N, role: nhs_commissioner}]",
        "PRACTICES": "[]",
    }
    text = BOUNDED
    for marker, value in {**defaults, **changes}.items():
        text = text.replace(marker, value)
    return text


def _populations(n: int) -> str:
    return "[" + ", ".join(f"{{on: {1900 + i % 300}-01-01, population: 1}}" for i in range(n)) + "]"


# (the document, the problem that must be named)
BOUND_CASES = {
    "201 population figures": (
        _bounded(POPULATIONS=_populations(201)),
        "areas[0].populations: has 201 entries; at most 200 are allowed",
    ),
    "51 responsible organisations": (
        _bounded(RESPONSIBLE="[" + ", ".join(["{organisation: 15N, role: partner}"] * 51) + "]"),
        "areas[0].responsible: has 51 entries; at most 50 are allowed",
    ),
    "2,001 practices": (
        _bounded(PRACTICES="[" + ", ".join(f"P{i}" for i in range(2_001)) + "]"),
        "areas[0].practices: has 2001 entries; at most 2000 are allowed",
    ),
    "51 sources": (
        _bounded(SOURCES="[" + ", ".join(["a source"] * 51) + "]"),
        "system.sources: has 51 entries; at most 50 are allowed",
    ),
    "a source of 501 characters": (
        _bounded(SOURCES="[" + "s" * 501 + "]"),
        "system.sources[0]: is longer than 500 characters",
    ),
    "a description of 5,001 characters": (
        _bounded(DESCRIPTION="d" * 5_001),
        "system.description: is longer than 5000 characters",
    ),
    "20,001 organisations named": (
        _bounded(PRACTICES="[]").replace(
            "areas:\n",
            "areas:\n"
            + "".join(
                f"  - {{code: a{i}, name: A, level: neighbourhood, parent: bounded, practices: "
                f"[{', '.join(f'P{i}X{j}' for j in range(5))}]}}\n"
                for i in range(4_001)
            ),
        ),
        ": names 20,006 organisations; at most 20,000 are allowed in one document",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BOUND_CASES))
def test_every_list_and_text_of_a_system_document_is_bounded(client, universe, case):
    text, expected = BOUND_CASES[case]
    response = client.post(
        "/api/systems", text, content_type="application/yaml", headers=universe.headers("nobody")
    )
    error = assert_error(response, 422, "document_refused")
    said = [f"{p['field']}: {p['message']}" for p in error["problems"]]
    assert any(expected in s for s in said), said
    assert not System.objects.filter(slug="bounded").exists()


@pytest.mark.django_db
def test_checks_made_before_permission_grow_with_the_document_not_its_square(client, universe):
    # 60,000 population figures on one area: compared each with every one before it, the
    # check for repeated dates took minutes; anyone signed in could send it.
    text = _bounded(POPULATIONS=_populations(60_000))
    started = time.perf_counter()
    response = client.post(
        "/api/systems", text, content_type="application/yaml", headers=universe.headers("nobody")
    )
    assert time.perf_counter() - started < 5
    error = assert_error(response, 422, "document_refused")
    assert "has 60000 entries; at most 200 are allowed" in error["problems"][0]["message"]
    # Repeated dates are still found, each once, within the bound.
    repeated = _bounded(POPULATIONS=_populations(200).replace("1901-01-01", "1900-01-01"))
    error = assert_error(
        client.post(
            "/api/systems",
            repeated,
            content_type="application/yaml",
            headers=universe.headers("nobody"),
        ),
        422,
        "document_refused",
    )
    assert [p["field"] for p in error["problems"]] == ["areas[0].populations[1].on"]


@pytest.mark.django_db
def test_twenty_thousand_organisation_codes_are_looked_up_in_chunks(client, universe):
    # Unknown codes, so the document is refused, but only after every one has been looked up
    # (PostgreSQL binds at most 65,535 parameters a statement, SQLite 32,766).
    text = _bounded().replace(
        "areas:\n",
        "areas:\n"
        + "".join(
            f"  - {{code: a{i}, name: A, level: neighbourhood, parent: bounded, practices: "
            f"[{', '.join(f'P{i}X{j}' for j in range(5))}]}}\n"
            for i in range(3_999)
        ),
    )
    response = client.post(
        "/api/systems", text, content_type="application/yaml", headers=universe.headers("nobody")
    )
    error = assert_error(response, 422, "document_refused")
    assert "no organisation 'P0X0'" in error["problems"][0]["message"]
    assert "19,895 more problems" in error["problems"][-1]["message"]


@pytest.mark.django_db
def test_a_refusal_quotes_at_most_forty_characters_of_a_value(client, universe):
    text = _bounded().replace("  - code: bounded\n", "  - code: " + "bad." * 250_000 + "\n", 1)
    response = client.post(
        "/api/systems", text, content_type="application/yaml", headers=universe.headers("nobody")
    )
    error = assert_error(response, 422, "document_refused")
    [problem] = [p for p in error["problems"] if p["field"] == "areas[0].code"]
    assert (
        problem["message"] == f"'{'bad.' * 10}...' is not a code: use letters, digits, '-' or '_'"
    )
    assert len(response.content) < 5_000
    tagged = _bounded(DESCRIPTION="!" + "t" * 1_000_000 + " x")
    response = client.post(
        "/api/systems", tagged, content_type="application/yaml", headers=universe.headers("nobody")
    )
    assert_error(response, 422, "document_refused")
    assert len(response.content) < 5_000


GOVERNANCE_BODY = """\
system: devon-2019
people: []
posts:
  - {organisation: 15N, code: chair, title: Chair}
bodies:
  - {code: big, name: Big, kind: committee, owners: [15N], MEMBERS}
"""


def _terms(terms: str) -> str:
    return GOVERNANCE_BODY.replace("MEMBERS", terms)


# (the document, the problem that must be named)
GOVERNANCE_CASES = {
    "501 members": (
        _terms("members: [" + ", ".join(["15N/chair"] * 501) + "]"),
        "bodies[0].members: has 501 entries; at most 500 are allowed",
    ),
    "501 required for quorum": (
        _terms("quorum: {required: [" + ", ".join(["lay"] * 501) + "]}"),
        "bodies[0].quorum.required: has 501 entries; at most 500 are allowed",
    ),
    "a quorum of 1,001": (
        _terms("quorum: {number: 1001}"),
        "bodies[0].quorum.number: Input should be less than or equal to 1000",
    ),
    "a block of 40,000 (more than its column holds)": (
        _terms("quorum: {block: 40000}"),
        "bodies[0].quorum.block: Input should be less than or equal to 1000",
    ),
    "201 holders": (
        _terms("members: []").replace(
            "title: Chair}",
            "title: Chair, holders: [" + ", ".join(f"{{person: p{i}}}" for i in range(201)) + "]}",
        ),
        "posts[0].holders: has 201 entries; at most 200 are allowed",
    ),
    "a person holding a post twice at once": (
        _terms("members: []")
        .replace(
            "people: []",
            "people: [{key: pat, name: Pat}]",
        )
        .replace(
            "title: Chair}",
            "title: Chair, holders: [{person: pat}, {person: pat, starts: 2020-01-01}]}",
        ),
        "posts[0].holders[1]: holders[0] names pat as holding this post on some of the same days",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(GOVERNANCE_CASES))
def test_every_list_and_number_of_a_governance_document_is_bounded(universe, case):
    from commonweal.core.documents import DocumentError
    from commonweal.governance.actions import read_governance

    text, expected = GOVERNANCE_CASES[case]
    with pytest.raises(DocumentError) as refused:
        read_governance("gov.yaml", text)
    assert expected in str(refused.value), str(refused.value)


@pytest.mark.django_db
def test_a_governance_document_is_checked_in_time_that_grows_with_it(universe):
    from commonweal.core.documents import DocumentError
    from commonweal.governance.actions import read_governance

    # 60,000 members and 60,000 posts required for quorum, each once compared with every
    # member: refused by their bounds, at once.
    refs = ", ".join(f"15N/p{i}" for i in range(60_000))
    text = GOVERNANCE_BODY.replace("MEMBERS", f"members: [{refs}], quorum: {{required: [{refs}]}}")
    started = time.perf_counter()
    with pytest.raises(DocumentError, match="has 60000 entries; at most 500 are allowed"):
        read_governance("gov.yaml", text)
    assert time.perf_counter() - started < 5


@pytest.mark.django_db
def test_a_long_chain_of_onward_delegation_is_checked_without_deep_recursion(universe):
    from commonweal.core.documents import DocumentError
    from commonweal.governance.actions import read_scheme

    onward = "".join(
        f"  - {{clause: O{i}, from: 15N/p{i}, to: 15N/p{i + 1}, decision_types: [policy], "
        "limit: 1}\n"
        for i in range(3_000)
    )
    text = (
        "scheme: {organisation: 15N, system: devon-2019, version: chain, "
        "in_force_from: 2030-04-01}\nonward:\n" + onward
    )
    started = time.perf_counter()
    with pytest.raises(DocumentError, match="no post '15N/p0'"):
        read_scheme("scheme.yaml", text)
    assert time.perf_counter() - started < 5


@pytest.mark.django_db
def test_a_date_part_too_long_for_a_date_is_refused_in_the_design_systems_words(client, universe):
    from commonweal.core.dates import real_date

    with pytest.raises(ValueError, match="must be a real date"):
        real_date(2019, 1, 10**20)
    client.force_login(universe.accounts["nobody"])
    huge = "9" * 20
    for url in ("/public/systems/devon-2019/", "/systems/devon-2019/"):
        for parts, message in (
            ({"on-day": huge, "on-month": "1", "on-year": "2019"}, "Date must be a real date"),
            ({"on-day": "1", "on-month": huge, "on-year": "2019"}, "Date must be a real date"),
            ({"on-day": "1", "on-month": "1", "on-year": huge}, "must include a year of 4 numbers"),
            ({"on-day": "\u0661", "on-month": "1", "on-year": "2019"}, "written in numbers"),
        ):
            response = client.get(url, parts)
            html = response.content.decode()
            assert response.status_code == 400, (url, parts)
            assert "There is a problem" in html and message in html, (url, parts)
    for on in (huge, "99999-01-01", "2019-01-" + huge):
        error = assert_error(
            client.get("/api/systems/devon-2019", {"on": on}), 422, "invalid_request"
        )
        assert [p["field"] for p in error["problems"]] == ["on"], (on, error)
