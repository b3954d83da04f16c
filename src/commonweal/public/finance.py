"""What the public may read of a system's finances: the system position and each organisation's
headline figures, as at the latest closed month (a month's figures are final once it closes),
field by field. Nothing at cost-centre, programme or place level; no plans' notes, no returns,
no decisions' internals.

These frozen dataclasses are the public pages' and the public API's shapes alike. The model
fields they are made from are listed in `public.presenters.PUBLISHED`.
Amounts are in pence; the pages show them in £'000.
"""

from dataclasses import dataclass

from commonweal.core.models import Organisation
from commonweal.finance import ledger, presenters, rules
from commonweal.finance.actions import month_name
from commonweal.finance.models import FinancialYear
from commonweal.public.presenters import PublicSystemRef
from commonweal.registry.models import System


@dataclass(frozen=True)
class PublicYear:
    start: int
    label: str  # 2020/21
    closed_through: int  # the months closed: M1 to this (0: none)


@dataclass(frozen=True)
class PublicOrgPosition:
    code: str
    name: str
    nhs: bool  # within the NHS envelope; a council keeps its own balanced-budget duty
    forecast_position: int | None  # pence: surplus +, deficit -; None: not reported
    agreed_position: int  # pence: the surplus or deficit agreed in its plan
    flagged: bool
    sentence: str


@dataclass(frozen=True)
class PublicHeadline:
    code: str
    name: str
    budget: int  # pence, the year's budget (net expenditure)
    forecast_outturn: int
    forecast_variance: int  # forecast outturn less budget: positive is an overspend
    allocation: int  # additional allocations expected for the year (such as HDP)
    revised_variance: int  # the forecast variance less the additional allocations


@dataclass(frozen=True)
class PublicFinance:
    system: PublicSystemRef
    start: int
    label: str
    month: int | None  # the closed month the figures are as at; None: no month closed yet
    month_label: str
    rule: str | None  # "system" or "each_organisation"; None: no rule for the year
    rule_text: str
    rule_source: str
    total: int  # the NHS organisations' forecast positions together (pence)
    met: bool | None  # None: not known
    sentence: str
    organisations: tuple[PublicOrgPosition, ...]
    headlines: tuple[PublicHeadline, ...]
    headline_total: PublicHeadline | None


def years(system: System) -> list[PublicYear]:
    return [
        PublicYear(y.start, y.label, y.closed_through)
        for y in FinancialYear.objects.filter(system=system).order_by("-start")
    ]


def find_year(system: System, start: int) -> FinancialYear | None:
    return FinancialYear.objects.filter(system=system, start=start).select_related("system").first()


def finance(year: FinancialYear, month: int | None = None) -> PublicFinance:
    """The system position and headline figures as at a closed month (the latest if none is
    given; the caller checks a given month is closed)."""
    month = month or year.closed_through or None
    ref = PublicSystemRef.of(year.system)
    if month is None:
        return PublicFinance(
            system=ref,
            start=year.start,
            label=year.label,
            month=None,
            month_label="",
            rule=None,
            rule_text="",
            rule_source="",
            total=0,
            met=None,
            sentence=f"No month of {year.label} has been closed yet, so there is no position "
            "to publish.",
            organisations=(),
            headlines=(),
            headline_total=None,
        )
    p = presenters.position(year, month)
    found = ledger.sums(year, month, "organisation")
    orgs = Organisation.objects.in_bulk(list(found))
    headlines = sorted(
        (
            PublicHeadline(
                orgs[pk].code,
                orgs[pk].name,
                f.budget,
                f.forecast_outturn,
                f.forecast_variance,
                f.allocation_forecast,
                f.revised_forecast_variance,
            )
            for pk, f in found.items()
            if pk in orgs
        ),
        key=lambda h: h.name.lower(),
    )
    together = rules.total(found.values())
    return PublicFinance(
        system=ref,
        start=year.start,
        label=year.label,
        month=month,
        month_label=month_name(year, month),
        rule=p.rule.rule.value if p else None,
        rule_text=p.rule.text if p else "",
        rule_source=p.rule.source if p else "",
        total=p.total if p else 0,
        met=p.met if p else None,
        sentence=p.sentence
        if p
        else f"No break-even rule applies to {year.label}, so the position is not judged.",
        organisations=tuple(
            PublicOrgPosition(
                j.org.code,
                j.org.name,
                j.org.nhs,
                j.org.position,
                j.org.planned,
                j.flagged,
                j.sentence,
            )
            for j in (p.organisations if p else [])
        ),
        headlines=tuple(headlines),
        headline_total=PublicHeadline(
            "",
            "Total",
            together.budget,
            together.forecast_outturn,
            together.forecast_variance,
            together.allocation_forecast,
            together.revised_forecast_variance,
        )
        if headlines
        else None,
    )


def thousands(pence: int | None) -> str:
    """A figure in £'000 as the pages show it (− for a negative)."""
    if pence is None:
        return ""
    return presenters.shown(pence, "thousands")
