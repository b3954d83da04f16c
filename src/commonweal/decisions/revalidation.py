"""Validate every recorded decision again, against the schemes, post holders, terms of
reference and meeting records as the database has them now (a scheme's new version, a holding
corrected retrospectively). Reads in a fixed number of queries whatever the register's size;
writes the decisions that no longer hold as findings of the run."""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commonweal.governance import engine

from . import context
from .models import Decision, DecisionPart, Finding, PartDecider, Revalidation

Progress = Callable[[int, int], None]


def load(system_id: int) -> list[context.DecisionData]:
    """Every decision of a system as plain data, in the order they were taken: three queries."""
    deciders: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for part_id, key, org, code in PartDecider.objects.filter(
        part__decision__system_id=system_id
    ).values_list("part_id", "person__key", "post__organisation__code", "post__code"):
        deciders[part_id].append((key, f"{org}/{code}"))
    parts: dict[int, list[context.PartData]] = defaultdict(list)
    for pid, did, org, amount, body, consent, vf, va, ab, cv in (
        DecisionPart.objects.filter(decision__system_id=system_id)
        .order_by("id")
        .values_list(
            "id",
            "decision_id",
            "organisation__code",
            "amount",
            "body__code",
            "consent",
            "votes_for",
            "votes_against",
            "abstentions",
            "casting_vote",
        )
    ):
        votes = (
            engine.Votes(vf, va or 0, ab or 0, engine.Vote(cv) if cv else None)
            if vf is not None
            else None
        )
        parts[did].append(
            context.PartData(org, amount, tuple(deciders.get(pid, ())), body, consent, votes)
        )
    out = []
    for did, outcome, basis, on, kind, body, item, project, footprint, consulted in (
        Decision.objects.filter(system_id=system_id)
        .order_by("on", "id")
        .values_list(
            "id",
            "outcome",
            "basis",
            "on",
            "decision_type",
            "body__code",
            "item_id",
            "project",
            "footprint__code",
            "consulted",
        )
    ):
        people = consulted or []
        out.append(
            context.DecisionData(
                outcome=outcome,
                basis=basis,
                on=on,
                parts=tuple(parts.get(did, ())),
                decision_type=kind,
                body=body,
                item=item,
                project=project,
                footprint=footprint,
                takers=tuple((c["person"], c["post"]) for c in people if c.get("role") == "took"),
                consulted=tuple(
                    (c["person"], c["post"]) for c in people if c.get("role") == "consulted"
                ),
                id=did,
            )
        )
    return out


def revalidate(
    run: Revalidation, progress: Progress | None = None, every: int = 2_000
) -> Revalidation:
    """Validate the run's system's decisions again; the run records its progress as it goes."""
    Revalidation.objects.filter(pk=run.pk).update(status=Revalidation.Status.RUNNING)
    try:
        with CaptureQueriesContext(connection) as queries:
            history = context.History(run.system)
            states = context.item_states(history)
            decisions = load(run.system_id)
            # Decisions since corrected or rescinded no longer count towards a project's spend.
            changed = set(
                Decision.objects.filter(
                    system_id=run.system_id, corrects__isnull=False
                ).values_list("corrects_id", flat=True)
            )
            binds = dict(
                Decision.objects.filter(system_id=run.system_id).values_list("id", "binds")
            )
            total = len(decisions)
            Revalidation.objects.filter(pk=run.pk).update(total=total)
            committed: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            found: list[Finding] = []
            invalid = 0
            for n, d in enumerate(decisions, 1):
                prior = dict(committed[d.project]) if d.project else None
                state = states.get(d.item) if d.item is not None and d.basis == "meeting" else None
                judged = context.judge(history, d, state, prior)
                if not judged.valid:
                    invalid += 1
                    found.append(
                        Finding(run=run, decision_id=d.id or 0, reasons=list(judged.reasons))
                    )
                if d.project and d.outcome == "decision" and d.id not in changed:
                    for p in d.parts:
                        if p.organisation in binds.get(d.id or 0, ()):
                            committed[d.project][p.organisation] += p.amount
                if n % every == 0 or n == total:
                    Revalidation.objects.filter(pk=run.pk).update(done=n, invalid=invalid)
                    if progress is not None:
                        progress(n, total)
            with transaction.atomic():
                Finding.objects.bulk_create(found, batch_size=1_000)
        Revalidation.objects.filter(pk=run.pk).update(
            status=Revalidation.Status.DONE,
            done=total,
            invalid=invalid,
            queries=len(queries),
            finished=timezone.now(),
        )
    except Exception as exc:  # the run says it failed, and why, instead of "running" forever
        Revalidation.objects.filter(pk=run.pk).update(
            status=Revalidation.Status.FAILED, error=str(exc)[:2000], finished=timezone.now()
        )
        raise
    run.refresh_from_db()
    return run


def describe(run: Revalidation) -> dict[str, Any]:
    return {"total": run.total, "invalid": run.invalid, "queries": run.queries}
