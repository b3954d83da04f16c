"""Was this decision validly made, and whom does it bind?

A decision has one part per organisation. Each part is judged by its own organisation's
scheme in force that day: whether its deciders held their posts, had authority for the type
and amount, had no conflict, and (for a part decided by a body) whether the body was quorate
and, where it votes, carried it. The decision binds exactly the organisations whose part holds
(valid and consented). Who a decision binds depends on the body's kind:

- an officer decision, or an executive's at a meeting of decision makers (the Integrated
  Commissioning Executive, voting `individual`), rests on the decider's own authority; the
  meeting's quorum is reported (`Validation.meeting`), never a reason a part fails;
- at committees in common each member body decides its own organisation's part, under its own
  quorum and vote;
- a joint committee (voting `block`) decides for all its member organisations at once: its
  quorum and its blocks' votes judge the decision as a whole, each block needs its own block
  quorum, and where the blocks disagree there is no decision (`blocks-disagree`).

A check whose data the context lacks is not checked, never passed; only failures count.
"""

import gc
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from commonweal.governance.engine import sentences as say
from commonweal.governance.engine.codes import Code
from commonweal.governance.engine.facts import (
    Context,
    Decision,
    Governance,
    Meeting,
    Part,
    Status,
    Voting,
)
from commonweal.governance.engine.validation import authority, meeting, voting
from commonweal.governance.engine.validation.checks import (
    FAILED,
    PASSED,
    WIDTH,
    Add,
    Check,
    Raw,
)

NO_DECIDER = Code.NO_DECIDER.value
SCHEME_NOT_IN_FORCE = Code.SCHEME_NOT_IN_FORCE.value
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PartValidation:
    organisation: str
    checks: tuple[Check, ...]

    @property
    def valid(self) -> bool:
        return not any(c.status is Status.FAILED for c in self.checks)

    @property
    def reasons(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status is Status.FAILED)


class Validation:
    """The outcome of validating one decision: every check made, in order (those on the
    decision as a whole first, then each part's). The sentences are written when read."""

    __slots__ = ("_checks", "_meeting", "_names", "_raw", "decision")

    def __init__(
        self,
        decision: Decision,
        raw: tuple[Any, ...],
        meeting: Raw | None,
        names: Mapping[str, str],
    ):
        self.decision = decision
        self._raw, self._meeting, self._names = raw, meeting, names
        self._checks: tuple[Check, ...] | None = None

    @property
    def valid(self) -> bool:
        """Every part holds: the decision binds every organisation it names."""
        return FAILED not in self._raw[2::WIDTH]

    @property
    def checks(self) -> tuple[Check, ...]:
        if self._checks is None:
            raw = self._raw
            self._checks = tuple(
                Check(raw[i : i + WIDTH], self._names) for i in range(0, len(raw), WIDTH)
            )
        return self._checks

    @property
    def reasons(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status is Status.FAILED)

    @property
    def parts(self) -> tuple[PartValidation, ...]:
        orgs = dict.fromkeys(p.organisation for p in self.decision.parts)
        return tuple(
            PartValidation(org, tuple(c for c in self.checks if c.organisation == org))
            for org in orgs
        )

    @property
    def binds(self) -> tuple[str, ...]:
        """The organisations bound: those whose part is valid and consented, unless the
        decision as a whole failed (a joint committee's blocks disagreed, say)."""
        if any(c.organisation == "" and c.status is Status.FAILED for c in self.checks):
            return ()
        return tuple(p.organisation for p in self.parts if p.valid)

    @property
    def meeting(self) -> Check | None:
        """The quorum of a meeting that decides nothing itself, reported for the record."""
        return None if self._meeting is None else Check(self._meeting, self._names)


def validate(d: Decision, context: Context, gov: Governance) -> Validation:
    """Check a recorded decision. The sentences are written only when the checks are read."""
    raw: list[Any] = []
    add = raw.extend
    declarations = context.declarations
    conflicted = (
        None
        if declarations is None
        else frozenset(x.person for x in declarations if x.conflicted)
        if declarations
        else NOBODY
    )
    attendance = context.meeting
    report = None
    if not d.parts:
        add(("", NO_DECIDER, FAILED, "", say.NO_PARTS, {}))
    if d.meeting is not None:
        host = gov.bodies.get(d.meeting)
        if host is not None and all(p.body != d.meeting for p in d.parts):
            report = meeting.report(host, attendance, conflicted, gov)
    # A joint committee judges the decision as a whole: its quorum and its blocks' votes.
    deciding = [p.body for p in d.parts if p.body is not None]
    for code in dict.fromkeys(deciding) if deciding else ():
        body = gov.bodies.get(code)
        if body is not None and body.voting is Voting.BLOCK:
            meeting.quorum("", body, attendance, conflicted, gov, add)
            voting.blocks(body, [p for p in d.parts if p.body == code], add)
    for p in d.parts:
        _part(d, p, context, gov, conflicted, attendance, add)
    return Validation(d, tuple(raw), report, gov.names)


def _part(
    d: Decision,
    p: Part,
    context: Context,
    gov: Governance,
    conflicted: frozenset[str] | None,
    attendance: Meeting | None,
    add: Add,
) -> None:
    org = p.organisation
    if not p.deciders and p.body is None:
        add((org, NO_DECIDER, FAILED, "", say.NO_DECIDER, {"org": org}))
        return
    authority.holders(d, p, context, add)
    scheme = gov.scheme_on(org, d.on)
    if scheme is None:
        add(
            (org, SCHEME_NOT_IN_FORCE, FAILED, "", say.NO_SCHEME_IN_FORCE, {"org": org, "on": d.on})
        )
        return
    params = {"title": scheme.title or "The scheme", "version": scheme.version, "on": d.on}
    add((org, SCHEME_NOT_IN_FORCE, PASSED, "", say.SCHEME_IN_FORCE, params))
    authority.check(d, p, scheme, context, add)
    meeting.conflicts(p, conflicted, add)
    if p.body is None:
        meeting.officer(p, d.meeting, gov, add)
        return
    body = gov.bodies.get(p.body)
    if body is None:
        meeting.unknown_body(p, add)
    else:
        if p.deciders:
            meeting.membership(p, body, add)
        if body.voting is Voting.BLOCK:
            meeting.block_quorum(p, body, attendance, conflicted, add)
        else:
            meeting.quorum(org, body, attendance, conflicted, gov, add)
            if body.voting is Voting.MAJORITY:
                voting.majority(p, body, add)
    meeting.consent(p, add)


def validate_many(
    decisions: Iterable[Decision], context: Context, gov: Governance
) -> list[Validation]:
    """Validate many decisions against one context (re-checking a whole register, say).

    The results hold no reference cycles, so Python's cyclic garbage collector is paused
    while they are built: otherwise it rescans the growing heap again and again, and takes
    most of the time. Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return [validate(d, context, gov) for d in decisions]
    finally:
        if was_enabled:
            gc.enable()


__all__ = ["Check", "PartValidation", "Validation", "validate", "validate_many"]
