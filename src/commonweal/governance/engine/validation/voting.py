"""Votes: a simple majority of votes cast, the chair's casting vote where the terms of reference
grant one, and a joint committee's blocks, which must all vote for."""

from collections.abc import Sequence

from commonweal.governance.engine import sentences as say
from commonweal.governance.engine.codes import Code
from commonweal.governance.engine.facts import BodyFact, Part, Vote, Votes
from commonweal.governance.engine.validation.checks import (
    FAILED,
    NOT_CHECKED,
    PASSED,
    Add,
    tally,
)

NO_MAJORITY = Code.NO_MAJORITY.value
BLOCKS_DISAGREE = Code.BLOCKS_DISAGREE.value


def majority(p: Part, body: BodyFact, add: Add) -> None:
    org, votes = p.organisation, p.votes
    if votes is None:
        add((org, NO_MAJORITY, NOT_CHECKED, "", say.VOTES_NOT_GIVEN, {"body": body.code}))
        return
    params = {"body": body.code, "votes": tally(votes)}
    if votes.in_favour > votes.against:
        add((org, NO_MAJORITY, PASSED, "", say.CARRIED, params))
    elif votes.in_favour < votes.against or votes.in_favour == 0:
        add((org, NO_MAJORITY, FAILED, "", say.LOST, params))
    elif not body.casting_vote:
        recorded = "; the casting vote recorded does not count" if votes.casting_vote else ""
        add(
            (
                org,
                NO_MAJORITY,
                FAILED,
                "",
                say.TIED_NO_CASTING_VOTE,
                {**params, "recorded": recorded},
            )
        )
    elif votes.casting_vote is Vote.FOR:
        add((org, NO_MAJORITY, PASSED, "", say.CARRIED_ON_CASTING_VOTE, params))
    elif votes.casting_vote is Vote.AGAINST:
        add((org, NO_MAJORITY, FAILED, "", say.TIED_CASTING_AGAINST, params))
    else:
        add((org, NO_MAJORITY, FAILED, "", say.TIED_NO_CASTING_RECORDED, params))


def _position(v: Votes) -> str:
    if v.in_favour > v.against:
        return "voted for"
    return "voted against" if v.against > v.in_favour else "were split"


def blocks(body: BodyFact, parts: Sequence[Part], add: Add) -> None:
    """A joint committee's decision: every organisation's block must vote for it; where the
    blocks disagree there is no decision. Judges the decision as a whole."""
    known = tuple((p.organisation, _position(p.votes), tally(p.votes)) for p in parts if p.votes)
    positions = {position for _, position, _ in known}
    params = {"body": body.code, "blocks": known}
    if "voted for" in positions and len(positions) > 1:
        add(("", BLOCKS_DISAGREE, FAILED, "", say.BLOCKS_DISAGREE, params))
    elif len(known) < len(parts):
        add(("", BLOCKS_DISAGREE, NOT_CHECKED, "", say.BLOCK_VOTES_NOT_GIVEN, params))
    elif positions == {"voted for"}:
        add(("", BLOCKS_DISAGREE, PASSED, "", say.BLOCKS_AGREE, params))
    else:
        add(("", NO_MAJORITY, FAILED, "", say.NO_BLOCK_FOR, params))
