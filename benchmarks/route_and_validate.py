"""Benchmark: route 10,000 proposals and validate 100,000 recorded decisions.

Target (issue 3): the 100,000 validations in under 1 s on this machine. The schemes are of
realistic size: 4 organisations, 12 decision types each with 5 bands (some dual sign-off), 10
place footprints with their own delegations, 40 onward delegations, 120 posts with holders
changing over three years. Prints decisions per second, latency percentiles per decision,
and the ratio to a baseline that only builds the same inputs, in the same process.

    .venv/bin/python benchmarks/route_and_validate.py
"""

import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from commonweal.governance import engine as e

TYPES = [
    "revenue_commitment",
    "capital_commitment",
    "contract_award",
    "new_investment",
    "business_case",
    "virement",
    "write_off",
    "joint_strategy",
    "pooled_fund_change",
    "policy",
    "long_term_plan",
    "grant",
]
ORGS = ["15N", "E10000008", "E06000026", "E06000027"]
PLACES = [f"place-{i}" for i in range(10)]
START = date(2019, 4, 1)


def build(rng: random.Random) -> tuple[e.Governance, dict[str, list[e.Holding]], list[str]]:
    schemes, holdings, posts = {}, {}, []
    for org in ORGS:
        org_posts = [f"{org}/post-{i}" for i in range(30)]
        posts += org_posts
        for p in org_posts:
            # Two or three holders over three years, the middle one sometimes acting.
            cut = START + timedelta(days=rng.randint(200, 800))
            holdings[p] = [
                e.Holding(f"{p}-a", p, START, cut - timedelta(days=1)),
                e.Holding(f"{p}-b", p, cut, None, rng.random() < 0.1),
            ]
        delegations, onward = [], []
        for t in TYPES[:-3]:
            for footprint in [None, *PLACES]:
                limits = [50_000_00, 250_000_00, 1_000_000_00, 5_000_000_00]
                bands, lower = [], 0
                for j, upper in enumerate([*limits, None]):
                    decider = (
                        e.Taker(body=f"{org}-board")
                        if upper is None
                        else e.Taker(
                            post=rng.choice(org_posts),
                            second=(rng.choice(org_posts),) if j == 2 else (),
                        )
                    )
                    bands.append(e.Band(lower, upper, decider))
                    lower = upper or 0
                delegations.append(
                    e.Delegation(
                        f"D-{t}-{footprint}",
                        t,
                        tuple(bands),
                        footprint=footprint,
                        conditions=frozenset({e.Condition.CUMULATIVE, e.Condition.WITHIN_BUDGET}),
                    )
                )
        for k in range(10):
            onward.append(
                e.OnwardDelegation(
                    f"O{k}",
                    org_posts[k],
                    org_posts[k + 10],
                    frozenset({"revenue_commitment"}),
                    25_000_00,
                    footprint=PLACES[k],
                )
            )
        schemes[org] = [
            e.Scheme(
                org,
                "v1",
                START,
                date(2020, 3, 31),
                (e.Reservation("R1", frozenset({"policy", "long_term_plan"}), f"{org}-board"),),
                tuple(delegations),
                tuple(onward),
            ),
            e.Scheme(
                org,
                "v2",
                date(2020, 4, 1),
                None,
                (e.Reservation("R1", frozenset({"policy", "long_term_plan"}), f"{org}-board"),),
                tuple(delegations),
                tuple(onward),
            ),
        ]
    bodies = {
        f"{org}-board": e.BodyFact(
            f"{org}-board",
            f"Board of {org}",
            "board",
            (org,),
            e.Voting.MAJORITY,
            members=frozenset(posts[i * 30 : i * 30 + 8]),
            quorum=e.Quorum(4, ("lay",)),
        )
        for i, org in enumerate(ORGS)
    }
    return e.Governance(schemes, bodies), holdings, posts


def main() -> None:
    rng = random.Random(2026)
    gov, holdings, posts = build(rng)
    n_route, n_validate = 10_000, 100_000

    def when() -> date:
        return START + timedelta(days=rng.randint(-30, 1200))

    t = time.perf_counter()
    proposals = [
        e.Proposal(
            rng.choice(TYPES),
            when(),
            tuple(
                e.Commitment(
                    o,
                    rng.randint(0, 8_000_000_00),
                    rng.choice([None, rng.randint(0, 1_000_000_00)]),
                )
                for o in rng.sample(ORGS, rng.randint(1, 3))
            ),
            footprint_path=(rng.choice(PLACES), "system") if rng.random() < 0.5 else (),
        )
        for _ in range(n_route)
    ]
    decisions = []
    for _ in range(n_validate):
        org = rng.choice(ORGS)
        org_posts = [p for p in posts if p.startswith(org)]
        deciders = tuple(
            e.Decider(f"{p}-{rng.choice('ab')}", p)
            for p in rng.sample(org_posts, rng.choice([1, 1, 2]))
        )
        body = f"{org}-board" if rng.random() < 0.1 else None
        decisions.append(
            e.Decision(
                rng.choice(TYPES),
                when(),
                org,
                rng.randint(0, 6_000_000_00),
                deciders,
                body=body,
                footprint_path=(rng.choice(PLACES), "system") if rng.random() < 0.5 else (),
            )
        )
    context = e.Context(
        holdings=holdings, prior_spend=1_000_00, available_budget=3_000_000_00, declarations=[]
    )
    build_seconds = time.perf_counter() - t

    t = time.perf_counter()
    routes = [e.route(p, gov) for p in proposals]
    route_seconds = time.perf_counter() - t

    t = time.perf_counter()
    results = e.validate_many(decisions, context, gov)
    validate_seconds = time.perf_counter() - t
    t = time.perf_counter()
    one_by_one = [e.validate(d, context, gov) for d in decisions]
    one_by_one_seconds = time.perf_counter() - t
    assert [r.valid for r in one_by_one] == [r.valid for r in results]
    del one_by_one

    sample = []
    for d in decisions[:5000]:
        s = time.perf_counter_ns()
        e.validate(d, context, gov)
        sample.append((time.perf_counter_ns() - s) / 1000)
    q = statistics.quantiles(sample, n=100)

    valid = sum(r.valid for r in results)
    decidable = sum(r.decidable for r in routes)
    print(f"inputs built (baseline): {n_route + n_validate:,} in {build_seconds:.2f} s")
    print(
        f"route:    {n_route:,} proposals in {route_seconds:.3f} s ({n_route / route_seconds:,.0f}/s); {decidable:,} decidable"
    )
    print(
        f"validate: {n_validate:,} decisions in {validate_seconds:.3f} s ({n_validate / validate_seconds:,.0f}/s); "
        f"{valid:,} valid  (target < 1 s: {'met' if validate_seconds < 1 else 'NOT MET'})"
    )
    print(
        f"validate one call at a time (collector running): {one_by_one_seconds:.3f} s ({n_validate / one_by_one_seconds:,.0f}/s)"
    )
    print(
        f"validate latency per decision: p50 {q[49]:.1f} µs, p95 {q[94]:.1f} µs, p99 {q[98]:.1f} µs"
    )
    print(
        f"ratio to the input-building baseline: route {route_seconds / build_seconds:.2f}x, validate {validate_seconds / build_seconds:.2f}x"
    )


if __name__ == "__main__":
    main()
