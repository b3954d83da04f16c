"""Benchmark: the public register under load, served by `commonweal serve` on loopback.

Target (issue 12): with 100,000 decisions across 40 bodies on PostgreSQL and 50 concurrent
clients each pausing 0.5 s between requests, the register's list and search pages and the
public API answer with a 95th-percentile latency under 150 ms.

Builds a fresh database (migrate), records the decisions of the re-validation benchmark (its
`seed`, with titles the search can find), publishes them into the register
(`publish_pending`, timed), counts the queries each kind of page makes (in process), then
starts gunicorn on a free loopback port and drives it: a warm-up, a baseline of the same load
against /health, the register's mix, and saturation (no pause; 10, 25, 50 and 100 clients).
Any response but 200 is an error, and any error makes the exit status 1.

    DATABASE_URL=postgres://postgres@127.0.0.1:54329/cw_bench_public \\
        .venv/bin/python benchmarks/public_register.py [--reset]
    .venv/bin/python benchmarks/public_register.py --allow-sqlite --decisions 2000 --seconds 5

The database named must be empty or missing (it is created); `--reset` drops and recreates it,
and `--reuse` measures what an earlier run built (publishing only what is pending).
`--paths /public/ /health` drives those paths instead of the register's mix (to try the harness).
`make bench` runs it on a throwaway SQLite file, or on PUBLIC_REGISTER_DATABASE_URL when given.
"""

import argparse
import http.client
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, NamedTuple

TARGET_P95_MS = 150.0
SEARCH_WORDS = ("commissioning", "contract", "care", "mental health", "carers")
# The seeded officer decisions commit £1 to £29,999 (the re-validation benchmark's amounts,
# which its delegation limits depend on), so the amount filter asks for a band they fall in.
AMOUNT_FILTER = "amount_min=10000&amount_max=25000"

# Titles holding the words the search asks for, as a commissioning register's would.
_ACTIONS = (
    "Commissioning of",
    "Contract award for",
    "Extension of the contract for",
    "Recommissioned",
    "Procurement of",
    "Pooled budget for",
    "Grant funding for",
)
_SERVICES = (
    "community care",
    "domiciliary care",
    "mental health crisis support",
    "urgent care",
    "carers' breaks",
    "learning disability day services",
    "children's therapies",
    "primary care estates",
    "stroke rehabilitation",
    "hospital discharge support",
    "care home placements",
)


def seeded_title(n: int, basis: str) -> str:
    what = f"{_ACTIONS[n % len(_ACTIONS)]} {_SERVICES[(n // len(_ACTIONS)) % len(_SERVICES)]}"
    return f"{what} ({'meeting' if basis == 'meeting' else 'officer'} {n})"


# ---------------------------------------------------------------------------------------------
# The load: plain processes and threads, with nothing of Django in them.


class Sample(NamedTuple):
    kind: int  # index into the load's kinds
    latency: float  # seconds, from sending the request to reading the last byte
    status: int  # 0 when the connection failed
    ended: float  # wall-clock time.time(), comparable across processes
    path: str


Kinds = tuple[tuple[str, tuple[str, ...]], ...]  # (kind, the paths to choose from)


@dataclass(frozen=True)
class Load:
    host: str
    port: int
    kinds: Kinds
    clients: int
    pause: float
    seconds: float
    start_at: float  # time.time() at which every client begins
    seed: int


def _client(load: Load, number: int, out: list[Sample]) -> None:
    rng = random.Random(load.seed * 1_000 + number)
    connection: http.client.HTTPConnection | None = None
    deadline = load.start_at + load.seconds
    # Spread the first requests over one pause, as arriving readers would be.
    time.sleep(max(0.0, load.start_at - time.time()) + rng.uniform(0, load.pause))
    while time.time() < deadline:
        kind = rng.randrange(len(load.kinds))
        path = rng.choice(load.kinds[kind][1])
        for attempt in (1, 2):
            reused = connection is not None
            if connection is None:
                connection = http.client.HTTPConnection(load.host, load.port, timeout=60)
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
            except (http.client.HTTPException, OSError):
                connection.close()
                connection = None
                # A kept-alive connection the server closed while idle: ask again on a new one.
                if reused and attempt == 1:
                    continue
                out.append(Sample(kind, time.perf_counter() - started, 0, time.time(), path))
                break
            out.append(
                Sample(kind, time.perf_counter() - started, response.status, time.time(), path)
            )
            if response.will_close:
                connection.close()
                connection = None
            break
        if load.pause:
            time.sleep(load.pause)
    if connection is not None:
        connection.close()


def _clients(load: Load, numbers: Sequence[int]) -> list[Sample]:
    """One process's share of the clients, each a thread with its own kept-alive connection."""
    samples: list[list[Sample]] = [[] for _ in numbers]
    threads = [
        threading.Thread(target=_client, args=(load, n, out))
        for n, out in zip(numbers, samples, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [s for out in samples for s in out]


def drive(pool: ProcessPoolExecutor, processes: int, load: Load) -> list[Sample]:
    """Run the load's clients spread over the pool's processes (one process's threads alone
    would measure the interpreter's lock, not the server)."""
    shares = [list(range(p, load.clients, processes)) for p in range(processes)]
    futures = [pool.submit(_clients, load, share) for share in shares if share]
    return [s for f in futures for s in f.result()]


# ---------------------------------------------------------------------------------------------
# Figures.


@dataclass(frozen=True)
class Figures:
    requests: int
    errors: int
    per_second: float
    p50: float  # milliseconds
    p95: float
    p99: float


def figures(samples: Sequence[Sample], window: float) -> Figures:
    latencies = sorted(s.latency * 1_000 for s in samples)
    if len(latencies) >= 2:
        cuts = statistics.quantiles(latencies, n=100, method="inclusive")
        p50, p95, p99 = cuts[49], cuts[94], cuts[98]
    else:
        p50 = p95 = p99 = latencies[0] if latencies else float("nan")
    return Figures(
        requests=len(samples),
        errors=sum(1 for s in samples if s.status != 200),
        per_second=len(samples) / window if window > 0 else float("nan"),
        p50=p50,
        p95=p95,
        p99=p99,
    )


def window_of(samples: Sequence[Sample], load: Load) -> float:
    return max((s.ended for s in samples), default=load.start_at) - load.start_at


def table(rows: Sequence[tuple[str, Figures, str]], title: str) -> None:
    print(f"\n{title}")
    header = f"{'':34} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} "
    print(header + f"{'p95 ms':>8} {'p99 ms':>8} {'queries':>8}")
    for name, f, queries in rows:
        print(
            f"{name:34} {f.requests:>9,} {f.errors:>7,} {f.per_second:>8.1f} {f.p50:>8.1f} "
            f"{f.p95:>8.1f} {f.p99:>8.1f} {queries:>8}"
        )


def report_errors(samples: Sequence[Sample]) -> None:
    seen: dict[tuple[int, str], int] = defaultdict(int)
    for s in samples:
        if s.status != 200:
            seen[(s.status, s.path)] += 1
    for (status, path), n in sorted(seen.items(), key=lambda kv: -kv[1])[:10]:
        print(f"  error: {n} x status {status or 'no answer'} for {path}")


# ---------------------------------------------------------------------------------------------
# The database and the server.


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_database(url: str, reset: bool) -> None:
    """Make the database the URL names exist and be empty, refusing to empty one that holds
    tables unless told to."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        import dj_database_url  # as the settings read it

        path = Path(dj_database_url.parse(url)["NAME"])
        if path.exists():
            if not reset:
                sys.exit(f"{path} exists: give --reset to replace it, or name another file")
            path.unlink()
        return
    import psycopg
    from psycopg import sql

    name = urllib.parse.unquote(parts.path.lstrip("/"))
    if not name:
        sys.exit("--database-url: name a database of the benchmark's own")
    # Connect to the server's maintenance database to create or drop the benchmark's.
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            with psycopg.connect(url) as db:
                tables = db.execute(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
                ).fetchone()
            if tables and tables[0] and not reset:
                sys.exit(
                    f"database {name} holds {tables[0]} tables: give --reset to drop and "
                    "recreate it, or name another"
                )
            if tables and tables[0]:
                admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
                exists = None
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@contextmanager
def served(env: dict[str, str], workers: int, threads: int) -> Iterator[tuple[str, int]]:
    """`commonweal serve` (gunicorn, debug off) on a free loopback port until the block ends."""
    port = free_port()
    commonweal = shutil.which("commonweal") or str(Path(sys.executable).parent / "commonweal")
    log = tempfile.TemporaryFile()  # noqa: SIM115 (kept open for the server's whole life)
    process = subprocess.Popen(
        [
            commonweal,
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
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/health")
                if connection.getresponse().status == 200:
                    connection.close()
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                sys.exit("the server did not start:\n" + log.read().decode(errors="replace"))
            time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


# ---------------------------------------------------------------------------------------------
# The register's mix, and the queries each kind of page makes (in process, with Django).


def register_mix(client: Any, rng: random.Random) -> dict[str, list[str]]:
    from commonweal.decisions.models import DecisionPart
    from commonweal.public.models import RegisterDecision
    from commonweal.public.views_decisions import ROWS

    references = list(RegisterDecision.objects.values_list("reference", flat=True))
    bodies = sorted(
        {
            f"{slug}/{code}"
            for slug, code in RegisterDecision.objects.filter(body__isnull=False)
            .values_list("body__system__slug", "body__code")
            .distinct()
        }
    )
    organisations = sorted(
        set(DecisionPart.objects.values_list("organisation__code", flat=True).distinct())
    )
    if not references:
        sys.exit("the register published nothing")
    # The pages show a page past the last as the last, so the deep pages are counted here.
    pages = -(-len(references) // ROWS)
    answer = client.get("/api/public/vote-events")
    if answer.status_code != 200:
        sys.exit(f"/api/public/vote-events answered {answer.status_code}")
    api_pages = int(answer.json()["pages"])
    print(f"register: {len(references):,} decisions; {pages:,} pages; the API {api_pages:,}")

    def some(make: Any, n: int = 200) -> list[str]:
        return [make() for _ in range(n)]

    words = [urllib.parse.quote_plus(w) for w in SEARCH_WORDS]
    return {
        "list: first page": ["/public/decisions/"],
        "list: a deep page": some(lambda: f"/public/decisions/?page={rng.randint(2, pages)}"),
        "list: search": [f"/public/decisions/?q={w}" for w in words],
        "list: by body": [f"/public/decisions/?body={b}" for b in bodies],
        "list: by organisation": [f"/public/decisions/?organisation={o}" for o in organisations],
        "list: key decisions": ["/public/decisions/?key_decision=yes"],
        "list: by amount": [f"/public/decisions/?{AMOUNT_FILTER}"],
        "list: by date": ["/public/decisions/?from_date=2020-01-01&to_date=2021-12-31"],
        "decision page": some(lambda: f"/public/decisions/{rng.choice(references)}/"),
        "API: vote events": some(
            lambda: f"/api/public/vote-events?page={rng.randint(1, api_pages)}"
        ),
        "API: search": ["/api/public/vote-events?q=care"],
        "API: a vote event": some(lambda: f"/api/public/vote-events/{rng.choice(references)}"),
    }


def count_queries(
    client: Any, mix: dict[str, list[str]], show: bool, rng: random.Random
) -> dict[str, str]:
    """Queries per page for each kind (over a few of its paths), after one request to warm
    the process's caches. Exits if a page does not answer 200."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts: dict[str, str] = {}
    failed = False
    print("\nin process, one request at a time (median of 5): queries, ms, of which in SQL")
    for kind, paths in mix.items():
        client.get(paths[0])
        seen, took, in_sql = [], [], []
        for path in [paths[0], *rng.choices(paths, k=4)]:
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                status = client.get(path).status_code
                took.append((time.perf_counter() - t0) * 1_000)
            if status != 200:
                print(f"  {kind}: {path} answered {status}")
                failed = True
            seen.append(len(queries))
            in_sql.append(sum(float(q["time"]) for q in queries.captured_queries) * 1_000)
        counts[kind] = str(min(seen)) if min(seen) == max(seen) else f"{min(seen)}-{max(seen)}"
        print(
            f"  {kind:34} {counts[kind]:>6} {statistics.median(took):>8.1f} "
            f"{statistics.median(in_sql):>8.1f}   e.g. {paths[0]}"
        )
        if show:
            for q in queries.captured_queries:
                print(f"      {q['time']}s  {q['sql'][:300]}")
    if failed:
        sys.exit("some pages of the mix do not answer 200 (are they built yet?)")
    return counts


# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--allow-sqlite", action="store_true", help="for a quick local try")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database")
    parser.add_argument(
        "--reuse", action="store_true", help="measure a database an earlier run built, as it is"
    )
    parser.add_argument("--decisions", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between requests")
    parser.add_argument("--seconds", type=float, default=30, help="for the measured load")
    parser.add_argument("--step-seconds", type=float, default=10, help="for each saturation step")
    parser.add_argument("--steps", default="10,25,50,100", help="saturation's client counts")
    parser.add_argument("--workers", type=int, default=min(4, 2 * (os.cpu_count() or 1)))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--paths", nargs="+", help="drive these paths instead of the mix")
    parser.add_argument("--show-queries", action="store_true", help="print each kind's SQL")
    args = parser.parse_args()
    try:
        steps = [int(n) for n in args.steps.split(",")]
    except ValueError:
        parser.error("--steps: client counts separated by commas, e.g. 10,25,50,100")
    if args.clients < 1 or args.seconds <= 0 or args.pause < 0 or min(steps) < 1:
        parser.error("--clients and --steps must be at least 1, --seconds above 0")

    home = tempfile.TemporaryDirectory(prefix="cw-bench-public-")
    url = args.database_url
    if not url:
        if not args.allow_sqlite:
            parser.error("--database-url (or DATABASE_URL): a PostgreSQL database to build")
        url = f"sqlite:///{home.name}/bench.sqlite3"
    engine = urllib.parse.urlsplit(url).scheme
    if not engine.startswith(("postgres", "sqlite")):
        parser.error(f"--database-url: PostgreSQL (postgres://...) or SQLite, not {engine}")
    if engine.startswith("sqlite") and not args.allow_sqlite:
        parser.error("--database-url: the figures are for PostgreSQL; --allow-sqlite to try")
    if args.reuse and args.reset:
        parser.error("--reuse or --reset, not both")
    if not args.reuse:
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
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from revalidate_decisions import seed  # benchmarks/ is the script's own directory

    rng = random.Random(12)
    client = Client(SERVER_NAME="localhost")
    call_command("migrate", verbosity=0)
    print(f"database: {engine.split('+')[0]}; server: {args.workers} workers x {args.threads}")
    if not args.reuse:
        t0 = time.perf_counter()
        seeded = seed(args.decisions, title=seeded_title)
        print(
            f"seeded {seeded.decisions:,} decisions across {seeded.bodies} bodies "
            f"in {time.perf_counter() - t0:.1f} s"
        )
    if args.paths:
        mix = {path: [path] for path in args.paths}
    else:
        from commonweal.public.models import RegisterDecision
        from commonweal.public.publication import publish_pending

        t0 = time.perf_counter()
        entries, _ = publish_pending()
        elapsed = time.perf_counter() - t0
        print(
            f"published {entries:,} entries in {elapsed:.1f} s ({entries / elapsed:,.0f} rows/s); "
            f"the register holds {RegisterDecision.objects.count():,} decisions"
        )
        mix = register_mix(client, rng)
    queries = count_queries(client, mix, args.show_queries, rng)
    connections.close_all()
    ok = measure(args, env, tuple((k, tuple(paths)) for k, paths in mix.items()), queries, steps)
    if not ok:
        sys.exit("there were errors (any answer but 200): see above")


@dataclass
class Driver:
    pool: ProcessPoolExecutor
    processes: int
    port: int
    rng: random.Random

    def run(
        self, kinds: Kinds, clients: int, pause: float, seconds: float
    ) -> tuple[list[Sample], float]:
        # Every client starts at the same moment, once the pool's processes are surely up.
        start_at = time.time() + 1.0
        load = Load(
            "127.0.0.1", self.port, kinds, clients, pause, seconds, start_at, self.rng.randrange(99)
        )
        samples = drive(self.pool, self.processes, load)
        return samples, window_of(samples, load)


def measure(
    args: argparse.Namespace,
    env: dict[str, str],
    kinds: Kinds,
    queries: dict[str, str],
    steps: Sequence[int],
) -> bool:
    """Serve, then drive the baseline, the mix and saturation; print the tables. True when
    every response was 200."""
    names = [kind for kind, _ in kinds]
    processes = max(1, min(os.cpu_count() or 1, args.clients))
    ok = True
    with (
        served(env, args.workers, args.threads) as (_, port),
        ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool,
    ):
        driver = Driver(pool, processes, port, random.Random(args.clients))
        # The server, the database and the clients share this machine: say how busy it was.
        load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        print(f"\nthis machine: {os.cpu_count()} CPUs; load average before the run {load}")
        driver.run(kinds, args.clients, args.pause, min(5.0, args.seconds))  # warm every worker
        print(
            f"\n{args.clients} clients, each pausing {args.pause:g} s between requests, "
            f"for {args.seconds:g} s ({processes} client processes)"
        )
        health: Kinds = (("/health", ("/health",)),)
        samples, window = driver.run(health, args.clients, args.pause, args.seconds)
        baseline = figures(samples, window)
        table([("baseline: /health", baseline, "1")], "baseline")
        if baseline.errors:
            report_errors(samples)
            ok = False

        samples, window = driver.run(kinds, args.clients, args.pause, args.seconds)
        overall = figures(samples, window)
        by_kind: dict[int, list[Sample]] = defaultdict(list)
        for sample in samples:
            by_kind[sample.kind].append(sample)
        rows = [(names[k], figures(by_kind[k], window), queries[names[k]]) for k in sorted(by_kind)]
        table([*rows, ("all", overall, "")], "the register's mix")
        if overall.errors:
            report_errors(samples)
            ok = False
        met = "met" if overall.p95 < TARGET_P95_MS else "NOT met"
        print(
            f"p95 {overall.p95:.1f} ms against a target of {TARGET_P95_MS:.0f} ms: {met}; "
            f"p95 / baseline p95 = {overall.p95 / baseline.p95:.1f}"
        )
        slowest = max(rows, key=lambda row: row[1].p95)
        print(f"slowest kind at p95: {slowest[0]} ({slowest[1].p95:.1f} ms)")

        print(f"\nsaturation: no pause, {args.step_seconds:g} s at each step")
        print(
            f"{'clients':>8} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}"
        )
        best = (0.0, 0)
        for clients in steps:
            samples, window = driver.run(kinds, clients, 0.0, args.step_seconds)
            f = figures(samples, window)
            print(
                f"{clients:>8} {f.requests:>9,} {f.errors:>7,} {f.per_second:>8.1f} "
                f"{f.p50:>8.1f} {f.p95:>8.1f}"
            )
            if f.errors:
                report_errors(samples)
                ok = False
            best = max(best, (f.per_second, clients))
        print(f"best: {best[0]:.1f} requests/s with {best[1]} clients")
    return ok


if __name__ == "__main__":
    main()
