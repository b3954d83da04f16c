"""Benchmark: validate 100,000 recorded decisions again, from the database.

Target (issue 11): under 30 s on SQLite and on PostgreSQL. Builds the Devon example system with
40 bodies (meetings of decision makers like the ICE, governing bodies voting by majority, and
joint committees voting in blocks), 2,000 held meetings with attendance and a withdrawal each,
50,000 meeting decisions (ICE parts, block votes) and 50,000 officer decisions on shared
projects; then runs the re-validation (`commonweal revalidate`) and prints decisions per second,
the number of queries, and the ratio to a baseline that validates the same decisions with the
engine alone from contexts already in memory.

    .venv/bin/python benchmarks/revalidate_decisions.py [--decisions 100000]

Uses a throwaway SQLite file unless DATABASE_URL is set (e.g. to a PostgreSQL database).
"""

import argparse
import os
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Seeded:
    system: Any  # the System the decisions belong to (Django is set up only after import)
    decisions: int
    meeting_decisions: int
    meetings: int
    bodies: int
    attendances: int


def meeting_or_officer_title(n: int, basis: str) -> str:
    return f"Decision {n}" if basis == "meeting" else f"Officer decision {n}"


def seed(decisions: int, title: Callable[[int, str], str] = meeting_or_officer_title) -> Seeded:
    """Load the Devon example and record `decisions` decisions across 40 bodies (half at
    meetings, half by officers), as described above. Needs Django set up and migrated.
    `title(n, basis)` names the n-th decision of each basis ("meeting" or "officer")."""
    from django.db import transaction

    from commonweal.core.actions import Actor
    from commonweal.core.models import Organisation
    from commonweal.decisions.models import Decision, DecisionPart, PartDecider
    from commonweal.governance.actions import load_governance, load_scheme
    from commonweal.governance.models import Body, BodyMembership, Post
    from commonweal.meetings.models import AgendaItem, Attendance, Declaration, Meeting
    from commonweal.registry.actions import load_system
    from commonweal.registry.models import System

    examples = __import__("commonweal").__path__[0] + "/examples"
    cl = Actor.command_line()
    load_system(cl, f"{examples}/devon-2019.yaml")
    load_governance(cl, f"{examples}/devon-2019-governance.yaml")
    for org in ("15N", "E10000008", "E06000026", "E06000027"):
        load_scheme(cl, f"{examples}/devon-2019-scheme-{org}.yaml")
    system = System.objects.get(slug="devon-2019")
    orgs = {o.code: o for o in Organisation.objects.all()}
    posts = {p.ref: p for p in Post.objects.filter(system=system).select_related("organisation")}
    holder = {
        ref: p.holdings.order_by("starts").first().person  # type: ignore[union-attr]
        for ref, p in posts.items()
        if p.holdings.exists()
    }
    rng = random.Random(11)

    ice_members = [
        "15N/accountable-officer",
        "E10000008/dass",
        "E06000026/dass",
        "E06000027/dass",
        "15N/director-of-commissioning",
    ]
    gb_members = [
        "15N/clinical-chair",
        "15N/clinical-lead-north",
        "15N/clinical-lead-east",
        "15N/clinical-lead-south",
        "15N/clinical-lead-west",
        "15N/accountable-officer",
        "15N/director-of-financial-planning",
        "15N/director-of-assurance",
        "15N/lay-member-governance",
        "15N/lay-member-ppi",
    ]
    jc_members = [
        "15N/accountable-officer",
        "15N/director-of-commissioning",
        "E10000008/dass",
        "E10000008/cabinet-member-adult-care",
    ]
    with transaction.atomic():
        bodies: list[tuple[Body, str, list[str]]] = [
            (Body.objects.get(system=system, code="ice"), "individual", ice_members),
            (Body.objects.get(system=system, code="governing-body"), "majority", gb_members),
        ]
        for i in range(38):
            kind = ("individual", "majority", "block")[i % 3]
            members = {"individual": ice_members, "majority": gb_members, "block": jc_members}[kind]
            owners = {
                "individual": ["15N", "E10000008", "E06000026", "E06000027"],
                "majority": ["15N"],
                "block": ["15N", "E10000008"],
            }[kind]
            b = Body.objects.create(
                system=system,
                code=f"bench-{i}",
                name=f"Benchmark body {i}",
                kind="committee",
                voting=kind,
                quorum_number=3 if kind != "block" else 0,
                quorum_block=1 if kind == "block" else 0,
            )
            b.owners.set([orgs[c] for c in owners])
            BodyMembership.objects.bulk_create(
                BodyMembership(body=b, post=posts[m], kind="member") for m in members
            )
            bodies.append((b, kind, members))
        meetings, items = [], []
        for b, _kind, _members in bodies:
            for _ in range(50):
                day = date(2019, 5, 1) + timedelta(days=rng.randrange(0, 2_500))
                meetings.append(
                    Meeting(
                        body=b,
                        starts=datetime(day.year, day.month, day.day, 10, tzinfo=UTC),
                        status="held",
                    )
                )
        Meeting.objects.bulk_create(meetings, batch_size=2_000)
        meetings = list(Meeting.objects.filter(body__system=system).select_related("body"))
        for m in meetings:
            for n in range(1, 26):
                items.append(AgendaItem(meeting=m, number=n, title=f"Item {n}", kind="decision"))
        AgendaItem.objects.bulk_create(items, batch_size=5_000)
        by_body = {b.pk: (kind, members) for b, kind, members in bodies}
        attendance, declarations = [], []
        for m in meetings:
            _, members = by_body[m.body_id]
            for ref in members:
                attendance.append(
                    Attendance(
                        meeting=m,
                        person=holder[ref],
                        capacity="member",
                        post=posts[ref],
                        status="present",
                    )
                )
        Attendance.objects.bulk_create(attendance, batch_size=5_000)
        for m in meetings:
            _, members = by_body[m.body_id]
            declarations.append(
                Declaration(
                    meeting=m,
                    person=holder[members[1]],
                    kind="financial",
                    description="Shares",
                    ruling="withdraw",
                )
            )
        Declaration.objects.bulk_create(declarations, batch_size=2_000)
        second = dict(
            AgendaItem.objects.filter(meeting__body__system=system, number=2).values_list(
                "meeting_id", "id"
            )
        )
        through = Declaration.items.through
        through.objects.bulk_create(
            [
                through(declaration_id=d.pk, agendaitem_id=second[d.meeting_id])
                for d in Declaration.objects.filter(meeting__body__system=system)
            ],
            batch_size=5_000,
        )
        item_rows = list(
            AgendaItem.objects.filter(meeting__body__system=system).values_list(
                "id", "meeting_id", "meeting__starts"
            )
        )
        meeting_body = {m.pk: m.body for m in meetings}
        half = decisions // 2
        records: list[Any] = []
        plans: list[tuple[str, Any]] = []
        for n, (item_id, meeting_id, starts) in enumerate(item_rows[:half]):
            b = meeting_body[meeting_id]
            kind, _ = by_body[b.pk]
            records.append(
                Decision(
                    system=system,
                    basis="meeting",
                    meeting_id=meeting_id,
                    item_id=item_id,
                    body=b,
                    title=title(n, "meeting"),
                    decision_type="joint_strategy" if kind != "majority" else "policy",
                    on=starts.date(),
                    resolution="Agreed",
                    valid=True,
                    binds=[],
                    recorded_by="bench",
                )
            )
            plans.append((kind, b))
        for n in range(decisions - half):
            day = date(2019, 5, 1) + timedelta(days=rng.randrange(0, 2_500))
            records.append(
                Decision(
                    system=system,
                    basis="officer",
                    title=title(n, "officer"),
                    decision_type="revenue_commitment",
                    on=day,
                    resolution="Committed",
                    project=f"P{n % 500}",
                    valid=True,
                    binds=["15N"],
                    recorded_by="bench",
                )
            )
            plans.append(("officer", None))
        Decision.objects.bulk_create(records, batch_size=5_000)
        records = list(Decision.objects.filter(system=system).order_by("id"))
        parts, part_plan = [], []
        for d, (kind, b) in zip(records, plans, strict=True):
            if kind == "individual":
                for ref in ice_members[:4]:
                    parts.append(
                        DecisionPart(decision=d, organisation=posts[ref].organisation, amount=0)
                    )
                    part_plan.append([ref])
            elif kind == "majority":
                parts.append(
                    DecisionPart(
                        decision=d,
                        organisation=orgs["15N"],
                        amount=0,
                        body=b,
                        votes_for=6,
                        votes_against=1,
                        abstentions=0,
                    )
                )
                part_plan.append([])
            elif kind == "block":
                for code in ("15N", "E10000008"):
                    parts.append(
                        DecisionPart(
                            decision=d,
                            organisation=orgs[code],
                            amount=0,
                            body=b,
                            votes_for=1,
                            votes_against=0,
                            abstentions=0,
                        )
                    )
                    part_plan.append([])
            else:
                parts.append(
                    DecisionPart(
                        decision=d, organisation=orgs["15N"], amount=rng.randrange(1, 30_000) * 100
                    )
                )
                part_plan.append(["15N/director-of-commissioning"])
        DecisionPart.objects.bulk_create(parts, batch_size=5_000)
        parts = list(DecisionPart.objects.filter(decision__system=system).order_by("id"))
        PartDecider.objects.bulk_create(
            [
                PartDecider(part=p, person=holder[ref], post=posts[ref])
                for p, refs in zip(parts, part_plan, strict=True)
                for ref in refs
            ],
            batch_size=5_000,
        )
    return Seeded(
        system=system,
        decisions=len(records),
        meeting_decisions=half,
        meetings=len(meetings),
        bodies=len(bodies),
        attendances=len(attendance),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=100_000)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp.name}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")
    os.environ["COMMONWEAL_HOME"] = tmp.name
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from commonweal.decisions import context
    from commonweal.decisions.models import Revalidation
    from commonweal.decisions.revalidation import load, revalidate

    call_command("migrate", verbosity=0)
    engine_name = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {engine_name}")
    started = time.perf_counter()
    seeded = seed(args.decisions)
    system = seeded.system
    print(
        f"built {seeded.decisions:,} decisions ({seeded.meeting_decisions:,} at "
        f"{seeded.meetings:,} meetings of {seeded.bodies} bodies, {seeded.attendances:,} "
        f"attendances) in {time.perf_counter() - started:.1f} s"
    )

    run = Revalidation.objects.create(system=system, requested_by="bench")
    t0 = time.perf_counter()
    run = revalidate(run)
    elapsed = time.perf_counter() - t0
    print(
        f"re-validation: {run.total:,} decisions in {elapsed:.1f} s "
        f"({run.total / elapsed:,.0f} decisions/s), {run.queries} queries, "
        f"{run.invalid:,} no longer hold"
    )

    # Baseline: the engine alone, on the same decisions, with everything already in memory.
    history = context.History(system)
    states = context.item_states(history)
    data = load(system.pk)
    t0 = time.perf_counter()
    for d in data:
        state = states.get(d.item) if d.item is not None else None
        context.judge(history, d, state, {} if d.project else None)
    base = time.perf_counter() - t0
    print(
        f"baseline (judging in memory, no reads or writes): {base:.1f} s; "
        f"re-validation / baseline = {elapsed / base:.2f}"
    )


if __name__ == "__main__":
    main()
