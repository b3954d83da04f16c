"""Changes to outcomes, each in one transaction with an audit event and a declared permission.

- Indicator definitions: a national catalogue (no owner) is loaded from the command line; an
  organisation's own definitions by its analysts (MANAGE_OUTCOMES in the owner).
- A system's framework: by an analyst of one of the organisations that look after the system,
  who must also be of the framework's owner (which keeps the framework's own indicators).
- Indicator data: QOF prevalence and the other national files from the command line or the
  task worker; a Fingertips file by analysts of the organisation that owns every indicator in
  it (a national indicator's data only from the command line).
- A rebase point on a series: by an analyst of an organisation that looks after the system.

Every document and file is checked whole before anything is written.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.db.models import Max

from commonweal.core.actions import Actor, action
from commonweal.core.db import serialise
from commonweal.core.documents import DocumentError, Located, read_yaml
from commonweal.core.errors import Conflict, NotFound, NotPermitted, Problem, Refused
from commonweal.core.formatting import long_date
from commonweal.core.models import Organisation, in_force
from commonweal.core.permissions import Permission
from commonweal.registry.actions import stewards
from commonweal.registry.models import Area, AreaPractice, System
from commonweal.registry.rules import Level

from . import compute, documents, fingertips, rules, store, trend
from .models import (
    DefinitionDocument,
    Framework,
    FrameworkVersion,
    Indicator,
    IndicatorVersion,
    Outcome,
    OutcomeIndicator,
    Rebase,
    Series,
    Value,
)

QOF_SOURCE = "QOF 2020/21"
FINGERTIPS_SOURCE = "Fingertips file"


@dataclass
class Loaded:
    """A loaded document: what it gave, and what changed."""

    document: DefinitionDocument
    created: list[str]
    revised: list[str]
    unchanged: list[str]

    def describe(self) -> str:
        return (
            f"{len(self.created)} indicators new, {len(self.revised)} revised, "
            f"{len(self.unchanged)} unchanged"
        )


def read_document(source: str | Path, text: str | bytes | None = None) -> tuple[Located, str]:
    """The document parsed with its lines, and its text (kept with each version)."""
    if text is None:
        located = read_yaml(source)
        raw = Path(source).read_text(encoding="utf-8")
    else:
        located = read_yaml(source, text)
        raw = text.decode("utf-8") if isinstance(text, bytes) else text
    return located, raw


def _document(
    actor: Actor,
    kind: DefinitionDocument.Kind,
    name: str,
    located: Located,
    text: str,
    provenance: documents.Provenance,
    illustrative: bool,
) -> DefinitionDocument:
    return DefinitionDocument.objects.create(
        kind=kind,
        name=name,
        path=Path(located.file).name,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        written_by=provenance.written_by,
        checked_by=provenance.checked_by,
        review_date=provenance.review_date,
        source=provenance.source,
        illustrative=illustrative,
        loaded_by=actor.label,
    )


def _definition_fields(d: documents.Definition) -> dict[str, Any]:
    return {
        "name": d.name,
        "definition": d.definition,
        "polarity": d.polarity,
        "unit": d.unit,
        "method": d.method,
        "multiplier": d.multiplier,
        "source": d.source,
        "frequency": d.frequency,
        "significance": d.significance,
        "benchmark": d.benchmark,
        "target": d.target,
        "fingertips_id": d.fingertips_id,
        "qof_register": d.qof.group if d.qof else "",
        "qof_list_type": d.qof.list_type if d.qof else "",
    }


def _save_definitions(
    definitions: Sequence[documents.Definition],
    owner: Organisation | None,
    document: DefinitionDocument,
    located: Located,
    root: str,
) -> Loaded:
    """Each definition as a new version of its indicator where it differs from the one in force.

    An indicator belongs to one owner: a document cannot redefine another's indicator."""
    stored = {i.code: i for i in Indicator.objects.filter(code__in=[d.code for d in definitions])}
    problems = [
        located.problem(
            (root, "definitions", n, "code"),
            f"'{d.code}' is already defined by "
            + (str(stored[d.code].owner) if stored[d.code].owner else "the national catalogue")
            + ": an organisation defines only its own indicators",
        )
        for n, d in enumerate(definitions)
        if d.code in stored and stored[d.code].owner_id != (owner.pk if owner else None)
    ]
    if problems:
        raise DocumentError(problems)
    loaded = Loaded(document, [], [], [])
    for d in definitions:
        fields = _definition_fields(d)
        indicator = stored.get(d.code)
        if (
            indicator is not None
            and indicator.version is not None
            and indicator.version.definition == fields
        ):
            loaded.unchanged.append(d.code)
            continue
        if indicator is None:
            indicator = Indicator.objects.create(code=d.code, owner=owner, **fields)
            loaded.created.append(d.code)
        else:
            for k, v in fields.items():
                setattr(indicator, k, v)
            loaded.revised.append(d.code)
        number = (indicator.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        indicator.version = IndicatorVersion.objects.create(
            indicator=indicator, number=number, document=document, definition=fields
        )
        indicator.save()
    return loaded


def _organisation(located: Located, loc: tuple[str | int, ...], code: str) -> Organisation:
    org = Organisation.objects.filter(code=code).first()
    if org is None:
        raise DocumentError([located.problem(loc, f"no organisation has the code {code}")])
    return org


@action("outcomes.load_indicators", permission=Permission.MANAGE_OUTCOMES)
def load_indicators(actor: Actor, located: Located, text: str) -> Loaded:
    """Load a catalogue of indicator definitions: each changed definition is a new version."""
    doc = documents.check_indicators(located)
    owner = None
    if doc.owner is not None:
        owner = _organisation(located, ("indicators", "owner"), doc.owner)
        actor.require(owner, because="indicators it keeps")
    elif not actor.internal:
        raise NotPermitted("national indicator definitions are loaded from the command line")
    else:
        actor.require_any([], because="national indicators")
    serialise("outcomes:indicators")
    document = _document(
        actor,
        DefinitionDocument.Kind.INDICATORS,
        doc.name,
        located,
        text,
        doc.provenance,
        doc.illustrative,
    )
    loaded = _save_definitions(doc.definitions, owner, document, located, "indicators")
    actor.record("indicators", str(document.pk), f"Loaded {doc.name}: {loaded.describe()}")
    return loaded


@dataclass
class FrameworkLoaded:
    framework: Framework
    version: FrameworkVersion
    created: bool
    unchanged: bool
    indicators: Loaded


@action("outcomes.load_framework", permission=Permission.MANAGE_OUTCOMES)
def load_framework(actor: Actor, located: Located, text: str) -> FrameworkLoaded:
    """Load a system's outcomes framework as a new version (the same text again changes
    nothing)."""
    doc = documents.check_framework(located)
    system = System.objects.filter(slug=doc.system).first()
    if system is None:
        raise DocumentError([located.problem(("framework", "system"), f"no system '{doc.system}'")])
    owner = _organisation(located, ("framework", "owner"), doc.owner)
    keepers = stewards(system)
    if owner not in keepers:
        raise DocumentError(
            [
                located.problem(
                    ("framework", "owner"),
                    f"{owner} does not look after {system.name}: the framework's owner is one "
                    "of the system's NHS commissioners or councils",
                )
            ]
        )
    actor.require(owner, because=f"the outcomes framework of {system.name}")
    own = {d.code for d in doc.definitions}
    used = [
        (i, j, u.indicator) for i, o in enumerate(doc.outcomes) for j, u in enumerate(o.indicators)
    ]
    known = set(
        Indicator.objects.filter(code__in=[c for *_, c in used]).values_list("code", flat=True)
    )
    missing = [
        located.problem(
            ("framework", "outcomes", i, "indicators", j, "indicator"),
            f"no indicator '{code}': define it under definitions, or load the catalogue that "
            "defines it first",
        )
        for i, j, code in used
        if code not in own and code not in known
    ]
    if missing:
        raise DocumentError(missing)
    serialise(f"outcomes:framework:{system.slug}:{doc.code}")
    framework, created = Framework.objects.get_or_create(
        system=system, code=doc.code, defaults={"name": doc.name}
    )
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if framework.version is not None and framework.version.document.sha256 == sha:
        return FrameworkLoaded(
            framework,
            framework.version,
            False,
            True,
            Loaded(framework.version.document, [], [], []),
        )
    document = _document(
        actor,
        DefinitionDocument.Kind.FRAMEWORK,
        doc.name,
        located,
        text,
        doc.provenance,
        doc.illustrative,
    )
    loaded = _save_definitions(doc.definitions, owner, document, located, "framework")
    number = (framework.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = FrameworkVersion.objects.create(
        framework=framework, number=number, document=document, description=doc.description
    )
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=[c for *_, c in used])}
    for i, o in enumerate(doc.outcomes):
        outcome = Outcome.objects.create(
            version=version, code=o.code, name=o.name, description=o.description, position=i
        )
        OutcomeIndicator.objects.bulk_create(
            OutcomeIndicator(
                outcome=outcome, indicator=indicators[u.indicator], target=u.target, position=j
            )
            for j, u in enumerate(o.indicators)
        )
    framework.name = doc.name
    framework.version = version
    framework.save()
    actor.record(
        "framework",
        str(framework.pk),
        f"Loaded version {number} of {doc.name} for {system.name}: {len(doc.outcomes)} outcomes; "
        + loaded.describe(),
    )
    return FrameworkLoaded(framework, version, created, False, loaded)


# Data ------------------------------------------------------------------------------------------


def system_areas(system: System, on: date | None = None) -> list[compute.SystemArea]:
    """A system's areas with the practices beneath each (its own and its descendants'), as the
    registry holds them on the date: the areas a value can be summed for."""
    on = on or date.today()
    areas = list(system.areas.filter(in_force(on, starts=None)))
    by_id = {a.pk: a for a in areas}
    own: dict[int, set[str]] = {a.pk: set() for a in areas}
    for area_id, code in (
        AreaPractice.objects.filter(area__in=areas)
        .filter(in_force(on))
        .values_list("area_id", "practice__code")
    ):
        own[area_id].add(code)
    children: dict[int, list[int]] = {}
    for a in areas:
        if a.parent_id in by_id:
            children.setdefault(a.parent_id, []).append(a.pk)

    def beneath(pk: int, seen: frozenset[int] = frozenset()) -> set[str]:
        found = set(own[pk])
        for child in children.get(pk, []):
            if child not in seen:
                found |= beneath(child, seen | {pk})
        return found

    # A neighbourhood is a PCN, whose value the QOF roll-up already gives by its ODS code; a
    # council's area holds no practices of its own.
    types = {Level.SYSTEM: "System", Level.PLACE: "Place"}
    result = []
    for a in areas:
        level = Level(a.level)
        if level not in types:
            continue
        practices = beneath(a.pk)
        if not practices:
            continue
        parent = by_id.get(a.parent_id) if a.parent_id else None
        result.append(
            compute.SystemArea(
                key=area_key(system, a),
                name=a.name,
                area_type=types[level],
                parent_key=area_key(system, parent) if parent else "",
                parent_name=parent.name if parent else "",
                practices=tuple(sorted(practices)),
            )
        )
    return result


def area_key(system: System, area: Area) -> str:
    return f"{system.slug}.{area.code}"


@dataclass
class Computed:
    indicators: int
    rows: int
    systems: int


@action("outcomes.compute_qof", internal_only=True)
def compute_qof(actor: Actor, data_dir: str | Path) -> Computed:
    """Every QOF prevalence indicator's values, for every practice in England, its roll-ups and
    every system's own areas, replacing the values the last computation wrote."""
    indicators = list(Indicator.objects.exclude(qof_register=""))
    if not indicators:
        raise Refused(
            "no indicator is computed from QOF registers: load the QOF definitions first "
            "(commonweal load-indicators)"
        )
    registers = [compute.Register(i.pk, i.qof_register, i.qof_list_type) for i in indicators]
    counts = compute.practice_counts(Path(data_dir), registers)
    systems = list(System.objects.all())
    areas = [a for s in systems for a in system_areas(s)]
    values = compute.qof_values(counts, areas)
    serialise("outcomes:values")
    written = store.replace_frame(
        [i.pk for i in indicators],
        values,
        {
            "period": compute.QOF_PERIOD,
            "period_sortable": compute.QOF_SORTABLE,
            "source": QOF_SOURCE,
            "computed_trend": "Cannot be calculated",
        },
        where={"source": QOF_SOURCE},
    )
    actor.record(
        "values",
        QOF_SOURCE,
        f"Computed {QOF_SOURCE} prevalence for {len(indicators)} indicators: {written:,} values "
        f"(practices, PCNs, CCGs, STPs, regions, England and {len(areas)} areas of "
        f"{len(systems)} systems)",
    )
    return Computed(len(indicators), written, len(systems))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@action("outcomes.recompute_system_values", permission=Permission.MANAGE_OUTCOMES)
def recompute_system_values(actor: Actor, system: System) -> int:
    """A system's own areas' QOF values (its places and the system) worked out again from the
    practice values already stored, where they are stored: the database sums each area's
    practices (`commonweal.stats.from_sql`) and only the per-area totals come back for the
    intervals. For after its networks are assigned to other places, without reading the QOF
    files again."""
    from django.db import connection

    from commonweal import stats

    actor.require_any(stewards(system), because=f"{system.name}'s outcomes")
    indicators = list(Indicator.objects.exclude(qof_register=""))
    practices = Value.objects.filter(source=QOF_SOURCE, area_type="GP practice")
    if not indicators or not practices.exists():
        raise Conflict("no QOF practice values are stored yet: run commonweal import-outcomes")
    areas = {a.key: a for a in system_areas(system)}
    members = [(key, p) for key, a in areas.items() for p in a.practices]
    if not members:
        raise Conflict(f"{system.name} has no places with practices to sum")
    table = Value._meta.db_table
    rows = ", ".join(f"({_literal(k)}, {_literal(p)})" for k, p in members)
    ids = ", ".join(str(i.pk) for i in indicators)
    # The practices are summed into each area in the database; an area whose register would
    # exceed its list (a data error) is left for the QOF computation to explain.
    query = (
        f"WITH m(area_code, practice) AS (VALUES {rows}) "
        f'SELECT v.indicator_id AS indicator_id, m.area_code AS area_code, sum(v."count") AS "count", '
        f"sum(v.denominator) AS denominator FROM {table} v JOIN m ON v.area_code = m.practice "
        f"WHERE v.source = {_literal(QOF_SOURCE)} AND v.area_type = 'GP practice' "
        f'AND v.indicator_id IN ({ids}) AND v."count" IS NOT NULL AND v.denominator IS NOT NULL '
        f"GROUP BY v.indicator_id, m.area_code "
        f'HAVING sum(v."count") <= sum(v.denominator) AND sum(v.denominator) > 0'
    )
    totals = stats.proportion(
        stats.from_sql(query, connection),
        "count",
        "denominator",
        ["indicator_id", "area_code"],
        multiplier=100,
        type="standard",
    )
    used = {
        (i, code)
        for i, code in practices.filter(
            area_code__in={p for _, p in members}, count__isnull=False
        ).values_list("indicator_id", "area_code")
    }
    england = dict(
        Value.objects.filter(source=QOF_SOURCE, area_type="England").values_list(
            "indicator_id", "value"
        )
    )
    list_types = {i.pk: i.qof_list_type for i in indicators}
    totals["indicator_id"] = totals["indicator_id"].astype(int)
    totals["area_type"] = [areas[k].area_type for k in totals["area_code"]]
    totals = compute._compare(totals, {int(k): float(v or 0) for k, v in england.items()})
    frame = totals.rename(
        columns={
            "lower95_0cl": "lower95",
            "upper95_0cl": "upper95",
            "lower99_8cl": "lower998",
            "upper99_8cl": "upper998",
        }
    )
    frame["area_name"] = [areas[k].name for k in frame["area_code"]]
    frame["parent_code"] = [areas[k].parent_key for k in frame["area_code"]]
    frame["parent_name"] = [areas[k].parent_name for k in frame["area_code"]]
    frame["age"] = [compute.AGES.get(list_types[i], "All ages") for i in frame["indicator_id"]]
    frame["practices"] = [
        sorted(p for p in areas[k].practices if (i, p) in used)
        for i, k in zip(frame["indicator_id"], frame["area_code"], strict=True)
    ]
    frame["value_note"] = ""
    serialise("outcomes:values")
    written = store.replace_frame(
        [i.pk for i in indicators],
        frame.drop(columns=["benchmark"]),
        {
            "period": compute.QOF_PERIOD,
            "period_sortable": compute.QOF_SORTABLE,
            "source": QOF_SOURCE,
            "computed_trend": "Cannot be calculated",
        },
        where={"source": QOF_SOURCE, "area_code__in": list(areas)},
    )
    actor.record(
        "values",
        f"{QOF_SOURCE}:{system.slug}",
        f"Worked out {system.name}'s {len(areas)} areas again from the stored practice values, "
        f"in the database: {written:,} values",
    )
    return written


# Fingertips files -------------------------------------------------------------------------------


@dataclass
class Imported:
    rows: int
    indicators: list[str]


def _problem(filename: str, line: int, column: str, message: str) -> Problem:
    return Problem(column, message, filename, line)


@action("outcomes.import_fingertips", permission=Permission.MANAGE_OUTCOMES)
def import_fingertips(
    actor: Actor, filename: str, data: bytes, *, max_rows: int = fingertips.MAX_ROWS
) -> Imported:
    """Read a Fingertips file whole, then replace the values of each (indicator, area type,
    period) it gives. Every Indicator ID must be an indicator's Fingertips ID (or, for one of
    ours, its code); a file of more than `max_rows` rows is refused.

    Beyond what `fingertips.read` checks: no two rows give the same value of one indicator
    (named by its Fingertips ID on one and its code on another); a proportion's count is not
    above its denominator; and codes of a system's own areas (`area_key`) are loaded only by
    those who look after the system."""
    try:
        table = fingertips.read(data, filename, max_rows=max_rows)
    except fingertips.FingertipsError as exc:
        raise DocumentError(
            [_problem(filename, p.line, p.column, p.message) for p in exc.problems]
        ) from None
    ids = sorted({r.indicator_id for r in table.rows})
    # An indicator is named by its Fingertips ID, or (for one of ours written out by
    # export-fingertips) by its code.
    indicators = {
        i.fingertips_id: i
        for i in Indicator.objects.filter(fingertips_id__in=ids).select_related("owner")
    }
    indicators.update(
        {
            i.code: i
            for i in Indicator.objects.filter(
                code__in=[x for x in ids if x not in indicators]
            ).select_related("owner")
        }
    )
    problems = []
    first_line: dict[str, int] = {}
    for n, r in zip(table.lines, table.rows, strict=True):
        first_line.setdefault(r.indicator_id, n)
    for fid in ids:
        if fid not in indicators:
            problems.append(
                _problem(
                    filename,
                    first_line[fid],
                    "Indicator ID",
                    f"no indicator has the Fingertips ID {fid}: define it (with fingertips_id) "
                    "before loading its data",
                )
            )
    if problems:
        raise DocumentError(problems)
    _check_values(filename, table, indicators)
    owners = {i.owner for i in indicators.values()}
    if None in owners and not actor.internal:
        national = sorted(i.code for i in indicators.values() if i.owner is None)
        raise Refused(
            f"the file holds national indicators ({', '.join(national)}): their data is loaded "
            "from the command line"
        )
    for owner in owners:
        if owner is None:
            actor.require_any([], because="national indicators")
        else:
            actor.require(owner, because="indicators it keeps")
    _check_system_areas(actor, filename, table)
    serialise("outcomes:values")
    rows = []
    for r in table.rows:
        indicator = indicators[r.indicator_id]
        rows.append(
            {
                "indicator_id": indicator.pk,
                "area_code": r.area_code,
                "area_name": r.area_name,
                "area_type": rules.area_type(r.area_type),
                "area_type_label": r.area_type,
                "indicator_name": r.indicator_name,
                "parent_code": r.parent_code,
                "parent_name": r.parent_name,
                "sex": r.sex,
                "age": r.age,
                "category_type": r.category_type,
                "category": r.category,
                "period": r.time_period,
                "period_sortable": r.time_period_sortable,
                "period_range": r.time_period_range,
                "value": r.value,
                "lower95": r.lower95,
                "upper95": r.upper95,
                "lower998": r.lower998,
                "upper998": r.upper998,
                "count": r.count,
                "denominator": r.denominator,
                "value_note": r.value_note,
                "recent_trend": r.recent_trend,
                "compared95": _comparison(r.compared_to_england, indicator.polarity),
                "compared998": _comparison(r.compared_to_england, indicator.polarity),
                "compared_england": r.compared_to_england,
                "compared_parent": r.compared_to_parent,
                "parent_label": table.parent_label,
                "new_data": r.new_data,
                "compared_to_goal": r.compared_to_goal,
                "source": f"{FINGERTIPS_SOURCE} {filename}"[:100],
            }
        )
    # A release replaces what it covers: the same indicator, area and period. What it does
    # not cover stays, and counts towards the recent trend of the breakdowns it continues.
    covered = {(row["indicator_id"], row["area_code"], row["period"]) for row in rows}
    stale, earlier = [], []
    for v in Value.objects.filter(indicator_id__in=[i.pk for i in indicators.values()]).values(
        "pk", *TREND_KEY, "period", "period_sortable", "count", "denominator"
    ):
        if (v["indicator_id"], v["area_code"], v["period"]) in covered:
            stale.append(v["pk"])
        else:
            earlier.append(v)
    _check_lengths(filename, rows, table.lines)
    _fill_trends(rows, earlier, {i.pk: i for i in indicators.values()})
    for start in range(0, len(stale), 5000):
        Value.objects.filter(pk__in=stale[start : start + 5000]).delete()
    written = store.replace([], rows, where={})
    codes = sorted(i.code for i in indicators.values())
    actor.record(
        "values",
        filename[:100],  # an uploaded file's name may be up to 255 characters
        f"Imported {written:,} values of {', '.join(codes)} from the Fingertips file {filename}",
    )
    return Imported(written, codes)


def _check_values(filename: str, table: fingertips.Table, indicators: dict[str, Indicator]) -> None:
    """No two rows are the same value of one indicator (which the database would refuse
    half-way), and no proportion counts more than its denominator."""
    problems: list[Problem] = []
    first: dict[tuple[Any, ...], tuple[int, str]] = {}
    for line, r in zip(table.lines, table.rows, strict=True):
        indicator = indicators[r.indicator_id]
        # The fields of the database's unique constraint one_value.
        key = (indicator.pk, r.area_code, r.sex, r.age, r.category_type, r.category, r.time_period)
        if key in first:
            earlier, named = first[key]
            names = (
                f"{indicator.code}, named {named} there and {r.indicator_id} here"
                if named != r.indicator_id
                else indicator.code
            )
            problems.append(
                _problem(
                    filename,
                    line,
                    "Indicator ID",
                    f"line {line} repeats line {earlier}: the same indicator ({names}), area, "
                    "sex, age, category and time period",
                )
            )
        else:
            first[key] = (line, r.indicator_id)
        if (
            indicator.method == "proportion"
            and r.count is not None
            and r.denominator is not None
            and r.count > r.denominator
        ):
            problems.append(
                _problem(
                    filename,
                    line,
                    "Count",
                    f"{fingertips.format_number(r.count)} is more than the denominator "
                    f"{fingertips.format_number(r.denominator)}, which a proportion's count "
                    f"cannot be ({indicator.code} is a proportion)",
                )
            )
        if len(problems) >= fingertips.MAX_PROBLEMS:
            break
    if problems:
        raise DocumentError(problems)


def _check_system_areas(actor: Actor, filename: str, table: fingertips.Table) -> None:
    """A code of a system's own area ("<system slug>.<area code>", as `area_key` makes them)
    only from those who may steward the system, or the command line: anyone else's values
    would show on that system's pages as its own."""
    if actor.internal:
        return
    columns = (("Area Code", "area_code"), ("Parent Code", "parent_code"))
    prefixes = {
        code.partition(".")[0].lower()
        for r in table.rows
        for _, attribute in columns
        if "." in (code := getattr(r, attribute))
    }
    if not prefixes:
        return
    barred = {
        s.slug.lower(): s
        for s in System.objects.filter(slug__in=prefixes)
        if not any(actor.holds(Permission.MANAGE_OUTCOMES, org) for org in stewards(s))
    }
    problems: list[Problem] = []
    for line, r in zip(table.lines, table.rows, strict=True):
        for column, attribute in columns:
            code = getattr(r, attribute)
            system = barred.get(code.partition(".")[0].lower()) if "." in code else None
            if system is not None:
                problems.append(
                    _problem(
                        filename,
                        line,
                        column,
                        f"{code} is an area of {system.name}: only analysts of the "
                        "organisations that look after it may load values for its areas",
                    )
                )
        if len(problems) >= fingertips.MAX_PROBLEMS:
            break
    if problems:
        raise DocumentError(problems)


# Which Fingertips column each stored text comes from, to name it when it is too long.
COLUMN_OF = {
    "area_code": "Area Code",
    "area_name": "Area Name",
    "area_type": "Area Type",
    "area_type_label": "Area Type",
    "indicator_name": "Indicator Name",
    "parent_code": "Parent Code",
    "parent_name": "Parent Name",
    "sex": "Sex",
    "age": "Age",
    "category_type": "Category Type",
    "category": "Category",
    "period": "Time period",
    "period_sortable": "Time period Sortable",
    "period_range": "Time period range",
    "value_note": "Value note",
    "recent_trend": "Recent Trend",
    "compared_england": "Compared to England value or percentiles",
    "compared_parent": "Compared to the parent value or percentiles",
    "parent_label": "Compared to the parent value or percentiles",
    "new_data": "New data",
    "compared_to_goal": "Compared to goal",
}


def _check_lengths(filename: str, rows: list[dict[str, Any]], lines: Sequence[int]) -> None:
    """Every text fits its column (the database would refuse it half-way otherwise)."""
    limits: dict[str, int] = {
        name: int(getattr(Value._meta.get_field(name), "max_length", 0) or 0) for name in COLUMN_OF
    }
    problems = []
    for line, row in zip(lines, rows, strict=True):
        for name, limit in limits.items():
            text = row.get(name) or ""
            if len(text) > limit:
                problems.append(
                    _problem(filename, line, COLUMN_OF[name], f"is longer than {limit} characters")
                )
                if len(problems) >= 100:
                    raise DocumentError(problems)
    if problems:
        raise DocumentError(problems)


TREND_KEY = ("indicator_id", "area_code", "sex", "age", "category_type", "category")


def _fill_trends(
    rows: list[dict[str, Any]], earlier: list[dict[str, Any]], indicators: dict[int, Indicator]
) -> None:
    """Each breakdown's latest row, if the file brings it, gets the recent trend (chi-squared
    test for trend on its last five points, with the points already held) where the file gives
    none; a trend the file gives is kept as given."""
    series: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in earlier:
        series.setdefault(tuple(row[k] for k in TREND_KEY), []).append(row)
    new = {id(row) for row in rows}
    for row in rows:
        series.setdefault(tuple(row[k] for k in TREND_KEY), []).append(row)
    for key, points in series.items():
        points.sort(key=lambda r: (r["period_sortable"], r["period"]))
        latest = points[-1]
        if id(latest) not in new or latest["recent_trend"]:
            continue
        indicator = indicators[key[0]]
        found = trend.recent_trend(
            [r["count"] for r in points],
            [r["denominator"] for r in points],
            method=indicator.method,
            polarity=indicator.polarity,
        )
        latest["computed_trend"] = found.label


def _comparison(words: str, polarity: str) -> str:
    """Fingertips' comparison with England, stored without polarity: "Better" where low is
    good is "Lower". (Fingertips compares at the indicator's own level; the file gives one.)"""
    text = words.strip().lower()
    if text in ("higher", "lower", "similar"):
        return text.capitalize()
    if text in ("better", "worse"):
        good_is_high = polarity != "low_is_good"
        return "Higher" if (text == "better") == good_is_high else "Lower"
    return "Not compared"


# Series and rebases ------------------------------------------------------------------------------


@action("outcomes.record_rebase", permission=Permission.MANAGE_OUTCOMES)
def record_rebase(
    actor: Actor, system: System, series: Series, period: date, reason: str
) -> Rebase:
    """Record a change in the process at a period: the chart's limits start again there."""
    actor.require_any(stewards(system), because=f"the SPC charts of {system.name}")
    reason = reason.strip()
    if not reason:
        raise Refused.at("reason", "say why the process changed (a rebase is never automatic)")
    if len(reason) > 2000:
        raise Refused.at("reason", "keep the reason under 2,000 characters")
    if not series.points.filter(period=period, value__isnull=False).exists():
        raise Refused.at("period", f"{series.name} has no value for {long_date(period)}")
    first = series.points.filter(value__isnull=False).order_by("period").first()
    if first is not None and first.period == period:
        raise Refused.at("period", "the first point of a series cannot start a new segment")
    serialise(f"outcomes:rebase:{series.pk}:{system.pk}")
    if Rebase.objects.filter(series=series, system=system, period=period).exists():
        raise Refused.at("period", f"a rebase is already recorded at {long_date(period)}")
    rebase = Rebase.objects.create(
        series=series,
        system=system,
        period=period,
        reason=reason,
        recorded_by=actor.person,
        recorded_by_label=actor.label,
    )
    actor.record(
        "series",
        series.code,
        f"Recorded a rebase of {series.name} at {long_date(period)}: {reason}",
    )
    return rebase


def series_of(code: str) -> Series:
    series = Series.objects.filter(code=code).first()
    if series is None:
        raise NotFound(f"no series '{code}'")
    return series
