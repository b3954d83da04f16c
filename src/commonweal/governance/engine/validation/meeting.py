"""The meeting: conflicts of interest, who may decide there, quorum, and consent.

Members count for quorum and may decide; attendees and those invited inform and never decide.
A member with a conflict on the item does not count towards its quorum. At a joint committee
each organisation's members vote as a block, which needs its own block quorum.
"""

from typing import Any

from commonweal.governance.engine import sentences as say
from commonweal.governance.engine.codes import Code
from commonweal.governance.engine.facts import (
    BodyFact,
    Governance,
    Meeting,
    Part,
)
from commonweal.governance.engine.validation.checks import (
    FAILED,
    NOT_APPLICABLE,
    NOT_CHECKED,
    PASSED,
    Add,
    Raw,
    people,
)

CONFLICTED = Code.CONFLICTED.value
NOT_MEMBER = Code.ATTENDEE_NOT_MEMBER.value
INQUORATE = Code.INQUORATE.value
NOT_CONSENTED = Code.NOT_CONSENTED.value


def conflicts(p: Part, conflicted: frozenset[str] | None, add: Add) -> None:
    org = p.organisation
    if conflicted is None:
        add((org, CONFLICTED, NOT_CHECKED, "", say.DECLARATIONS_NOT_GIVEN, {}))
        return
    clash = tuple(sorted({x.person for x in p.deciders} & conflicted)) if conflicted else ()
    if clash:
        add((org, CONFLICTED, FAILED, "", say.CONFLICTED, {"people": clash}))
    else:
        add((org, CONFLICTED, PASSED, "", say.NOT_CONFLICTED, {}))


def officer(p: Part, meeting: str | None, gov: Governance, add: Add) -> None:
    """A part decided by people in their own right: outside a meeting, or at a meeting of
    decision makers, whose quorum it does not rest on."""
    org = p.organisation
    if meeting is None:
        add((org, INQUORATE, NOT_APPLICABLE, "", say.OFFICER_DECISION, {}))
        consent(p, add)
        return
    params = {"deciders": people(p.deciders), "org": org, "meeting": meeting}
    add((org, INQUORATE, NOT_APPLICABLE, "", say.DECIDED_AT_MEETING, params))
    body = gov.bodies.get(meeting)
    if body is not None:
        # The terms of reference say who the decision makers are; attendees inform.
        membership(p, body, add)
    consent(p, add, always=True)


def membership(p: Part, body: BodyFact, add: Add) -> None:
    org = p.organisation
    outsiders = tuple(
        (
            x.person,
            x.post,
            "invited" if x.post in body.invited else "attendee" if x.post in body.attendees else "",
        )
        for x in p.deciders
        if x.post not in body.members
    )
    if outsiders:
        add(
            (
                org,
                NOT_MEMBER,
                FAILED,
                "",
                say.NOT_MEMBERS,
                {"body": body.code, "outsiders": outsiders},
            )
        )
    else:
        add((org, NOT_MEMBER, PASSED, "", say.MEMBERS, {"body": body.code}))


def unknown_body(p: Part, add: Add) -> None:
    org, params = p.organisation, {"body": p.body}
    add((org, NOT_MEMBER, NOT_CHECKED, "", say.BODY_NOT_KNOWN_MEMBERS, params))
    add((org, INQUORATE, NOT_CHECKED, "", say.BODY_NOT_KNOWN_QUORUM, params))


def _quorate(
    body: BodyFact, meeting: Meeting, conflicted: frozenset[str] | None, gov: Governance
) -> tuple[bool, dict[str, Any]]:
    """Whether the body was quorate, and the facts for the sentence: every way the members
    counted fall short of the quorum (the number, and each required post or category)."""
    q = body.quorum
    counted, posts = meeting.counted(body.members, conflicted or frozenset())
    short: list[tuple[Any, ...]] = []
    if counted < q.number:
        short.append(("count", counted, q.number))
    if q.required:
        categories = {c for post in posts for c in gov.categories.get(post, ())}
        short.extend(
            ("missing", need) for need in q.required if need not in posts and need not in categories
        )
    params = {
        "body": body.code,
        "quorum": (q.number, q.required),
        "counted": counted,
        "shortfalls": tuple(short),
    }
    return not short, params


def quorum(
    org: str,
    body: BodyFact,
    meeting: Meeting | None,
    conflicted: frozenset[str] | None,
    gov: Governance,
    add: Add,
) -> None:
    """The body's quorum for the item; `org` is "" for a joint committee's, which judges the
    decision as a whole."""
    if meeting is None:
        add((org, INQUORATE, NOT_CHECKED, "", say.ATTENDANCE_NOT_GIVEN, {"body": body.code}))
        return
    quorate, params = _quorate(body, meeting, conflicted, gov)
    if quorate:
        add((org, INQUORATE, PASSED, "", say.QUORATE, params))
    else:
        add((org, INQUORATE, FAILED, "", say.INQUORATE, params))


def block_quorum(
    p: Part,
    body: BodyFact,
    meeting: Meeting | None,
    conflicted: frozenset[str] | None,
    add: Add,
) -> None:
    org = p.organisation
    if meeting is None:
        add((org, INQUORATE, NOT_CHECKED, "", say.ATTENDANCE_NOT_GIVEN, {"body": body.code}))
        return
    counted, _ = meeting.counted(body.members, conflicted or frozenset(), org)
    needed = body.quorum.block
    params = {"org": org, "body": body.code, "counted": counted, "needed": needed}
    if counted < needed:
        add((org, INQUORATE, FAILED, "", say.BLOCK_INQUORATE, params))
    else:
        add((org, INQUORATE, PASSED, "", say.BLOCK_QUORATE, params))


def report(
    body: BodyFact,
    meeting: Meeting | None,
    conflicted: frozenset[str] | None,
    gov: Governance,
) -> Raw:
    """The quorum of a meeting that decides nothing itself (a meeting of decision makers):
    reported, never a reason a part fails."""
    if meeting is None:
        params = {"body": body.code}
        return ("", INQUORATE, NOT_CHECKED, "", say.MEETING_ATTENDANCE_NOT_GIVEN, params)
    quorate, params = _quorate(body, meeting, conflicted, gov)
    if quorate:
        return ("", INQUORATE, PASSED, "", say.MEETING_QUORATE, params)
    return ("", INQUORATE, FAILED, "", say.MEETING_INQUORATE, params)


def consent(p: Part, add: Add, always: bool = False) -> None:
    """Whether the record holds the organisation's consent to its part. Said aloud for a part
    decided with others in the room; otherwise only when consent is missing."""
    org = p.organisation
    if not p.consent:
        add((org, NOT_CONSENTED, FAILED, "", say.NOT_CONSENTED, {"org": org}))
    elif always:
        add((org, NOT_CONSENTED, PASSED, "", say.CONSENTED, {"org": org}))


ITEM_QUORATE = (
    "{body:name} is quorate for this item ({counted} members counted; quorum {quorum:quorum})."
)
ITEM_INQUORATE = (
    "{body:name} is not quorate for this item: its quorum is {quorum:quorum}, and "
    "{shortfalls:shortfalls}. Members who have withdrawn, or stay without taking part, do not "
    "count."
)
ITEM_BLOCK_SHORT = (
    "{org:name}'s block is not quorate for this item: it needs {needed} of its members and "
    "{counted} count."
)


def item_quorum(
    body: BodyFact, meeting: Meeting, conflicted: frozenset[str], gov: Governance
) -> tuple[bool, tuple[say.Sentence, ...]]:
    """Whether a body is quorate for one item of a meeting as it runs, and why: the members
    present for the item count, each person once, none who has a conflict on it; where
    members vote in blocks, each owner's block needs its own quorum too. The same rule that
    judges a decision recorded at the item (`_quorate`)."""
    quorate, params = _quorate(body, meeting, conflicted, gov)
    said = [say.say(ITEM_QUORATE if quorate else ITEM_INQUORATE, gov.names, **params)]
    if body.quorum.block:
        for org in body.owners:
            counted, _ = meeting.counted(body.members, conflicted, org)
            if counted < body.quorum.block:
                quorate = False
                said.append(
                    say.say(
                        ITEM_BLOCK_SHORT,
                        gov.names,
                        org=org,
                        needed=body.quorum.block,
                        counted=counted,
                    )
                )
    return quorate, tuple(said)
