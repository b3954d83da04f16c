"""The rules of the decision register that the governance engine does not hold: urgent
action, call-in, implementation, and the draft of a meeting's minutes.

No Django here: plain data in, an explained answer out. Whether a decision was validly made
is the engine's (`engine.validate`); these rules add what happens around it.
"""

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from commonweal.core.formatting import long_date, pounds
from commonweal.meetings.rules import working_day

# Five clear working days after the decision is published: the call-in period most councils'
# overview and scrutiny procedure rules give (Local Government Act 2000, s9F).
CALL_IN_DAYS = 5


def call_in_until(published: date, closed: Container[date], days: int = CALL_IN_DAYS) -> date:
    """The last day a decision published that day may be called in: `days` clear working days
    after it (not counting the day of publication, weekends or bank holidays)."""
    day, counted = published, 0
    while counted < days:
        day += timedelta(days=1)
        if working_day(day, closed):
            counted += 1
    return day


def subject_to_call_in(council: bool, executive: bool, key: bool | None, urgent: bool) -> bool:
    """A council's executive decision may be called in: one taken by its cabinet or, where it
    is a key decision, by an officer; an urgent decision is exempt (the constitution's urgency
    rule, with the scrutiny chair's agreement). NHS bodies have no call-in."""
    return council and not urgent and (executive or bool(key))


@dataclass(frozen=True)
class Said:
    ok: bool
    sentence: str


def may_implement(today: date, until: date | None, called_in: bool, outcome: str | None) -> Said:
    """Whether a decision may be marked implemented today: not while it may still be called
    in, nor while a call-in is undecided or has sent it back."""
    if until is not None and today <= until:
        return Said(
            False,
            f"It may be called in until the end of {long_date(until)}: it cannot be "
            "implemented before then.",
        )
    if called_in and outcome is None:
        return Said(False, "It has been called in: it cannot be implemented until that is decided.")
    if called_in and outcome != "no_action":
        return Said(
            False,
            "The call-in referred it back: the decision maker reconsiders it, and a new "
            "decision is recorded.",
        )
    return Said(True, "It may be implemented.")


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    post: str  # a post reference
    post_title: str = ""


def urgent_action(
    by: Sequence[str],
    consult: Sequence[str],
    takers: Sequence[Person],
    consulted: Sequence[Person],
    categories: Mapping[str, frozenset[str]],
    names: Mapping[str, str],
) -> list[Said]:
    """Whether an urgent decision was taken as the body's terms of reference provide: by the
    holders of every post they name, acting jointly, after consulting at least one holder of
    each post or category they name. (That each taker held their post that day is the engine's
    check.)"""
    said: list[Said] = []
    if not by:
        return [Said(False, "Its terms of reference make no provision for urgent action.")]
    taken = {t.post for t in takers}
    for post in by:
        who = names.get(post, post)
        if post in taken:
            person = next(t.name for t in takers if t.post == post)
            said.append(Said(True, f"Taken by {person}, {who}, as the terms of reference provide."))
        else:
            said.append(Said(False, f"The terms of reference need the {who} to take it, jointly."))
    for t in takers:
        if t.post not in by:
            said.append(
                Said(
                    False,
                    f"{t.name} ({names.get(t.post, t.post)}) is not among those the terms of "
                    "reference allow to take urgent action.",
                )
            )
    takers_keys = {t.key for t in takers}
    for need in consult:
        found = [
            c
            for c in consulted
            if c.key not in takers_keys and (c.post == need or need in categories.get(c.post, ()))
        ]
        what = names.get(need, need) if "/" in need else f"a {need} member"
        if found:
            said.append(Said(True, f"{found[0].name} was consulted first, as {what}."))
        else:
            said.append(Said(False, f"The terms of reference need {what} to be consulted first."))
    return said


# Minutes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MinutedDecision:
    reference: str
    outcome: str  # "Decision", "Recommendation" ...
    resolution: str
    reasons: str = ""
    alternatives: str = ""
    parts: tuple[tuple[str, int], ...] = ()  # organisation name, pence
    basis: str = ""  # "Urgent action taken on 3 March 2027 by ..."
    exempt: bool = False  # on exempt business: minuted only in the exempt minutes


@dataclass(frozen=True)
class MinutedItem:
    number: int
    title: str
    exempt: bool = False
    declarations: tuple[str, ...] = ()  # "Dr Ann Cole declared ...; withdrew"
    decisions: tuple[MinutedDecision, ...] = ()
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class MeetingRecord:
    body: str
    day: date
    venue: str
    present: tuple[str, ...]  # "Alex Morgan, Accountable Officer (chair)"
    in_attendance: tuple[str, ...]
    apologies: tuple[str, ...]
    items: tuple[MinutedItem, ...]
    quorate: bool | None = None
    carried: tuple[str, ...] = ()  # actions from earlier meetings
    urgent: tuple[MinutedDecision, ...] = ()  # urgent actions taken since, for ratification
    previous: str = ""  # the minutes up for approval
    extra: Mapping[str, str] = field(default_factory=dict)


def draft_minutes(r: MeetingRecord) -> str:
    """The draft of a meeting's minutes, in plain text, from its record."""
    lines = [f"Minutes of the meeting of {r.body}", f"{long_date(r.day)}, {r.venue}".rstrip(", ")]
    lines.append("")
    lines.append("Present: " + ("; ".join(r.present) if r.present else "none recorded") + ".")
    if r.in_attendance:
        lines.append("In attendance: " + "; ".join(r.in_attendance) + ".")
    if r.apologies:
        lines.append("Apologies: " + "; ".join(r.apologies) + ".")
    if r.previous:
        lines += ["", f"Minutes of the previous meeting: {r.previous}"]
    if r.carried:
        lines += ["", "Actions carried forward:"]
        lines += [f"- {a}" for a in r.carried]
    if r.urgent:
        lines += ["", "Urgent action taken since the last meeting, for ratification:"]
        for u in r.urgent:
            if u.exempt:
                lines.append(
                    f"{u.outcome} {u.reference}: exempt business, held in the exempt minutes."
                )
            else:
                lines += _decision(u)
    for item in r.items:
        lines += ["", f"{item.number}. {item.title}" + (" (exempt)" if item.exempt else "")]
        for said in item.declarations:
            lines.append(f"Declaration: {said}")
        if item.exempt:
            lines.append("Taken in private: the minute is held in the exempt minutes.")
            continue
        for dec in item.decisions:
            lines += _decision(dec)
        for a in item.actions:
            lines.append(f"Action: {a}")
    return "\n".join(lines).strip() + "\n"


def _decision(d: MinutedDecision) -> list[str]:
    out = [f"{d.outcome} {d.reference}: {d.resolution}"]
    if d.basis:
        out.append(d.basis)
    for org, amount in d.parts:
        out.append(f"  {org}: {pounds(amount)}")
    if d.reasons:
        out.append(f"Reasons: {d.reasons}")
    if d.alternatives:
        out.append(f"Alternatives considered: {d.alternatives}")
    return out
