"""A pooled fund agreement as a YAML document, checked with every problem named by file, line
and field before anything is written.

The Section 75 regulations (the NHS Bodies and Local Authorities Partnership Arrangements
Regulations 2000, regulation 7) require the agreement to name the host partner and the pooled
fund manager: an agreement without either is refused.

    agreement:
      system: devon-2019
      reference: devon-bcf
      name: Devon Better Care Fund
      kind: better_care_fund           # or section_75
      area: devon                      # the footprint (an area code of the system)
      partners: [15N, E10000008]
      host: E10000008
      manager: {person: jane-smith, name: Jane Smith, title: Pooled Fund Manager}
      starts: 2020-04-01
      ends: 2021-03-31
      nhs_functions: [...]
      council_functions: [...]
      aims: ...
      outcomes: [...]
      review_dates: [2020-10-31]
      overspend_order: [underspends, risk_reserve, uncommitted, partners]
      action_plan_threshold: 1         # % of the pool
      board: hwb-devon                 # the Health and Wellbeing Board that signs off returns
"""

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from commonweal.core.documents import DocumentError, Located, Strict, validate
from commonweal.core.errors import Problem

from . import rules


class Manager(Strict):
    person: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")
    name: str = Field(default="", max_length=150)
    title: str = Field(default="Pooled Fund Manager", max_length=200)


class AgreementDoc(Strict):
    system: str = Field(min_length=1, max_length=60)
    reference: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$")
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["section_75", "better_care_fund"] = "section_75"
    area: str = Field(min_length=1, max_length=40)
    partners: list[str] = Field(min_length=2, max_length=20)
    host: str | None = None
    manager: Manager | None = None
    starts: date
    ends: date
    nhs_functions: list[str] = Field(default_factory=list, max_length=100)
    council_functions: list[str] = Field(default_factory=list, max_length=100)
    aims: str = Field(default="", max_length=10000)
    outcomes: list[str] = Field(default_factory=list, max_length=100)
    review_dates: list[date] = Field(default_factory=list, max_length=50)
    overspend_order: list[str] = Field(
        default_factory=lambda: [s.value for s in rules.DEFAULT_ORDER], max_length=4
    )
    action_plan_threshold: Decimal | None = Field(default=None, ge=0, le=100)
    board: str | None = None
    illustrative: bool = False
    note: str = Field(default="", max_length=10000)


class Document(Strict):
    agreement: AgreementDoc


def check(located: Located) -> AgreementDoc:
    """The agreement, or DocumentError with every problem the document alone shows (the
    loader checks what needs the database: the system, the area, the partners)."""
    doc = validate(located, Document).agreement
    problems: list[Problem] = []

    def bad(field: str | tuple[str | int, ...], message: str) -> None:
        loc = (field,) if isinstance(field, str) else field
        problems.append(located.problem(("agreement", *loc), message))

    if doc.host is None:
        bad(
            "host",
            "is required: a pooled fund agreement names its host partner (the Section 75 "
            "regulations, regulation 7)",
        )
    elif doc.host not in doc.partners:
        bad("host", f"'{doc.host}' is not one of the partners ({', '.join(doc.partners)})")
    if doc.manager is None:
        bad(
            "manager",
            "is required: a pooled fund agreement names its pooled fund manager (the Section 75 "
            "regulations, regulation 7)",
        )
    if len(set(doc.partners)) != len(doc.partners):
        bad("partners", "a partner is listed twice")
    if doc.ends <= doc.starts:
        bad("ends", "must be after the day the agreement starts")
    for i, d in enumerate(doc.review_dates):
        if not doc.starts <= d <= doc.ends:
            bad(("review_dates", i), "must fall within the agreement's term")
    try:
        rules.check_order(doc.overspend_order)
    except rules.PoolRuleError as exc:
        bad("overspend_order", str(exc))
    if problems:
        raise DocumentError(problems)
    return doc
