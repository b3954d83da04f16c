"""An assurance framework as a YAML document, checked with every problem named by file, line
and field before anything is written.

    assurance:
      system: devon-2019
      code: devon-assurance
      name: Wider Devon system assurance framework
      owner: 15N                      # keeps the framework; its people assess and respond
      provenance: {written_by: ..., checked_by: ..., review_date: 2027-03-31, source: ...}
      frequency: quarterly            # or monthly: the reporting cycle
      report_to: {body: ice}          # the body whose forward plan each system report goes on
      places:                         # what each place watches besides its own figures
        - {place: north, providers: [RBZ], pools: []}
      lines:
        - code: ae-four-hour
          name: A&E four-hour standard
          kind: series                # series, indicators, finance, savings, pools,
                                      # ratification, quality
          measure: four_hour          # series: which of each provider's series
          at: [system, place]
          owner: Director of Commissioning
          frequency: monthly          # how often its data comes
          exceptions: [special_cause_concern, misses_target]

What each kind may make an exception of:

- series (constitutional standards): `special_cause_concern` (the latest point), `misses_target`;
- indicators (outcomes; `indicators:` lists codes, or every indicator of the system's outcomes
  framework): `worse_than_benchmark` (by the definition's polarity), `misses_target`;
- finance (the monitoring table, by organisation for the system and by place for a place) and
  savings (schemes): `red`;
- pools: `action_plan_needed` (a projected variance beyond the agreement's threshold);
- ratification: `overdue` (urgent action awaiting ratification more than `after_days` days);
- quality: `severity` (an open concern at or above `severity:`).
"""

from datetime import date
from typing import Literal

from pydantic import Field

from commonweal.core.documents import DocumentError, Located, Strict, validate
from commonweal.core.errors import Problem

from . import rules

CODE = r"^[a-z0-9][a-z0-9-]{0,59}$"
Kind = Literal["series", "indicators", "finance", "savings", "pools", "ratification", "quality"]

# The domain of the report each kind of line belongs to, in the report's order.
DOMAINS = {
    "indicators": "outcomes",
    "series": "standards",
    "finance": "finance",
    "savings": "finance",
    "pools": "pools",
    "ratification": "governance",
    "quality": "quality",
}
DOMAIN_ORDER = ("outcomes", "standards", "finance", "pools", "governance", "quality")
EXCEPTIONS: dict[str, tuple[str, ...]] = {
    "series": ("special_cause_concern", "misses_target"),
    "indicators": ("worse_than_benchmark", "misses_target"),
    "finance": ("red",),
    "savings": ("red",),
    "pools": ("action_plan_needed",),
    "ratification": ("overdue",),
    "quality": ("severity",),
}


class Provenance(Strict):
    written_by: str = Field(min_length=1, max_length=200)
    checked_by: str = Field(min_length=1, max_length=200)
    review_date: date
    source: str = Field(default="", max_length=2000)


class ReportTo(Strict):
    body: str = Field(min_length=1, max_length=60)


class PlaceDoc(Strict):
    place: str = Field(min_length=1, max_length=60)
    providers: list[str] = Field(default_factory=list, max_length=50)
    pools: list[str] = Field(default_factory=list, max_length=50)


class LineDoc(Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    kind: Kind
    at: list[Literal["system", "place"]] = Field(min_length=1, max_length=2)
    owner: str = Field(min_length=1, max_length=200)
    frequency: Literal["monthly", "quarterly", "annual"] = "quarterly"
    exceptions: list[str] = Field(min_length=1, max_length=5)
    measure: str = Field(default="", max_length=40)
    indicators: list[str] = Field(default_factory=list, max_length=500)
    after_days: int = Field(default=0, ge=0, le=3650)
    severity: str = Field(default="", max_length=20)
    description: str = Field(default="", max_length=5000)


class AssuranceDoc(Strict):
    system: str = Field(min_length=1, max_length=60)
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10000)
    owner: str = Field(min_length=1, max_length=20)
    provenance: Provenance
    illustrative: bool = False
    frequency: rules.Frequency = "quarterly"
    report_to: ReportTo | None = None
    places: list[PlaceDoc] = Field(default_factory=list, max_length=100)
    lines: list[LineDoc] = Field(min_length=1, max_length=200)


class AssuranceDocument(Strict):
    assurance: AssuranceDoc


def check(located: Located) -> AssuranceDoc:
    """The framework, or a DocumentError naming every problem the document alone shows (what
    it names in the system is checked on loading)."""
    doc = validate(located, AssuranceDocument).assurance
    problems: list[Problem] = []
    codes: set[str] = set()
    for i, line in enumerate(doc.lines):
        where = ("assurance", "lines", i)
        if line.code in codes:
            problems.append(located.problem((*where, "code"), f"'{line.code}' is used twice"))
        codes.add(line.code)
        allowed = EXCEPTIONS[line.kind]
        for j, name in enumerate(line.exceptions):
            if name not in allowed:
                problems.append(
                    located.problem(
                        (*where, "exceptions", j),
                        f"a {line.kind} line's exceptions are {', '.join(allowed)}, not '{name}'",
                    )
                )
        if len(set(line.exceptions)) != len(line.exceptions):
            problems.append(located.problem((*where, "exceptions"), "an exception is listed twice"))
        if len(set(line.at)) != len(line.at):
            problems.append(located.problem((*where, "at"), "system or place is listed twice"))
        if line.kind == "series" and not line.measure:
            problems.append(
                located.problem(
                    (*where, "measure"),
                    "name the providers' series it watches, for example four_hour",
                )
            )
        if line.kind != "series" and line.measure:
            problems.append(located.problem((*where, "measure"), "only a series line has one"))
        if line.kind != "indicators" and line.indicators:
            problems.append(
                located.problem((*where, "indicators"), "only an indicators line lists them")
            )
        if line.kind == "ratification" and not line.after_days:
            problems.append(
                located.problem(
                    (*where, "after_days"),
                    "say after how many days awaiting ratification is an exception",
                )
            )
        if line.kind == "quality" and line.severity not in rules.SEVERITIES:
            problems.append(
                located.problem(
                    (*where, "severity"),
                    f"the least severity that is an exception: {', '.join(rules.SEVERITIES)}",
                )
            )
        if line.kind in ("savings", "ratification") and "place" in line.at:
            problems.append(
                located.problem(
                    (*where, "at"),
                    f"a {line.kind} line is watched for the system: "
                    f"{'schemes' if line.kind == 'savings' else 'decisions'} have no place",
                )
            )
    seen: set[str] = set()
    for i, p in enumerate(doc.places):
        if p.place in seen:
            problems.append(
                located.problem(("assurance", "places", i, "place"), f"'{p.place}' is listed twice")
            )
        seen.add(p.place)
    if problems:
        raise DocumentError(problems)
    return doc
