"""Sentences for people, kept as a template and its parameters and written only when read.

A check or a route step keeps a template from this module and the facts it speaks of (post
references, person keys, amounts in pence, dates); `render` writes the words, with the display
names from `Governance.names`. Validating a hundred thousand decisions therefore writes no
sentence that nobody reads, and never validates twice to write one.

A template is a `str.format` string; the format spec after a field's colon says how to write
the value (see `_WRITERS`): `{post:name}`, `{limit:money}`, `{on:date}`, `{taker:taker}`.
"""

import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from commonweal.core.formatting import long_date, pounds
from commonweal.governance.engine.facts import Taker


def and_list(items: Iterable[str], word: str = "and") -> str:
    items = list(items)
    if len(items) < 3:
        return f" {word} ".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def _quorum(q: tuple[int, tuple[str, ...]], names: Mapping[str, str]) -> str:
    """(number, required posts or categories)."""
    number, required = q
    needs = [names.get(r, r) if "/" in r else f"a {r} member" for r in required]
    count = f"{number} members" if number else "no set number of members"
    return f"{count}, including {and_list(needs)}" if needs else count


def _shortfall(s: tuple[Any, ...], names: Mapping[str, str]) -> str:
    """("count", counted, needed) or ("missing", post or category)."""
    if s[0] == "count":
        return f"only {s[1]} counted, {s[2] - s[1]} short of {s[2]}"
    need = s[1]
    return (
        f"{names.get(need, need)} was not present"
        if "/" in need
        else f"no {need} member was present"
    )


def _tally(v: tuple[int, int, int]) -> str:
    """(in favour, against, abstentions)."""
    in_favour, against, abstentions = v
    text = f"{in_favour} for and {against} against"
    return text + (f", {abstentions} abstaining" if abstentions else "")


def _who(deciders: tuple[tuple[str, str], ...], names: Mapping[str, str]) -> str:
    """((person, post), ...)."""
    return and_list(
        f"{names.get(person, person)} ({names.get(post, post)})" for person, post in deciders
    )


def _taker(
    t: Taker | tuple[str | None, str | None, tuple[str, ...]], names: Mapping[str, str]
) -> str:
    """A taker, or (post, body, second) as a check keeps it."""
    return (t if isinstance(t, Taker) else Taker(*t)).describe(names)


def _outsider(x: tuple[str, str, str], names: Mapping[str, str]) -> str:
    """(person, post, "attendee" | "invited" | "") for someone who decided without being a member."""
    person, post, role = x
    what = {"attendee": "an attendee", "invited": "invited"}.get(role, "not a member")
    return f"{names.get(person, person)} ({names.get(post, post)}, {what})"


def _threshold(t: tuple[int | None, bool]) -> str:
    over, cumulative = t
    if over is None:
        return ""
    return (
        f" whose cumulative cost is over {pounds(over)}" if cumulative else f" over {pounds(over)}"
    )


def _measure(m: tuple[str, int | None, int]) -> str:
    """(project, prior spend, total): the total a band or threshold is compared with, written
    to sit inside a sentence."""
    project, prior, total = m
    if not prior:
        return pounds(total)
    return (
        f"the cumulative cost of {project or 'the project'}, {pounds(total)} "
        f"({pounds(prior)} before this),"
    )


def _conditions(conditions: Iterable[str]) -> str:
    words = {
        "within_budget": "only within the budget available",
        "includes_vat": "limits include VAT",
        "cumulative": "limits apply to the cumulative cost of the project or contract",
    }
    parts = [words[c] for c in words if c in conditions]
    return (" Conditions: " + "; ".join(parts) + ".") if parts else ""


_WRITERS: dict[str, Callable[[Any, Mapping[str, str]], str]] = {
    "name": lambda v, n: n.get(v, v),
    "names": lambda v, n: and_list(n.get(x, x) for x in v),
    "either": lambda v, n: and_list((n.get(x, x) for x in v), "or"),
    "money": lambda v, n: pounds(v),
    "up_to": lambda v, n: "of any amount" if v is None else f"up to {pounds(v)}",
    "date": lambda v, n: long_date(v),
    "type": lambda v, n: v.replace("_", " "),
    "taker": _taker,
    "decides": lambda v, n: "decide" if v.second else "decides",
    "who": _who,
    "next": lambda v, n: (
        " No band of the scheme reaches that cost."
        if v is None
        else f" That cost falls in {v[0]}, for {_taker(v[1], n)}."
    ),
    "outsiders": lambda v, n: and_list(_outsider(x, n) for x in v),
    "is": lambda v, n: "is" if len(v) < 2 else "are",
    "threshold": lambda v, n: _threshold(v),
    "measure": lambda v, n: _measure(v),
    "conditions": lambda v, n: _conditions(v),
    "quorum": _quorum,
    "shortfalls": lambda v, n: and_list(_shortfall(s, n) for s in v),
    "tally": lambda v, n: _tally(v),
    "blocks": lambda v, n: and_list(
        f"{n.get(org, org)}'s members {position} ({_tally(votes)})" for org, position, votes in v
    ),
}


class _Writer(string.Formatter):
    def __init__(self, names: Mapping[str, str]):
        self.names = names

    def format_field(self, value: Any, format_spec: str) -> str:
        writer = _WRITERS.get(format_spec)
        return writer(value, self.names) if writer else format(value, format_spec)


def render(template: str, params: Mapping[str, Any], names: Mapping[str, str]) -> str:
    return _Writer(names).vformat(template, (), params)


@dataclass(frozen=True)
class Sentence:
    """A template and its parameters, written with the names when turned into a string."""

    template: str
    params: tuple[tuple[str, Any], ...] = ()
    names: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __str__(self) -> str:
        return render(self.template, dict(self.params), self.names)


def say(template: str, names: Mapping[str, str], **params: Any) -> Sentence:
    return Sentence(template, tuple(params.items()), names)


# Routing ---------------------------------------------------------------------------------

NO_SCHEME = (
    "No one may decide this for {org:name}: no scheme of delegation of theirs is in force on "
    "{on:date}."
)
NOT_DELEGATED = (
    "No one may decide this for {org:name}: its scheme ({version}) neither reserves nor "
    "delegates {type:type} decisions of this amount."
)
ABOVE_TOP_BAND = (
    "No one may decide this for {org:name}: {measure:measure} is above the highest limit in "
    "{clause} ({top:money}).{text}"
)
RESERVED_CONSULTS = (
    "{taker:taker} is consulted before {body:name} decides: {clause} reserves {type:type} "
    "decisions{threshold:threshold} to {body:name} after consulting it."
)
RESERVED_RECOMMENDS = (
    "{taker:taker} may contribute and recommend; it may not decide, because {clause} reserves "
    "{type:type} decisions{threshold:threshold} to {body:name}."
)
RESERVED_DECIDES = (
    "{body:name} decides for {org:name}: {clause} reserves {type:type} "
    "decisions{threshold:threshold} to it."
)
RESERVED_ABOVE_DECIDES = (
    "{body:name} decides for {org:name}: {clause} reserves {type:type} "
    "decisions{threshold:threshold} to it, and {measure:measure} is over that."
)
DELEGATION_CONSULTS = (
    "{taker:taker} is consulted before {decider:taker} {decider:decides} ({clause})."
)
DELEGATION_RECOMMENDS = (
    "{taker:taker} recommends before {decider:taker} {decider:decides} ({clause})."
)
DELEGATED_DECIDES = (
    "{decider:taker} {decider:decides} for {org:name}: {measure:measure} falls in band {band} of "
    "{clause}.{conditions:conditions}"
)
ONWARD_DECIDES = (
    "{decider:taker} decides for {org:name}: {measure:measure} falls in band {band} of {clause}, "
    "and {onward} delegates it onward from {source:name}."
    "{conditions:conditions}"
)
JOINT_DECIDES = (
    "{body:name} takes one decision binding {blocks:names}, with a block vote for each; where "
    "the blocks disagree there is no decision."
)

# Validation: who decided ------------------------------------------------------------------

NO_PARTS = "The decision records no organisation's part, so nobody took it."
NO_DECIDER = "The part for {org:name} records nobody who took it, neither a person nor a body."
HOLDERS_NOT_GIVEN = "Post holders were not given, so nobody's holding of their post was checked."
HELD_POST = "{person:name} held the post of {post:name} on {on:date}."
DID_NOT_HOLD_POST = "{person:name} did not hold the post of {post:name} on {on:date}."

# Validation: the scheme -------------------------------------------------------------------

NO_SCHEME_IN_FORCE = "No scheme of delegation of {org:name} was in force on {on:date}."
SCHEME_IN_FORCE = "{title} ({version}) was in force on {on:date}."
RESERVED_TO_IT = (
    "{clause} reserves {type:type} decisions{threshold:threshold} to {body:name}, which took "
    "this one."
)
RESERVED_ELSEWHERE = (
    "{clause} reserves {type:type} decisions{threshold:threshold} to {body:name}, but this "
    "part was taken by {deciders:who}."
)
RESERVED_TO_OTHER_BODY = (
    "{clause} reserves {type:type} decisions{threshold:threshold} to {body:name}, but this "
    "part was taken by {taker:name}."
)
RESERVED_UNKNOWN = (
    "Spend already committed on {project} was not given, so whether its cumulative cost is over "
    "the {over:money} above which {clause} reserves {type:type} decisions to {body:name} was "
    "not checked; {amount:money} alone is not."
)
RESERVED_BODY_SMALLER_SUM = (
    "{body:name}, to which {clause} reserves {type:type} decisions{threshold:threshold}, may "
    "also decide smaller ones."
)
NEITHER_RESERVED_NOR_DELEGATED = (
    "The scheme ({version}) neither reserves nor delegates {type:type} decisions of this "
    "amount, so nobody below the board was authorised."
)
AUTHORISED = "{where} authorises {taker:taker} to take {type:type} decisions {limit:up_to}."
AUTHORISED_ONWARD = (
    "{where} delegates {type:type} decisions {limit:up_to} from {source:name} to {taker:taker}."
)
NOT_AUTHORISED = (
    "{deciders:who} {deciders:is} not authorised by {clause} or any onward delegation to take "
    "{type:type} decisions."
)
BODY_NOT_AUTHORISED = "{body:name} is not authorised by {clause} to take {type:type} decisions."
WITHIN_LIMIT = "{amount:money} is within the limit of {limit:money} under {where}."
NO_LIMIT = "{where} sets no upper limit on {amount:money}."
OVER_LIMIT = (
    "{amount:money} is above the limit of {limit:money} within which {taker:taker} may decide "
    "under {where}."
)
SECOND_SIGNED = "{person:name} ({post:name}) signed as the second signatory {where} requires."
SECOND_MISSING = (
    "{where} needs a second signatory for {measure:measure} and none signed: {second:either} "
    "must sign too."
)
PRIOR_NOT_GIVEN = (
    "Spend already committed on {project} was not given, so the cumulative limit was not checked."
)
CUMULATIVE_WITHIN = (
    "The cumulative cost {total:money} ({prior:money} before this) is within what {where} "
    "allows ({limit:up_to})."
)
CUMULATIVE_OVER = (
    "With {prior:money} already committed on {project}, the cumulative cost {total:money} is "
    "above the limit of {limit:money} within which {taker:taker} may decide under {where}: "
    "{clause} applies limits to the cumulative cost, so orders may not be split to stay under "
    "them.{next:next}"
)
BUDGET_NOT_GIVEN = "The available budget was not given, so spending within it was not checked."
OVER_BUDGET = (
    "{amount:money} is more than the {budget:money} available in the budget; {clause} delegates "
    "only within the budget available."
)
WITHIN_BUDGET = "{amount:money} is within the {budget:money} available in the budget."

# Validation: the meeting ------------------------------------------------------------------

DECLARATIONS_NOT_GIVEN = "No declarations of interest were given, so conflicts were not checked."
CONFLICTED = (
    "{people:names} declared a conflict of interest on this item and took part in the decision."
)
NOT_CONFLICTED = "No decider had declared a conflict of interest on this item."
OFFICER_DECISION = "An officer decision, taken outside a meeting: no quorum applies."
DECIDED_AT_MEETING = (
    "{deciders:who} decided for {org:name} at {meeting:name} in their own right: the part rests "
    "on their authority under {org:name}'s scheme, not on the meeting's quorum."
)
BODY_NOT_KNOWN_MEMBERS = "{body:name} is not known, so its membership was not checked."
BODY_NOT_KNOWN_QUORUM = "{body:name} is not known, so its quorum was not checked."
NOT_MEMBERS = (
    "Only members of {body:name} may decide; {outsiders:outsiders} may inform the decision but not "
    "take it."
)
MEMBERS = "Everyone who decided is a member of {body:name}."
ATTENDANCE_NOT_GIVEN = (
    "Attendance at the meeting was not given, so {body:name}'s quorum was not checked."
)
INQUORATE = (
    "{body:name} was not quorate for this item: its quorum is {quorum:quorum}, and "
    "{shortfalls:shortfalls}. Members with a conflict on the item do not count."
)
QUORATE = "{body:name} was quorate ({counted} members counted; quorum {quorum:quorum})."
BLOCK_INQUORATE = (
    "{org:name}'s block at {body:name} was not quorate for this item: it needs {needed} of its "
    "members present and only {counted} counted. Members with a conflict on the item do not "
    "count."
)
BLOCK_QUORATE = (
    "{org:name}'s block at {body:name} was quorate ({counted} of its members counted; it needs "
    "{needed})."
)
MEETING_QUORATE = (
    "{body:name} was quorate ({counted} members counted; quorum {quorum:quorum}). It decides "
    "nothing itself: each organisation's part is judged by that organisation's scheme."
)
MEETING_INQUORATE = (
    "{body:name} was not quorate: its quorum is {quorum:quorum}, and {shortfalls:shortfalls}. It "
    "decides nothing itself: each organisation's part is judged by that organisation's scheme, "
    "not by this quorum."
)
MEETING_ATTENDANCE_NOT_GIVEN = (
    "Attendance at {body:name} was not given, so its quorum was not reported."
)
CONSENTED = "The record holds {org:name}'s consent to its part."
NOT_CONSENTED = (
    "The record does not hold {org:name}'s consent to its part, so the decision does not bind "
    "{org:name}."
)

# Validation: votes ------------------------------------------------------------------------

VOTES_NOT_GIVEN = "The votes cast at {body:name} were not given, so its majority was not checked."
CARRIED = "Carried at {body:name} by a majority of the votes cast: {votes:tally}."
CARRIED_ON_CASTING_VOTE = (
    "Carried at {body:name} on the chair's casting vote, which its terms of reference grant, "
    "after a tie: {votes:tally}."
)
TIED_NO_CASTING_VOTE = (
    "No majority at {body:name}: the votes tied ({votes:tally}) and its terms of reference give "
    "the chair no casting vote{recorded}."
)
TIED_CASTING_AGAINST = (
    "No majority at {body:name}: the votes tied ({votes:tally}) and the chair's casting vote was "
    "against."
)
TIED_NO_CASTING_RECORDED = (
    "No majority at {body:name}: the votes tied ({votes:tally}) and no casting vote was recorded."
)
LOST = "No majority at {body:name}: {votes:tally}."
BLOCK_VOTES_NOT_GIVEN = (
    "The block votes at {body:name} were not all given, so whether the blocks agreed was not "
    "checked."
)
BLOCKS_AGREE = "Every block at {body:name} voted for: {blocks:blocks}."
BLOCKS_DISAGREE = (
    "No decision: the blocks at {body:name} disagree ({blocks:blocks}), and a joint committee "
    "decides only where every block agrees."
)
NO_BLOCK_FOR = "No decision at {body:name}: no block voted for it ({blocks:blocks})."
