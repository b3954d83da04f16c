"""Benchmark: the commissioning proposals pipeline board, served by `commonweal serve`.

Target (the proposals issue): the pipeline board with 5,000 proposals across 10 programmes and
6 places, filtered by programme, answers with a 95th-percentile latency under 300 ms on
PostgreSQL through `commonweal serve` (10 concurrent clients, no pause).

Builds a fresh database from the command line as an operator would (migrate, load-system
devon-2019, load-governance, Devon's four schemes of delegation, load-proposals
devon-2019-proposals: the four-stages workflow mapped to Devon's bodies, with 4 programmes),
then, in process: 6 more programmes (10 in all) and --proposals proposals (5,000) spread over
the programmes, 6 of Devon's footprints (the places north, east, south and west, and the local
authorities Plymouth and Torbay) and the workflow's states, written in bulk, with about half
public (stage 4 and approved are the states the workflow shows publicly); a commissioner of NHS
Devon CCG to sign in as.

Then:
- each kind of board page once cold (the first of its kind in this process: templates compiled)
  and warm (median of 20, the programmes in turn) by Django's test client: milliseconds,
  queries, the time the database took, and the slowest queries of a warm filtered public board
  (`--profile` adds cProfile's view of warm renders; given anyway when a board misses the
  target under load);
- `commonweal serve` (gunicorn) on a free loopback port, warmed in rounds of 5 s until p95
  stops falling (at most --warm-seconds), and driven by --clients clients (threads spread over
  processes; the public register's harness, benchmarks/public_register.py), no pause, for
  --seconds each: /health (the baseline); the public board filtered by a programme chosen at
  random each request (the target); the public board unfiltered; and the signed-in board
  (/systems/<slug>/proposals/) filtered and unfiltered, its clients sending the session cookie
  of a sign-in made in process (`Client.force_login`, stored in the database the server reads).
Figures only: nothing here fails on time (the exit status is 1 only if a page answered
anything but 200).

    .venv/bin/python benchmarks/proposals.py
    .venv/bin/python benchmarks/proposals.py --database-url postgres://.../proposals_bench --reset

A PostgreSQL database named must be empty or missing (it is created); `--reset` drops and
recreates one that holds tables.
"""

import argparse
import cProfile
import http.client
import os
import pstats
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any
from unittest import mock

# benchmarks/ is the script's own directory: the outcomes benchmark's command-line build, and
# the public register's load harness and server.
import outcomes
import public_register
from public_register import (
    Figures,
    Kinds,
    Load,
    Sample,
    figures,
    fresh_database,
    report_errors,
    served,
    table,
    window_of,
)

TARGET_P95_MS = 300.0
SYSTEM = "devon-2019"
PUBLIC_BOARD = f"/public/systems/{SYSTEM}/proposals/"
BOARD = f"/systems/{SYSTEM}/proposals/"
WARM_ROUND = 5.0
KIND_TARGET = "public board, by programme"  # the target's page
SPONSORS = ("E10000008", "E06000026", "E06000027")  # the councils, whose schemes are loaded too

SETUP = (
    ("migrate", "--no-input", "-v", "0"),
    ("load-system", SYSTEM),
    ("load-governance", f"{SYSTEM}-governance"),
    *(("load-scheme", f"{SYSTEM}-scheme-{code}") for code in ("15N", *SPONSORS)),
    ("load-proposals", f"{SYSTEM}-proposals"),
)

# The set-up document's 4 programmes, and 6 more.
MORE_PROGRAMMES = (
    ("cancer", "Cancer"),
    ("maternity", "Maternity and neonatal care"),
    ("children", "Children and young people"),
    ("learning-disability", "Learning disability and autism"),
    ("planned-care", "Planned care"),
    ("prevention", "Prevention and population health"),
)
FOOTPRINTS = ("north", "east", "south", "west", "plymouth", "torbay")
# The share of proposals in each state of the four-stages workflow: stage 4 and approved
# (public) are 57 in 100.
STATES = {
    "draft": 8,
    "stage-1": 10,
    "stage-2": 10,
    "stage-3": 10,
    "stage-4": 30,
    "approved": 27,
    "withdrawn": 5,
}
_WHAT = (
    "Redesign of",
    "Recommissioning of",
    "Extension of",
    "Integrated model for",
    "Procurement of",
    "Pilot of",
)
_SERVICES = (
    "community nursing",
    "urgent treatment centres",
    "crisis mental health support",
    "stroke rehabilitation",
    "hospital discharge support",
    "diabetes prevention",
    "children's therapies",
    "care home support",
    "specialist cancer services",
    "maternity continuity of carer",
    "learning disability day services",
)


# ---------------------------------------------------------------------------------------------
# The proposals, in process.


def populate(count: int) -> tuple[list[str], int]:
    """6 more programmes and `count` proposals in bulk; the programmes' codes and how many
    proposals are public."""
    from django.db import transaction

    from commonweal.core.models import Organisation
    from commonweal.proposals import actions
    from commonweal.proposals.models import Programme, Proposal, Setup
    from commonweal.registry.models import Area, System

    system = System.objects.get(slug=SYSTEM)
    setup = Setup.objects.select_related("workflow").get(system=system)
    states = {s.code: s for s in actions.graph(setup.workflow).states}
    unknown = set(STATES) - set(states)
    if unknown:
        sys.exit(f"the set-up's workflow has no states {sorted(unknown)}")
    start = Programme.objects.filter(system=system).count()
    for position, (code, name) in enumerate(MORE_PROGRAMMES, start=start):
        Programme.objects.create(system=system, code=code, name=name, position=position)
    programmes = list(Programme.objects.filter(system=system).order_by("position"))
    areas = list(Area.objects.filter(system=system, code__in=FOOTPRINTS).order_by("code"))
    if len(areas) != len(FOOTPRINTS):
        sys.exit(f"{SYSTEM} lacks some of the footprints {FOOTPRINTS}")
    lead = Organisation.objects.get(code="15N")
    sponsors = list(Organisation.objects.filter(code__in=SPONSORS).order_by("code"))
    rng = random.Random(18)
    codes, weights = list(STATES), list(STATES.values())
    rows = []
    for number in range(1, count + 1):
        state = states[rng.choices(codes, weights)[0]]
        service = rng.choice(_SERVICES)
        area = rng.choice(areas)
        rows.append(
            Proposal(
                system=system,
                number=number,
                title=f"{rng.choice(_WHAT)} {service} in {area.name}",
                service=service,
                footprint=area,
                lead=lead,
                programme=rng.choice(programmes),
                workflow=setup.workflow,
                state=state.code,
                stage=state.stage,
                public=state.public,
            )
        )
    # Written in bulk, as a benchmark's data may be: what the proposals' actions do (numbering,
    # audit, passages, forward plan entries) is checked by the tests, not measured here.
    with transaction.atomic():
        made = Proposal.objects.bulk_create(rows, batch_size=1_000)
        through = Proposal.sponsors.through
        through.objects.bulk_create(
            [
                through(proposal_id=p.pk, organisation_id=rng.choice(sponsors).pk)
                for p in made
                if p.number % 3 == 0
            ],
            batch_size=1_000,
        )
    return [p.code for p in programmes], sum(1 for p in rows if p.public)


def signed_in_client() -> Any:
    """A commissioner of NHS Devon CCG, signed in by Django's test client: its session is stored
    in the database, so the served app knows its cookie too."""
    from django.test import Client

    from commonweal.core.actions import Actor
    from commonweal.core.models import Organisation, Role
    from commonweal.core.people import add_person, assign_role

    actor = Actor.command_line()
    ccg = Organisation.objects.get(code="15N")
    account = add_person(
        actor, "bench-commissioner", secrets.token_urlsafe(16), full_name="Bench", organisation=ccg
    )
    assign_role(actor, account.person, ccg, Role.COMMISSIONER)
    client = Client(SERVER_NAME="localhost")
    client.force_login(account)
    return client


def maintain() -> None:
    """As a server's maintenance would after the bulk writes: the planner's statistics, and on
    SQLite the write-ahead log folded into the database file."""
    from django.db import connection

    from commonweal.proposals.models import Proposal

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {Proposal._meta.db_table}")
        else:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# ---------------------------------------------------------------------------------------------
# The board in process.


def in_process(kinds: Kinds, clients: dict[str, Any]) -> tuple[dict[str, str], bool]:
    """Each kind of page cold (the first of its kind in this process) and warm (median of 20,
    the programmes in turn): ms, queries, in SQL ms, the page's size; and the presenter alone
    (`presenters.board`, warm, median of 20). The queries each kind makes, and whether every
    answer was 200."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from commonweal.proposals import presenters
    from commonweal.registry.models import System

    system = System.objects.get(slug=SYSTEM)
    ok = True
    counts: dict[str, str] = {}
    slowest: list[tuple[float, str]] = []
    print("\nthe board in process (Django's test client); cold: the first of its kind")
    print(
        f"   {'':34} {'cold ms':>8} {'queries':>8} {'warm ms':>8} {'max ms':>8} {'queries':>8} "
        f"{'in SQL ms':>10} {'KB':>6} {'presenter ms':>13}"
    )
    for kind, paths in kinds:
        client = clients[kind]
        took: list[float] = []
        seen: list[int] = []
        in_sql: list[float] = []
        size = 0
        for i in range(21):
            path = paths[i % len(paths)]
            with CaptureQueriesContext(connection) as queries:
                t = time.perf_counter()
                response = client.get(path)
                took.append((time.perf_counter() - t) * 1_000)
            if response.status_code != 200:
                print(f"   {path} answered {response.status_code}")
                ok = False
            size = max(size, len(response.content))
            seen.append(len(queries))
            in_sql.append(sum(float(q["time"]) for q in queries.captured_queries) * 1_000)
            if kind == KIND_TARGET and i:
                slowest.extend((float(q["time"]), q["sql"]) for q in queries.captured_queries)
        alone = []
        for i in range(20):
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(paths[i % len(paths)]).query)
            f = presenters.Filters(programme=query.get("programme", [""])[0])
            t = time.perf_counter()
            presenters.board(system, f, public=not kind.startswith("signed"))
            alone.append((time.perf_counter() - t) * 1_000)
        warm = seen[1:]
        counts[kind] = str(min(warm)) if min(warm) == max(warm) else f"{min(warm)}-{max(warm)}"
        print(
            f"   {kind:34} {took[0]:>8.1f} {seen[0]:>8} {statistics.median(took[1:]):>8.1f} "
            f"{max(took[1:]):>8.1f} {counts[kind]:>8} {statistics.median(in_sql[1:]):>10.1f} "
            f"{size / 1000:>6.0f} {statistics.median(alone):>13.1f}"
        )
    print(f"   warm {KIND_TARGET}, its slowest queries:")
    for seconds, sql in sorted(slowest, reverse=True)[:4]:
        # The columns of a SELECT say little: from its FROM on.
        said = re.sub(r"^SELECT .+? FROM ", "SELECT ... FROM ", " ".join(sql.split()), count=1)
        print(f"     {seconds * 1000:7.1f} ms  {said[:300]}")
    return counts, ok


def profile(kinds: Kinds, clients: dict[str, Any], renders: int = 20) -> None:
    """cProfile's view of warm renders of each kind."""
    for kind, paths in kinds:
        client = clients[kind]
        client.get(paths[0])
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(renders):
            client.get(paths[i % len(paths)])
        profiler.disable()
        print(f"\ncProfile, {kind}, {renders} warm renders, by cumulative time:")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
        print(f"cProfile, {kind}, by own time:")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(12)


# ---------------------------------------------------------------------------------------------
# The board served. The signed-in clients send the session cookie: the public register's
# clients, run with a connection class that adds it.


class _WithCookie(http.client.HTTPConnection):
    cookie = ""

    def request(
        self,
        method: str,
        url: str,
        body: Any = None,
        headers: Any = None,
        *,
        encode_chunked: bool = False,
    ) -> None:
        headers = {**(headers or {}), "Cookie": self.cookie}
        super().request(method, url, body, headers, encode_chunked=encode_chunked)


def _clients_with_cookie(cookie: str, load: Load, numbers: Sequence[int]) -> list[Sample]:
    _WithCookie.cookie = cookie
    with mock.patch.object(http.client, "HTTPConnection", _WithCookie):
        return public_register._clients(load, numbers)


def drive(pool: ProcessPoolExecutor, processes: int, load: Load, cookie: str) -> list[Sample]:
    if not cookie:
        return public_register.drive(pool, processes, load)
    shares = [list(range(p, load.clients, processes)) for p in range(processes)]
    futures = [pool.submit(_clients_with_cookie, cookie, load, share) for share in shares if share]
    return [s for f in futures for s in f.result()]


def under_load(
    args: argparse.Namespace,
    env: dict[str, str],
    kinds: Kinds,
    cookies: dict[str, str],
    queries: dict[str, str],
) -> tuple[bool, list[str]]:
    """Serve, warm, then drive the baseline and each kind of board on its own; print the
    tables. Whether every answer was 200, and the kinds over the target."""
    processes = max(1, min(os.cpu_count() or 1, args.clients))
    rng = random.Random(2026)
    ok = True

    def run(kind: str, paths: tuple[str, ...], seconds: float) -> tuple[list[Sample], Figures]:
        start_at = time.time() + 1.0  # once the pool's processes are surely up
        load = Load(
            "127.0.0.1",
            port,
            ((kind, paths),),
            args.clients,
            0.0,
            seconds,
            start_at,
            rng.randrange(99),
        )
        samples = drive(pool, processes, load, cookies.get(kind, ""))
        return samples, figures(samples, window_of(samples, load))

    with (
        served(env, args.workers, args.threads) as (_, port),
        ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool,
    ):
        average = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        print(
            f"\nserved: `commonweal serve`, {args.workers} workers x {args.threads} threads; "
            f"{args.clients} clients ({processes} client processes), no pause; this machine: "
            f"{os.cpu_count()} CPUs, load average before {average}"
        )
        # Every worker compiles the templates on its first pages: warm each kind, then the
        # target in rounds until its p95 stops falling.
        print(f"   warm-up, in rounds of {WARM_ROUND:g} s (the first shows a cold server):")
        started = time.monotonic()
        previous = float("inf")
        rounds = [kind for kind, _ in kinds]
        while True:
            kind = rounds.pop(0) if rounds else KIND_TARGET
            samples, warm = run(kind, dict(kinds)[kind], WARM_ROUND)
            slowest = max((s.latency for s in samples), default=0.0) * 1000
            print(
                f"     {kind:34} {warm.requests:>6,} requests, {warm.per_second:6.1f}/s, p50 "
                f"{warm.p50:7.1f} ms, p95 {warm.p95:7.1f} ms, slowest {slowest:7.1f} ms"
            )
            if warm.errors:
                report_errors(samples)
                ok = False
            if not rounds and kind == KIND_TARGET:
                if warm.p95 > 0.9 * previous or time.monotonic() - started > args.warm_seconds:
                    break
                previous = warm.p95
        samples, base = run("baseline: /health", ("/health",), args.seconds)
        if base.errors:
            report_errors(samples)
            ok = False
        rows = [("baseline: /health", base, "1")]
        for kind, paths in kinds:
            samples, found = run(kind, paths, args.seconds)
            if found.errors:
                report_errors(samples)
                ok = False
            rows.append((kind, found, queries.get(kind, "")))
        table(rows, f"   {args.seconds:g} s each, {args.clients} clients, no pause")
        print(
            f"\n{'':34} {'p95/base':>9} {'req/s/base':>11}   against {TARGET_P95_MS:.0f} ms at p95"
        )
        over = []
        for kind, found, _ in rows[1:]:
            met = "met" if found.p95 < TARGET_P95_MS and not found.errors else "OVER"
            if met == "OVER":
                over.append(kind)
            print(
                f"{kind:34} {found.p95 / base.p95:>9.1f} {found.per_second / base.per_second:>11.2f}"
                f"   {met}{'  (the target)' if kind == KIND_TARGET else ''}"
            )
    return ok, over


# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database")
    parser.add_argument("--proposals", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20, help="of each measured load")
    parser.add_argument("--warm-seconds", type=float, default=60, help="at most")
    parser.add_argument("--workers", type=int, default=min(4, 2 * (os.cpu_count() or 1)))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--profile", action="store_true", help="cProfile the board in process")
    args = parser.parse_args()
    if args.proposals < 1 or args.clients < 1 or args.seconds <= 0:
        parser.error("--proposals and --clients must be at least 1, --seconds above 0")

    home = tempfile.TemporaryDirectory(prefix="cw-bench-proposals-")
    url = args.database_url or f"sqlite:///{home.name}/bench.sqlite3"
    engine = urllib.parse.urlsplit(url).scheme
    if not engine.startswith(("postgres", "sqlite")):
        parser.error(f"--database-url: PostgreSQL (postgres://...) or SQLite, not {engine}")
    fresh_database(url, args.reset)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "commonweal.settings",
        "COMMONWEAL_HOME": home.name,  # var/ (the anchors, static) outside the repository
        "COMMONWEAL_DEBUG": "0",
        "COMMONWEAL_DATA_DIR": "",  # the examples as their documents say, not national data
        "COMMONWEAL_SECRET_KEY": secrets.token_urlsafe(50),
    }
    print(f"database: {engine.split('+')[0]}")
    with mock.patch.object(outcomes, "SETUP", SETUP):
        outcomes.build(env)

    os.environ.update(env)
    import django

    django.setup()
    from django.db import connections
    from django.test import Client

    t = time.perf_counter()
    programmes, public = populate(args.proposals)
    print(
        f"  {args.proposals:,} proposals ({public:,} public) across {len(programmes)} programmes "
        f"and {len(FOOTPRINTS)} footprints, written in bulk in {time.perf_counter() - t:.1f} s"
    )
    maintain()
    signed = signed_in_client()
    by_programme = tuple(f"?programme={code}" for code in programmes)
    kinds: Kinds = (
        (KIND_TARGET, tuple(PUBLIC_BOARD + q for q in by_programme)),
        ("public board, every programme", (PUBLIC_BOARD,)),
        ("signed-in board, by programme", tuple(BOARD + q for q in by_programme)),
        ("signed-in board, every programme", (BOARD,)),
    )
    public_client = Client(SERVER_NAME="localhost")
    clients = {kind: signed if kind.startswith("signed") else public_client for kind, _ in kinds}
    public_client.get("/health")
    queries, ok = in_process(kinds, clients)
    if args.profile:
        profile(tuple((k, p) for k, p in kinds if k.endswith("by programme")), clients)
    from django.conf import settings

    cookie = f"{settings.SESSION_COOKIE_NAME}={signed.cookies[settings.SESSION_COOKIE_NAME].value}"
    cookies = {kind: cookie for kind, _ in kinds if kind.startswith("signed")}
    connections.close_all()
    served_ok, over = under_load(args, env, kinds, cookies, queries)
    if over and not args.profile:
        print(f"\nover the target: {', '.join(over)}; cProfile of warm renders in process:")
        profile(tuple((k, p) for k, p in kinds if k in over), clients)
    home.cleanup()
    if not (ok and served_ok):
        sys.exit("there were errors (any answer but 200): see above")


if __name__ == "__main__":
    main()
