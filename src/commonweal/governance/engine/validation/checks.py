"""One check's outcome, kept as plain data while validating and read as a `Check`."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from commonweal.governance.engine.codes import Code
from commonweal.governance.engine.facts import Decider, Status, Taker, Votes
from commonweal.governance.engine.sentences import render

# While validating, a check is six values: (organisation, code, status, clause, template,
# parameters). The organisation is "" for a check on the decision as a whole. A validation
# keeps its checks' values end to end in one flat tuple: codes and statuses as plain strings,
# parameters as dicts of strings, numbers, dates and tuples of them. Python's cyclic garbage
# collector stops tracking such dicts, so a hundred thousand kept results give it one tuple
# each to scan rather than one per check.
Raw = tuple[str, str, str, str, str, dict[str, Any]]
Add = Callable[[Raw], None]  # list.extend, onto the flat list
WIDTH = 6

PASSED, FAILED, NOT_CHECKED, NOT_APPLICABLE = (s.value for s in Status)


def taker(t: Taker) -> tuple[str | None, str | None, tuple[str, ...]]:
    return (t.post, t.body, t.second)


def people(deciders: tuple[Decider, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((x.person, x.post) for x in deciders)


def tally(v: Votes) -> tuple[int, int, int]:
    return (v.in_favour, v.against, v.abstentions)


class Check:
    """A check as read: its code, status, clause, the organisation whose part it judges ("" for
    the decision as a whole), and its sentence, written on first reading."""

    __slots__ = (
        "_names",
        "_sentence",
        "clause",
        "code",
        "organisation",
        "params",
        "status",
        "template",
    )

    def __init__(self, raw: Sequence[Any], names: Mapping[str, str]):
        organisation, code, status, clause, template, params = raw
        self.organisation, self.code, self.status = organisation, Code(code), Status(status)
        self.clause, self.template, self.params = clause, template, params
        self._names = names
        self._sentence: str | None = None

    @property
    def sentence(self) -> str:
        if self._sentence is None:
            self._sentence = render(self.template, self.params, self._names)
        return self._sentence

    def __repr__(self) -> str:
        return f"Check({self.organisation!r}, {self.code.value!r}, {self.status.value!r}, {self.clause!r}, {self.sentence!r})"

    def as_dict(self) -> dict[str, str]:
        return {
            "organisation": self.organisation,
            "code": self.code.value,
            "status": self.status.value,
            "clause": self.clause,
            "sentence": self.sentence,
        }
