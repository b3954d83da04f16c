"""The outcomes pages on the real data, signed in and public: the framework, an indicator for
each type of area, profiles (a PCN, a place, England with its population pyramid), SPC series
and the Fingertips import; every figure checked against sums made here from the files or
against `commonweal.stats` called here, and small counts withheld on every public surface.

The set-up (registry, Devon's PCNs and places, the catalogues and framework, every outcomes
file) runs once for the module, through the actions, inside a transaction rolled back at the
end; each test runs in a savepoint of its own.
"""

import csv
import io
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from django.db import transaction

from commonweal import stats
from commonweal.core.actions import Actor
from commonweal.outcomes import actions, data, fingertips, presenters
from commonweal.outcomes.models import Indicator, Rebase, Series, Value
from commonweal.registry.actions import add_pcns, assign_networks
from commonweal.registry.models import System

from ..factories import EXAMPLES, needs_data

pytestmark = [needs_data, pytest.mark.django_db]

BASE = "/systems/devon-2019/outcomes/"
PUBLIC = "/public" + BASE
HYP = "qof-hyp-prevalence"
SMOKING = "smoking-prevalence-adults"
SMOKING_ID = "92443"
PCN = "U50322"  # Barnstaple Alliance PCN
PLACE = "devon-2019.north"
ENGLAND = "E92000001"
SERIES = "ae-rh8-four-hour"
# The trusts the Devon system's area names as providers.
DEVON_TRUSTS = ("RA9", "RBZ", "RH8", "RK9")
PRACTICES = "GP%20practice"
FIGURE_HEADER = [
    "Area code",
    "Area name",
    "Area type",
    "Period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Compared to England",
    "Value note",
]
SUPPRESSED = "Value suppressed for disclosure control: the count is below 5"


@dataclass
class Loaded:
    data_dir: Path
    framework_codes: list[str]


@pytest.fixture(scope="module")
def loaded(real_data, _session_universe, django_db_blocker):
    """Devon's PCNs and places, the shipped catalogue, the Devon framework and every outcomes
    file in the data directory: once for the module, rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        cl = Actor.command_line()
        devon = System.objects.get(slug="devon-2019")
        add_pcns(cl, devon, "15N", parent="wider-devon")
        assign_networks(cl, EXAMPLES / "devon-2019-pcn-places.yaml")
        data.load_shipped(cl)
        done = actions.load_framework(
            cl, *actions.read_document(EXAMPLES / "devon-2019-outcomes.yaml")
        )
        data.import_all(cl, real_data)
        codes = [
            m.indicator.code
            for o in done.version.outcomes.order_by("position")
            for m in o.measures.order_by("position")
        ]
        # Spreads are kept by the highest value id, which a rolled-back test can reuse.
        presenters._spread.cache_clear()
        yield Loaded(real_data, codes)
        transaction.set_rollback(True)
    presenters._spread.cache_clear()


@pytest.fixture
def analyst(client, universe, loaded):
    client.force_login(universe.accounts["analyst-15n"])
    return client


# Reading pages ---------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: "Node | None"):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        return " ".join(self._text().split())

    def _text(self) -> str:
        if self.tag == "br":
            return " "
        return "".join(c if isinstance(c, str) else c._text() for c in self.children)

    def matches(self, tag: str | None, attrs: dict[str, str]) -> bool:
        """The tag, and each attribute's value (`class_` names one of the classes)."""
        if tag is not None and self.tag != tag:
            return False
        for key, value in attrs.items():
            if key == "class_":
                if value not in self.attrs.get("class", "").split():
                    return False
            elif self.attrs.get(key) != value:
                return False
        return True

    def all(self, tag: str | None = None, **attrs: str) -> list["Node"]:
        found = []
        for c in self.children:
            if isinstance(c, Node):
                if c.matches(tag, attrs):
                    found.append(c)
                found += c.all(tag, **attrs)
        return found

    def one(self, tag: str | None = None, **attrs: str) -> "Node":
        found = self.all(tag, **attrs)
        assert len(found) == 1, (tag, attrs, len(found))
        return found[0]


class Tree(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.at = self.root
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.at)
        self.at.children.append(node)
        if tag not in VOID:
            self.at = node

    def handle_startendtag(self, tag, attrs):
        self.at.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.at))

    def handle_endtag(self, tag):
        node = self.at
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.at = node.parent

    def handle_data(self, data):
        self.at.children.append(data)


def page(response) -> Node:
    assert response.status_code == 200, (response.status_code, response.content[:1000])
    return Tree(response.content.decode()).root


def table(doc: Node, caption_id: str) -> list[list[str]]:
    """The body rows of the table whose caption has the id, as cell texts."""
    for t in doc.all("table"):
        if any(c.attrs.get("id") == caption_id for c in t.all("caption")):
            return [
                [cell.text() for cell in row.children if isinstance(cell, Node)]
                for body in t.all("tbody")
                for row in body.all("tr")
            ]
    raise AssertionError(f"no table captioned #{caption_id}")


def links(doc: Node) -> dict[str, str]:
    """href → text of every link in the main content."""
    main = doc.one("main")
    return {a.attrs["href"]: a.text() for a in main.all("a") if "href" in a.attrs}


def chart(doc: Node, element_id: str) -> Node:
    """A chart drawn on the server: an SVG with role=img, titled."""
    svgs = [s for s in doc.all("svg") if s.all("title", id=f"{element_id}-title")]
    assert len(svgs) == 1, f"no chart {element_id}"
    svg = svgs[0]
    assert svg.attrs.get("role") == "img"
    assert svg.one("title").text()
    return svg


def rows_of(response) -> tuple[list[str], list[list[str]]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment")
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    return header, rows


# The files, read here with the csv module ---------------------------------------------------


def qof_counts(data_dir: Path, group: str, list_type: str) -> dict[str, tuple[int, int]]:
    """practice → (register, list size) for one register."""
    found = {}
    with (data_dir / "qof-2020-21" / "PREVALENCE_2021_v2.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            if row["GROUP_CODE"] == group and row["PATIENT_LIST_TYPE"] == list_type:
                found[row["PRACTICE_CODE"]] = (int(row["REGISTER"]), int(row["PRACTICE_LIST_SIZE"]))
    return found


def qof_mapping(data_dir: Path) -> dict[str, dict[str, str]]:
    with (data_dir / "qof-2020-21" / "MAPPING_NHS_GEOGRAPHIES_2021.csv").open(newline="") as f:
        return {row["PRACTICE_CODE"]: row for row in csv.DictReader(f)}


def spc_of(series: Series, rebase_at=None):
    """The series' present points and stats.spc on their values, here."""
    present = [p for p in series.points.order_by("period") if p.value is not None]
    cuts = [i for i, p in enumerate(present) if p.period == rebase_at] if rebase_at else []
    result = stats.spc(
        [float(p.value) for p in present],
        improvement=series.improvement,
        target=series.target,
        rebase=cuts,
    )
    return present, result.points


def label(point_type: str, rule) -> str:
    return point_type + (f" ({rule})" if isinstance(rule, str) and rule else "")


def month(d) -> str:
    return d.strftime("%b %Y")


# The pages answer --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("area_type", "caption", "rows"),
    [
        ("System", "The system of Wider Devon (2019)", 1),
        ("Place", "Places of Wider Devon (2019)", 4),
        ("PCN", "Primary care networks of Wider Devon (2019)", 31),
        ("GP practice", "GP practices of Wider Devon (2019)", None),
    ],
)
def test_an_indicator_page_for_each_type_of_area(analyst, loaded, area_type, caption, rows):
    doc = page(analyst.get(f"{BASE}indicators/{HYP}/", {"area_type": area_type}))
    assert doc.one("caption", id="values-caption").text() == caption
    shown = table(doc, "values-caption")
    if rows is not None:
        assert len(shown) == rows
    else:
        assert len(shown) > 100
    assert all(r[2] != "–" and r[4].endswith("%") for r in shown), "each area has a value"
    # The funnel: the places on the places' view, the practices otherwise.
    chart(doc, "funnel-chart")
    assert doc.one("select", id="area_type").one("option", selected="").attrs["value"] == area_type


def test_the_framework_page_lists_every_indicator_and_area(analyst, loaded):
    doc = page(analyst.get(BASE))
    found = links(doc)
    for code in loaded.framework_codes:
        assert f"{BASE}indicators/{code}/" in found, code
    assert len(loaded.framework_codes) == 24
    profiles = {h for h in found if h.startswith(f"{BASE}profiles/")}
    # The system, its four places and its 31 PCNs.
    assert len(profiles) == 1 + 4 + 31
    assert f"{BASE}profiles/{PCN}/" in profiles and f"{BASE}profiles/{PLACE}/" in profiles
    assert f"{BASE}import/" in found, "an analyst may import"
    # The system's value for hypertension: Σ register / Σ list of Devon's practices.
    rows = table(doc, "outcome-ltc-found-early")
    hyp = next(r for r in rows if r[0].startswith("Hypertension"))
    counts = qof_counts(loaded.data_dir, "HYP", "TOTAL")
    practices = Value.objects.get(
        indicator__code=HYP, area_code="devon-2019.wider-devon", source="QOF 2020/21"
    ).practices
    x = sum(counts[p][0] for p in practices if p in counts)
    n = sum(counts[p][1] for p in practices if p in counts)
    assert hyp[2] == f"{100 * x / n:.1f}%"


def test_every_link_of_the_public_outcomes_pages_answers(client, loaded):
    """From the public framework page, a PCN's and a place's profiles: each outcomes link
    (indicators, profiles, the series) answers 200, and none leads to a signed-in page."""
    seen: set[str] = set()
    for start in (PUBLIC, f"{PUBLIC}profiles/{PCN}/", f"{PUBLIC}profiles/{PLACE}/"):
        for href in links(page(client.get(start))):
            assert not href.startswith(BASE), f"{start} links to the signed-in {href}"
            if href.startswith(PUBLIC) and href not in seen:
                seen.add(href)
                response = client.get(href)
                assert response.status_code == 200, (start, href, response.status_code)
    assert len(seen) > 60


def test_a_pcn_profile(analyst, loaded):
    doc = page(analyst.get(f"{BASE}profiles/{PCN}/"))
    assert doc.one("h1").text() == "Barnstaple Alliance PCN"
    spine = chart(doc, "spine-chart")
    assert "Barnstaple Alliance PCN" in spine.one("title").text() + spine.one("desc").text()
    rows = table(doc, "spine-caption")
    assert len(rows) == 24
    # Hypertension: the register summed over the network's practices in QOF's own mapping.
    counts = qof_counts(loaded.data_dir, "HYP", "TOTAL")
    members = [p for p, r in qof_mapping(loaded.data_dir).items() if r["PCN_ODS_CODE"] == PCN]
    x = sum(counts[p][0] for p in members if p in counts)
    n = sum(counts[p][1] for p in members if p in counts)
    hyp = next(r for r in rows if r[0].startswith("Hypertension"))
    assert hyp[2] == f"{x:,}" and hyp[3] == f"{100 * x / n:.1f}%"
    # No age breakdown is loaded for a Devon network: said, and no pyramid drawn.
    assert "No population breakdown by age and sex is loaded for Barnstaple Alliance PCN" in (
        doc.text()
    )
    assert not [t for t in doc.all("title") if t.attrs.get("id") == "pyramid-chart-title"]
    # The network's practices are listed with their profiles.
    listed = {h.split("/")[-2] for h in links(doc) if h.startswith(f"{BASE}profiles/")}
    listed.discard("15N")  # the network's commissioner, which it is part of
    assert listed == set(members) & set(counts)


def test_a_place_profile(analyst, loaded):
    doc = page(analyst.get(f"{BASE}profiles/{PLACE}/"))
    assert doc.one("h1").text() == "North Devon"
    chart(doc, "spine-chart")
    rows = table(doc, "spine-caption")
    assert len(rows) == 24
    # The place's practices: those of the five networks the example puts in the north (by
    # today's memberships, so a practice may have been in another network in 2020/21).
    north = {"U50322", "U21059", "U66785", "U41591", "U91913"}
    mapping = qof_mapping(loaded.data_dir)
    in_2021 = {p for p, r in mapping.items() if r["PCN_ODS_CODE"] in north}
    listed = {
        h.split("/")[-2]
        for h in links(doc)
        if h.startswith(f"{BASE}profiles/") and not h.startswith(f"{BASE}profiles/devon-2019.")
    }
    # (Holsworthy, Bude's network crosses into Cornwall: not every practice is the CCG's.)
    assert len(listed & in_2021) >= 0.9 * len(in_2021) and len(listed) < 1.1 * len(in_2021)
    counts = qof_counts(loaded.data_dir, "HYP", "TOTAL")
    x = sum(counts[p][0] for p in listed if p in counts)
    n = sum(counts[p][1] for p in listed if p in counts)
    hyp = next(r for r in rows if r[0].startswith("Hypertension"))
    assert hyp[2] == f"{x:,}" and hyp[3] == f"{100 * x / n:.1f}%"


def test_englands_profile_has_its_population_pyramid(analyst, loaded):
    doc = page(analyst.get(f"{BASE}profiles/{ENGLAND}/"))
    chart(doc, "pyramid-chart")
    # The latest estimate (not a projection) in the ONS file, read here.
    people: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
    path = loaded.data_dir / "population" / "mye_projections_se_england.csv"
    with path.open(newline="") as f:
        for r in csv.DictReader(f):
            if (
                r["Area_Code"] == ENGLAND
                and r["Age_band_type"] == "5 years"
                and not r["Data_type"].startswith("Projected")
            ):
                people[int(r["Year"])][(r["Age_group"].removesuffix(" years"), r["Sex"])] = int(
                    r["Population"]
                )
    year = max(people)
    caption = doc.one("caption", id="pyramid-caption").text()
    assert caption == f"Population by age band, mid-{year}"
    rows = table(doc, "pyramid-caption")
    expected = people[year]
    assert len(rows) == len(expected) // 2 == 19
    total = sum(expected.values())
    for age, males, females, male_pc, female_pc in rows:
        assert males == f"{expected[age, 'Male']:,}" and females == f"{expected[age, 'Female']:,}"
        assert male_pc == f"{100 * expected[age, 'Male'] / total:.1f}"
        assert female_pc == f"{100 * expected[age, 'Female'] / total:.1f}"
    assert rows[0][0] == "0-4" and rows[-1][0] == "90+"


def test_a_series_page_and_the_series_list(analyst, loaded):
    doc = page(analyst.get(f"{BASE}series/"))
    listed = {h for h in links(doc) if h.startswith(f"{BASE}series/")}
    assert f"{BASE}series/{SERIES}/" in listed
    doc = page(analyst.get(f"{BASE}series/{SERIES}/"))
    chart(doc, "spc-chart")
    icons = doc.one("div", class_="cw-icons").all("svg")
    assert icons and all(i.attrs.get("role") == "img" and i.one("title").text() for i in icons)


# Refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("base", [BASE, PUBLIC])
def test_a_bad_area_type_is_a_400_naming_it(analyst, base):
    response = analyst.get(f"{base}indicators/{HYP}/", {"area_type": "Ward"})
    assert response.status_code == 400
    text = Tree(response.content.decode()).root.one("main").text()
    assert "area_type" in text and "'Ward'" in text and "GP practice" in text


@pytest.mark.parametrize("base", [BASE, PUBLIC])
@pytest.mark.parametrize(
    "path",
    [
        "indicators/no-such-indicator/",
        "profiles/Z99999/",
        "profiles/devon-2019.nowhere/",
        "series/ae-zzz-four-hour/",
    ],
)
def test_what_is_not_there_is_a_404(analyst, base, path):
    assert analyst.get(base + path).status_code == 404


def test_an_unknown_system_is_a_404(analyst):
    assert analyst.get("/systems/nowhere/outcomes/").status_code == 404
    assert analyst.get("/public/systems/nowhere/outcomes/").status_code == 404


# Downloads ---------------------------------------------------------------------------------------


def test_the_indicator_csv(analyst, loaded):
    header, rows = rows_of(
        analyst.get(f"{BASE}indicators/{HYP}/", {"area_type": "Place", "format": "csv"})
    )
    assert header == FIGURE_HEADER
    assert [r[0] for r in rows] == [
        "devon-2019.east",
        "devon-2019.north",
        "devon-2019.south",
        "devon-2019.west",
        ENGLAND,
    ]
    counts = qof_counts(loaded.data_dir, "HYP", "TOTAL")
    mapping = qof_mapping(loaded.data_dir)
    england = [counts[p] for p in counts if p in mapping]
    x, n = sum(c for c, _ in england), sum(d for _, d in england)
    assert float(rows[-1][9]) == x and float(rows[-1][10]) == n
    for r in rows:
        value, lower, upper, count, denominator = (float(r[i]) for i in (4, 5, 6, 9, 10))
        assert math.isclose(value, 100 * count / denominator, rel_tol=1e-12)
        assert lower < value < upper
        assert r[3] == "2020/21"
    assert {r[11] for r in rows[:-1]} == {"Higher"} and rows[-1][11] == "Not compared"


def test_the_profile_and_series_csvs(analyst, loaded):
    header, rows = rows_of(analyst.get(f"{BASE}profiles/{PCN}/", {"format": "csv"}))
    assert header == [
        "Outcome",
        "Indicator",
        *FIGURE_HEADER,
        "England value",
        "Worst",
        "25th",
        "75th",
        "Best",
    ]
    assert len(rows) == 24
    assert {r[2] for r in rows} == {PCN}
    hyp = next(r for r in rows if r[1].startswith("Hypertension"))
    counts = qof_counts(loaded.data_dir, "HYP", "TOTAL")
    mapping = qof_mapping(loaded.data_dir)
    england = [counts[p] for p in counts if p in mapping]
    assert math.isclose(
        float(hyp[15]), 100 * sum(x for x, _ in england) / sum(n for _, n in england)
    )
    # Neither high nor low is good: from the lowest to the highest of England's PCNs.
    assert float(hyp[16]) <= float(hyp[17]) <= float(hyp[18]) <= float(hyp[19])
    assert float(hyp[16]) <= float(hyp[6]) <= float(hyp[19])

    series = Series.objects.get(code=SERIES)
    header, rows = rows_of(analyst.get(f"{BASE}series/{SERIES}/", {"format": "csv"}))
    assert header == [
        "Month",
        "Value",
        "Mean",
        "Lower process limit",
        "Upper process limit",
        "Point type",
        "Rule",
    ]
    present, points = spc_of(series)
    assert [r[0] for r in rows] == [p.period.isoformat() for p in series.points.order_by("period")]
    by_month = {p.period.isoformat(): i for i, p in enumerate(present)}
    for r in rows:
        i = by_month[r[0]]
        assert r[5] == points["point_type"].iloc[i]
        assert math.isclose(float(r[2]), points["mean"].iloc[i])
        assert math.isclose(float(r[3]), points["lpl"].iloc[i])
        assert math.isclose(float(r[4]), points["upl"].iloc[i])


# The funnel plot ----------------------------------------------------------------------------------


def test_the_practices_funnel_labels_each_practice_as_stats_does(analyst, loaded):
    doc = page(analyst.get(f"{BASE}indicators/{HYP}/", {"area_type": "GP practice"}))
    # The practices the page lists, by their profile links.
    practices = {}
    for row in doc.one("caption", id="values-caption").parent.one("tbody").all("tr"):
        a = row.one("a")
        practices[a.attrs["href"].split("/")[-2]] = a.text()
    counts = qof_counts(loaded.data_dir, "HYP", "TOTAL")
    mapping = qof_mapping(loaded.data_dir)
    england = [counts[p] for p in counts if p in mapping]
    p0 = sum(x for x, _ in england) / sum(n for _, n in england)
    shown = [p for p in practices if p in counts and counts[p][1] > 0]
    frame = pd.DataFrame(
        {
            "code": shown,
            "x": [float(counts[p][0]) for p in shown],
            "n": [float(counts[p][1]) for p in shown],
        }
    )
    frame = stats.funnel_significance(frame, "x", "n", "proportion", baseline=p0)
    expected = Counter(
        (practices[c], f"{n:,.0f}", f"{100 * x / n:.1f}", s)
        for c, x, n, s in frame[["code", "x", "n", "significance"]].itertuples(index=False)
    )
    rows = table(doc, "funnel-caption")
    assert Counter(tuple(r) for r in rows) == expected
    assert len(rows) > 100
    # The outliers beyond the 99.8% limits are named above the chart.
    outliers = sorted(
        practices[c]
        for c, s in zip(frame["code"], frame["significance"], strict=True)
        if s.endswith("(0.001)")
    )
    assert outliers
    paragraph = next(p.text() for p in doc.all("p") if p.text().startswith("Each practice's value"))
    named = paragraph.split("Beyond the 99.8% limits: ", 1)[1].removesuffix(".")
    assert sorted(named.split("; ")) == outliers
    chart(doc, "funnel-chart")


# SPC -----------------------------------------------------------------------------------------------


def spc_table(doc: Node) -> list[list[str]]:
    return table(doc, "spc-caption")


def test_each_devon_trust_series_is_charted_as_stats_does(analyst, loaded):
    special = []
    devon_series = Series.objects.filter(organisation_code__in=DEVON_TRUSTS).order_by("code")
    assert devon_series.count() >= 6
    for series in devon_series:
        doc = page(analyst.get(f"{BASE}series/{series.code}/"))
        present, points = spc_of(series)
        expected = {
            month(p.period): label(
                points["point_type"].iloc[i], points["special_cause_rule"].iloc[i]
            )
            for i, p in enumerate(present)
        }
        rows = spc_table(doc)
        assert len(rows) == series.points.count()
        for r in rows:
            assert r[5] == expected.get(r[0], "Gap"), (series.code, r)
        special += [(series.code, m) for m, t in expected.items() if t.startswith("special cause")]
    assert special, "some Devon trust's series has a point of special cause variation"
    assert any(code == SERIES for code, _ in special)


def test_an_analyst_records_a_rebase_and_the_limits_start_again(analyst, loaded):
    series = Series.objects.get(code=SERIES)
    before = page(analyst.get(f"{BASE}series/{SERIES}/"))
    means = {r[2] for r in spc_table(before)}
    assert len(means) == 1, "one segment: one mean"
    at = series.points.order_by("period")[20].period
    response = analyst.post(
        f"{BASE}series/{SERIES}/",
        {"period": at.isoformat(), "reason": "Streaming at the front door began"},
    )
    assert response.status_code == 302 and response["Location"] == f"{BASE}series/{SERIES}/"
    rebase = Rebase.objects.get(series=series)
    assert rebase.period == at and rebase.reason == "Streaming at the front door began"
    doc = page(analyst.get(f"{BASE}series/{SERIES}/"))
    assert "Streaming at the front door began" in doc.text()
    present, points = spc_of(series, rebase_at=at)
    rows = spc_table(doc)
    assert [r[0] for r in rows] == [month(p.period) for p in present], "no gaps"
    cut = next(i for i, r in enumerate(rows) if r[0] == month(at))
    for p, r in enumerate(rows):
        assert r[2] == f"{points['mean'].iloc[p]:.1f}"
        assert r[3] == f"{points['lpl'].iloc[p]:.1f}" and r[4] == f"{points['upl'].iloc[p]:.1f}"
        assert r[5] == label(points["point_type"].iloc[p], points["special_cause_rule"].iloc[p])
    # The limits change at the month recorded, and only there.
    limits = [(r[2], r[3], r[4]) for r in rows]
    assert len(set(limits[:cut])) == 1 and len(set(limits[cut:])) == 1
    assert limits[cut - 1] != limits[cut]


def test_a_commissioner_may_not_record_a_rebase(client, universe, loaded):
    client.force_login(universe.accounts["commissioner-15n"])
    series = Series.objects.get(code=SERIES)
    at = series.points.order_by("period")[20].period
    response = client.post(f"{BASE}series/{SERIES}/", {"period": at.isoformat(), "reason": "No"})
    assert response.status_code == 403
    assert not Rebase.objects.filter(series=series).exists()
    # Nor is the form offered.
    assert not page(client.get(f"{BASE}series/{SERIES}/")).all("textarea")


def test_a_rebase_without_a_reason_is_a_400_with_the_error_on_the_field(analyst, loaded):
    series = Series.objects.get(code=SERIES)
    at = series.points.order_by("period")[20].period
    response = analyst.post(f"{BASE}series/{SERIES}/", {"period": at.isoformat(), "reason": ""})
    assert response.status_code == 400
    doc = Tree(response.content.decode()).root
    summary = doc.one("div", class_="nhsuk-error-summary")
    assert [a.attrs["href"] for a in summary.all("a")] == ["#id_reason"]
    textarea = doc.one("textarea", id="id_reason")
    described = textarea.attrs["aria-describedby"].split()
    error = next(
        n for n in doc.all("span", class_="nhsuk-error-message") if n.attrs.get("id") in described
    )
    assert "Enter why the process changed" in error.text()
    assert doc.one("head").one("title").text().startswith("Error:")
    assert not Rebase.objects.filter(series=series).exists()


# Fingertips files ------------------------------------------------------------------------------


def smoking_row(code: str, name: str, pcn: str, count: float, n: float, **kw) -> fingertips.Row:
    p = 100 * count / n
    return fingertips.Row(
        indicator_id=SMOKING_ID,
        indicator_name="Smoking Prevalence in adults (18+) - current smokers (APS)",
        parent_code=pcn,
        parent_name=kw.get("pcn_name", "Barnstaple Alliance PCN"),
        area_code=code,
        area_name=name,
        area_type=kw.get("area_type", "GPs"),
        sex="Persons",
        age="18+ yrs",
        category_type="",
        category="",
        time_period="2019",
        value=p,
        lower95=kw.get("lower95", p * 0.8),
        upper95=kw.get("upper95", p * 1.2),
        lower998=kw.get("lower998", p * 0.7),
        upper998=kw.get("upper998", p * 1.3),
        count=count,
        denominator=n,
        value_note="",
        recent_trend="",
        compared_to_england=kw.get("compared", "Similar"),
        compared_to_parent="Similar",
        time_period_sortable="20190000",
        new_data="",
        compared_to_goal="",
    )


def smoking_file(rows: list[fingertips.Row]) -> bytes:
    return fingertips.write(fingertips.Table(tuple(rows), "PCNs", False))


def barnstaple(loaded) -> list[tuple[str, str]]:
    """Two of the network's practices, (code, name), as the registry names them."""
    return list(
        Value.objects.filter(parent_code=PCN, area_type="GP practice", indicator__code=HYP)
        .order_by("area_code")
        .values_list("area_code", "area_name")[:2]
    )


def upload(client, name: str, body: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"{BASE}import/", {"file": SimpleUploadedFile(name, body, content_type="text/csv")}
    )


def test_a_good_fingertips_file_loads(analyst, loaded):
    (a, a_name), (b, b_name) = barnstaple(loaded)
    body = smoking_file(
        [smoking_row(a, a_name, PCN, 250, 1000), smoking_row(b, b_name, PCN, 120, 800)]
    )
    indicator = Indicator.objects.get(code=SMOKING)
    assert indicator.owner.code == "15N" and indicator.fingertips_id == SMOKING_ID
    response = upload(analyst, "smoking.csv", body)
    assert response.status_code == 302 and response["Location"] == BASE
    stored = {v.area_code: v for v in Value.objects.filter(indicator=indicator)}
    assert set(stored) == {a, b}
    assert (stored[a].count, stored[a].denominator, stored[a].value) == (250, 1000, 25.0)
    assert stored[a].area_type == "GP practice"
    doc = page(analyst.get(f"{BASE}indicators/{SMOKING}/", {"area_type": "GP practice"}))
    rows = {r[0]: r for r in table(doc, "values-caption")}
    assert rows[a_name][2:5] == ["250", "1,000", "25.0%"]
    assert rows[b_name][2:5] == ["120", "800", "15.0%"]


def test_a_bad_fingertips_file_is_a_400_naming_its_line_and_column(analyst, loaded):
    (a, a_name), (b, b_name) = barnstaple(loaded)
    good = smoking_file(
        [smoking_row(a, a_name, PCN, 250, 1000), smoking_row(b, b_name, PCN, 120, 800)]
    )
    lines = good.decode().splitlines(keepends=True)
    # Line 3 (the second value): its count is not a number.
    lines[2] = lines[2].replace(",120,", ",many,", 1)
    assert ",many," in lines[2]
    before = Value.objects.count()
    response = upload(analyst, "smoking.csv", "".join(lines).encode())
    assert response.status_code == 400
    doc = Tree(response.content.decode()).root
    problems = doc.one("div", id="problems").all("li")
    assert problems
    assert any(p.text().startswith("Line 3, Count") for p in problems), [p.text() for p in problems]
    assert Value.objects.count() == before
    assert not Value.objects.filter(indicator__code=SMOKING).exists()


def test_a_fingertips_export_imports_and_exports_again_the_same(analyst, loaded):
    (a, a_name), (b, b_name) = barnstaple(loaded)
    body = smoking_file(
        [smoking_row(a, a_name, PCN, 250, 1000), smoking_row(b, b_name, PCN, 120, 800)]
    )
    assert upload(analyst, "smoking.csv", body).status_code == 302
    address = f"{BASE}indicators/{SMOKING}/"
    first = analyst.get(address, {"area_type": "GP practice", "format": "fingertips"})
    assert first.status_code == 200 and first["Content-Type"].startswith("text/csv")
    assert first.content == body, "what came in goes out"
    assert upload(analyst, "export.csv", first.content).status_code == 302
    second = analyst.get(address, {"area_type": "GP practice", "format": "fingertips"})
    assert second.content == first.content
    assert Value.objects.filter(indicator__code=SMOKING).count() == 2


# Small numbers -------------------------------------------------------------------------------------

SMALL = (3.0, 7.0)  # count, denominator: 42.857…%
SMALL_LIMITS = {"lower95": 15.82, "upper95": 74.95, "lower998": 8.31, "upper998": 85.12}


@pytest.fixture
def small(loaded):
    """A count of 3 for one of Barnstaple's practices (and 250 for another), loaded from a
    Fingertips file of the framework's smoking indicator."""
    (a, a_name), (b, b_name) = barnstaple(loaded)
    body = smoking_file(
        [
            smoking_row(a, a_name, PCN, *SMALL, compared="Worse", **SMALL_LIMITS),
            smoking_row(b, b_name, PCN, 250, 1000),
        ]
    )
    actions.import_fingertips(Actor.command_line(), "small.csv", body)
    presenters._spread.cache_clear()
    return a, a_name


def test_a_small_count_is_withheld_on_the_public_pages_and_downloads(client, small, universe):
    code, name = small
    value = 100 * SMALL[0] / SMALL[1]
    secret = [f"{value:.1f}", "15.8", "74.9", "75.0", "8.3", "85.1"]

    # The practice's public profile.
    doc = page(client.get(f"{PUBLIC}profiles/{code}/"))
    row = next(r for r in table(doc, "spine-caption") if r[0].startswith("Smoking"))
    assert SUPPRESSED in row[0]
    # Period, count, value, interval, England, worst, best, comparison.
    assert row[2:5] == ["–", "–", "–"] and row[8] == "Not compared"
    assert not set(secret) & set(row), row
    assert "Counts below 5 are withheld" in doc.text()
    spine = chart(doc, "spine-chart")
    assert f"{value:.1f}" not in spine.text()

    # The public indicator page for GP practices.
    doc = page(client.get(f"{PUBLIC}indicators/{SMOKING}/", {"area_type": "GP practice"}))
    row = next(r for r in table(doc, "values-caption") if r[0].startswith(name))
    assert SUPPRESSED in row[0]
    assert row[2] == "–" and row[4:7] == ["–", "–", "Not compared"]
    assert row[3] == "7"
    assert not set(secret) & set(row), row
    assert "Counts below 5 are withheld" in doc.text()

    # Its downloads, in both layouts, and the profile's.
    _, rows = rows_of(
        client.get(f"{PUBLIC}indicators/{SMOKING}/", {"area_type": "GP practice", "format": "csv"})
    )
    row = next(r for r in rows if r[0] == code)
    assert row[4:10] == ["", "", "", "", "", ""] and row[11] == "Not compared"
    assert row[12] == SUPPRESSED
    response = client.get(
        f"{PUBLIC}indicators/{SMOKING}/", {"area_type": "GP practice", "format": "fingertips"}
    )
    rows_of(response)
    mine = next(
        r for r in fingertips.read(response.content, "public.csv").rows if r.area_code == code
    )
    assert (mine.value, mine.lower95, mine.upper95, mine.lower998, mine.upper998, mine.count) == (
        None,
        None,
        None,
        None,
        None,
        None,
    )
    assert mine.value_note == SUPPRESSED and mine.compared_to_england == "Not compared"
    _, rows = rows_of(client.get(f"{PUBLIC}profiles/{code}/", {"format": "csv"}))
    row = next(r for r in rows if r[1].startswith("Smoking"))
    assert row[6:12] == ["", "", "", "", "", ""] and row[14] == SUPPRESSED
    for response in (
        client.get(f"{PUBLIC}indicators/{SMOKING}/", {"area_type": "GP practice", "format": "csv"}),
        client.get(
            f"{PUBLIC}indicators/{SMOKING}/", {"area_type": "GP practice", "format": "fingertips"}
        ),
        client.get(f"{PUBLIC}profiles/{code}/", {"format": "csv"}),
    ):
        text = response.content.decode()
        assert "42.857" not in text and "15.82" not in text and "74.95" not in text

    # Signed in, it is all there.
    client.force_login(universe.accounts["analyst-15n"])
    doc = page(client.get(f"{BASE}profiles/{code}/"))
    row = next(r for r in table(doc, "spine-caption") if r[0].startswith("Smoking"))
    assert SUPPRESSED not in row[0]
    assert row[2:5] == ["3", f"{value:.1f}%", "15.8 to 75.0"]
    doc = page(client.get(f"{BASE}indicators/{SMOKING}/", {"area_type": "GP practice"}))
    row = next(r for r in table(doc, "values-caption") if r[0].startswith(name))
    assert row[2:7] == ["3", "7", f"{value:.1f}%", "15.8 to 75.0", "Worse"]
    _header, rows = rows_of(
        client.get(f"{BASE}indicators/{SMOKING}/", {"area_type": "GP practice", "format": "csv"})
    )
    row = next(r for r in rows if r[0] == code)
    assert float(row[9]) == 3 and math.isclose(float(row[4]), value)


def test_a_withheld_value_is_not_the_worst_or_best_of_the_public_spine(client, small, universe):
    """The spine's worst and best are the values of other areas: with a withheld value among
    them, they would show it (here, the only other practice's value stands alone)."""
    code, _ = small
    doc = page(client.get(f"{PUBLIC}profiles/{code}/"))
    row = next(r for r in table(doc, "spine-caption") if r[0].startswith("Smoking"))
    assert row[6:8] == ["25.0", "25.0"], row
    _header, rows = rows_of(client.get(f"{PUBLIC}profiles/{code}/", {"format": "csv"}))
    row = next(r for r in rows if r[1].startswith("Smoking"))
    assert [float(x) for x in row[-4:]] == [25.0, 25.0, 25.0, 25.0]
    # Signed in, the spread covers both practices (low is good: worst is the highest).
    client.force_login(universe.accounts["analyst-15n"])
    doc = page(client.get(f"{BASE}profiles/{code}/"))
    row = next(r for r in table(doc, "spine-caption") if r[0].startswith("Smoking"))
    assert row[6:8] == [f"{100 * SMALL[0] / SMALL[1]:.1f}", "25.0"], row


def test_a_kept_profile_shows_new_values_once_they_arrive(client, loaded):
    """The profile's body is kept per data stamp: a release of values shows at once, without
    waiting for the kept page to lapse."""
    (a, a_name), (b, b_name) = barnstaple(loaded)
    address = f"{PUBLIC}profiles/{a}/"

    def smoking_row_of(doc):
        return next(r for r in table(doc, "spine-caption") if r[0].startswith("Smoking"))

    assert smoking_row_of(page(client.get(address)))[1] == "No data"
    assert page(client.get(address)).text() == page(client.get(address)).text()
    body = smoking_file(
        [smoking_row(a, a_name, PCN, 250, 1000), smoking_row(b, b_name, PCN, 120, 800)]
    )
    actions.import_fingertips(Actor.command_line(), "smoking.csv", body)
    assert smoking_row_of(page(client.get(address)))[2:4] == ["250", "25.0%"]
