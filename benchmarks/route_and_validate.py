"""Benchmark: route 10,000 proposals and validate 100,000 recorded decisions.

Target (issues 3 and 9): the 100,000 validations in under 1 s on this machine, at least half
of them valid, and including parts at a meeting of decision makers (the ICE) and joint
committee decisions. The schemes are of realistic size: 4 organisations, 12 decision types
each with 5 bands (some dual sign-off), 10 place footprints with their own delegations, 40
onward delegations, a reservation by amount, 120 posts with holders changing over three years.

The valid decisions are made as the routes say (each organisation's part by the route's
decider, holding the post that day); the rest are officer decisions by people picked at random,
mostly invalid. Prints the mix, decisions per second, latency percentiles per decision, and
the ratio to a baseline that only builds the same inputs, in the same process.

    .venv/bin/python benchmarks/route_and_validate.py
"""

import random
import statistics
import sys
import time
from collections import Counter
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
LIMITS = [50_000_00, 250_000_00, 1_000_000_00, 5_000_000_00]
PRIOR = 1_000_00  # spent already on the project by each organisation
JOINT_TYPE = "pooled_fund_change"  # above the officers' limits, to the joint committee


def build(rng: random.Random) -> tuple[e.Governance, dict[str, list[e.Holding]], list[str]]:
    schemes, holdings, posts = {}, {}, []
    for org in ORGS:
        org_posts = [f"{org}/post-{i}" for i in range(30)]
        executives = org_posts[:6]  # the posts bands name
        posts += org_posts
        for p in org_posts:
            # Two holders over three years, the second sometimes acting.
            cut = START + timedelta(days=rng.randint(200, 800))
            holdings[p] = [
                e.Holding(f"{p}-a", p, START, cut - timedelta(days=1)),
                e.Holding(f"{p}-b", p, cut, None, rng.random() < 0.1),
            ]
        delegations, onward = [], []
        for t in TYPES[:-3]:
            for footprint in [None, *PLACES]:
                bands, lower = [], 0
                # Contracts over £5m are reserved to the board: their bands stop there.
                uppers = LIMITS if t == "contract_award" else [*LIMITS, None]
                for j, upper in enumerate(uppers):
                    decider = (
                        e.Taker(body="jc" if t == JOINT_TYPE else f"{org}-board")
                        if upper is None
                        else e.Taker(
                            post=rng.choice(executives),
                            second=(rng.choice(executives),) if j == 2 else (),
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
                    executives[k % 6],
                    org_posts[k + 10],
                    frozenset({"revenue_commitment"}),
                    25_000_00,
                    footprint=PLACES[k],
                )
            )
        reservations = (
            e.Reservation(
                "R1",
                frozenset({"policy", "long_term_plan"}),
                f"{org}-board",
                recommend=(e.Taker(body="ice"),),
            ),
            e.Reservation(
                "R2",
                frozenset({"contract_award"}),
                f"{org}-board",
                over=LIMITS[-1],
                cumulative=True,
            ),
        )
        schemes[org] = [
            e.Scheme(
                org, "v1", START, date(2020, 3, 31), reservations, tuple(delegations), tuple(onward)
            ),
            e.Scheme(
                org, "v2", date(2020, 4, 1), None, reservations, tuple(delegations), tuple(onward)
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
            quorum=e.Quorum(4),
            casting_vote=True,
        )
        for i, org in enumerate(ORGS)
    }
    bodies["ice"] = e.BodyFact(
        "ice",
        "Integrated Commissioning Executive",
        "integrated_commissioning_executive",
        tuple(ORGS),
        e.Voting.INDIVIDUAL,
        members=frozenset(p for i in range(4) for p in posts[i * 30 : i * 30 + 3]),
        quorum=e.Quorum(3),
    )
    bodies["jc"] = e.BodyFact(
        "jc",
        "Joint Committee",
        "joint_committee",
        tuple(ORGS),
        e.Voting.BLOCK,
        members=frozenset(p for i in range(4) for p in posts[i * 30 : i * 30 + 3]),
        quorum=e.Quorum(6, block=2),
    )
    return e.Governance(schemes, bodies), holdings, posts


def main() -> None:
    rng = random.Random(2026)
    gov, holdings, posts = build(rng)
    n_route, n_validate = 10_000, 100_000

    def when() -> date:
        return START + timedelta(days=rng.randint(-30, 1200))

    def holder(post: str, on: date) -> str:
        return next((h.person for h in holdings[post] if h.on(on)), f"{post}-a")

    t = time.perf_counter()
    proposals = [
        e.Proposal(
            rng.choice(TYPES),
            when(),
            tuple(
                e.Commitment(o, rng.randint(0, 8_000_000_00), PRIOR)
                for o in rng.sample(ORGS, rng.randint(1, 3))
            ),
            footprint_path=(rng.choice(PLACES), "system") if rng.random() < 0.5 else (),
            project="P",
        )
        for _ in range(n_route)
    ]
    build_seconds = time.perf_counter() - t

    t = time.perf_counter()
    routes = [e.route(p, gov) for p in proposals]
    route_seconds = time.perf_counter() - t

    t = time.perf_counter()
    # Decisions taken as the routes say: an officer decision per organisation, the executives'
    # parts at the ICE, a joint committee's block votes, a board's votes.
    routed = []
    for r in routes:
        p = r.proposal
        parts = []
        for o in r.organisations:
            if not o.decidable or not o.steps:
                continue
            step, amount = (
                o.steps[-1],
                next(c.amount for c in p.commitments if c.organisation == o.organisation),
            )
            if step.taker.post:
                who = [step.taker.post, *step.taker.second[:1]]
                deciders = tuple(e.Decider(holder(x, p.on), x) for x in who)
                parts.append(e.Part(o.organisation, amount, deciders, route_step=step.id))
            elif step.kind is e.StepKind.DECIDE:
                parts.append(
                    e.Part(o.organisation, amount, body=step.taker.body, votes=e.Votes(5, 2))
                )
        for j in r.joint:
            split = rng.random() < 0.2  # sometimes a block votes against: no decision
            for k, org in enumerate(j.blocks):
                votes = e.Votes(0, 2) if split and k == 1 else e.Votes(2, 0)
                amount = next(c.amount for c in p.commitments if c.organisation == org)
                parts.append(e.Part(org, amount, body="jc", votes=votes))
        if not parts:
            continue
        # Executives' parts taken together at the ICE, where its members decided them.
        ice = gov.bodies["ice"].members
        officers = all(x.deciders and x.deciders[0].post in ice for x in parts)
        meeting = "ice" if officers and (len(parts) > 1 or rng.random() < 0.3) else None
        if r.joint:
            meeting = "jc"
        elif len(parts) == 1 and parts[0].body:
            meeting = parts[0].body
        # Outside a meeting each organisation's officer records its own decision.
        for together in [parts] if meeting else [[x] for x in parts]:
            routed.append(
                e.Decision(p.decision_type, p.on, tuple(together), meeting, "P", p.footprint_path)
            )
    # The register's mix: mostly single officer decisions; executives' parts at the ICE and
    # joint committee decisions; boards' votes; and a third by people picked at random.
    at_ice = [d for d in routed if d.meeting == "ice"]
    joint = [d for d in routed if d.meeting == "jc"]
    others = [d for d in routed if d.meeting not in ("ice", "jc")]
    decisions = []
    for _ in range(n_validate):
        draw = rng.random()
        if draw < 0.06:
            decisions.append(rng.choice(at_ice))
            continue
        if draw < 0.09:
            decisions.append(rng.choice(joint))
            continue
        if draw < 0.65:
            decisions.append(rng.choice(others))
            continue
        org = rng.choice(ORGS)
        org_posts = [p for p in posts if p.startswith(org)]
        deciders = tuple(
            e.Decider(f"{p}-{rng.choice('ab')}", p)
            for p in rng.sample(org_posts, rng.choice([1, 1, 2]))
        )
        decisions.append(
            e.Decision(
                rng.choice(TYPES),
                when(),
                (e.Part(org, rng.randint(0, 6_000_000_00), deciders),),
                project="P",
                footprint_path=(rng.choice(PLACES), "system") if rng.random() < 0.5 else (),
            )
        )
    # One context for all: the members of the boards, the ICE and the joint committee present
    # (both holders of each post, since the decisions span three years).
    everyone = tuple(
        e.Decider(h.person, h.post)
        for i in range(len(ORGS))
        for p in posts[i * 30 : i * 30 + 8]
        for h in holdings[p]
    )
    context = e.Context(
        holdings=holdings,
        prior_spend=dict.fromkeys(ORGS, PRIOR),
        available_budget=dict.fromkeys(ORGS, 8_000_000_00),
        meeting=e.Meeting(everyone),
        declarations=[],
    )
    build_seconds += time.perf_counter() - t

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

    def kind(d: e.Decision) -> str:
        if d.meeting == "ice":
            return "at the ICE"
        if d.meeting == "jc":
            return "joint committee"
        return "by a board" if d.meeting else "by an officer"

    mix = Counter(kind(d) for d in decisions)
    valid_by = Counter(kind(r.decision) for r in results if r.valid)
    parts_by = Counter(kind(d) for d in decisions for _ in d.parts)
    valid = sum(r.valid for r in results)
    decidable = sum(r.decidable for r in routes)
    print(f"inputs built (baseline): {n_route + n_validate:,} in {build_seconds:.2f} s")
    print(
        f"route:    {n_route:,} proposals in {route_seconds:.3f} s ({n_route / route_seconds:,.0f}/s); {decidable:,} decidable"
    )
    print(
        f"validate: {n_validate:,} decisions ({parts_by.total():,} parts) in {validate_seconds:.3f} s ({n_validate / validate_seconds:,.0f}/s); "
        f"{valid:,} valid ({valid / n_validate:.0%})  (target < 1 s, at least half valid: "
        f"{'met' if validate_seconds < 1 and valid * 2 >= n_validate else 'NOT MET'})"
    )
    for group in sorted(mix):
        print(
            f"  {group:<16} {mix[group]:>7,} decisions, {parts_by[group]:>7,} parts, "
            f"{valid_by[group]:>7,} valid"
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
