"""One check's outcome, kept as plain data while validating and read as a `Check`."""

from collections.abc import Callable, Mapping
from typing import Any

from commonweal.governance.engine.codes import Code
from commonweal.governance.engine.facts import Status
from commonweal.governance.engine.sentences import render

# While validating, a check is a tuple: (organisation, code, status, clause, template,
# parameters). The organisation is "" for a check on the decision as a whole. Codes and
# statuses are plain strings here: a hundred thousand results should hold no more objects than
# they need.
Raw = tuple[str, str, str, str, str, dict[str, Any]]
Add = Callable[[Raw], None]

PASSED, FAILED, NOT_CHECKED, NOT_APPLICABLE = (s.value for s in Status)


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

    def __init__(self, raw: Raw, names: Mapping[str, str]):
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
