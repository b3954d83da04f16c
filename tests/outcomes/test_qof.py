"""QOF 2020/21 prevalence computed from the real files, checked against sums made here with the
csv module (never with the compute module): every Devon PCN and register, England, the
comparisons with England, Devon's places from the practices of the networks the registry places
under them, the practice whose register is larger than its list, and the number of rows.

The set-up (registry import, Devon's PCNs and places, the catalogue, the computation) runs
once for the module inside a transaction that is rolled back at the end, so nothing it writes
reaches other modules; each test runs in a savepoint of its own."""

import csv
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml
from django.db import transaction

from commonweal import stats
from commonweal.core.models import in_force
from commonweal.outcomes import actions
from commonweal.outcomes.models import Indicator, Value
from commonweal.registry.actions import add_pcns, assign_networks
from commonweal.registry.models import AreaPractice, System

from ..factories import needs_data
from .conftest import CL, FRAMEWORK, PCN_PLACES, QOF_DEFINITIONS, load_framework_text

pytestmark = [needs_data, pytest.mark.django_db]

TOLERANCE = 1e-9
SOURCE = "QOF 2020/21"


@dataclass
class Setup:
    data_dir: Path
    computed: actions.Computed
    # (register, list type) -> practice -> (register count, list size)
    counts: dict[tuple[str, str], dict[str, tuple[int, int]]]
    mapping: dict[str, dict[str, str]]  # practice -> its mapping row


@pytest.fixture(scope="module")
def qof(real_data, _session_universe, django_db_blocker):
    """Devon's PCNs and places, the catalogue and framework, and QOF computed: once."""
    with django_db_blocker.unblock(), transaction.atomic():
        cl = CL()
        devon = System.objects.get(slug="devon-2019")
        add_pcns(cl, devon, "15N", parent="wider-devon")
        assign_networks(cl, PCN_PLACES)
        located, text = actions.read_document(QOF_DEFINITIONS)
        actions.load_indicators(cl, located, text)
        load_framework_text(cl, FRAMEWORK.read_text(), FRAMEWORK.name)
        computed = actions.compute_qof(cl, real_data)
        counts, mapping = read_files(real_data)
        yield Setup(real_data, computed, counts, mapping)
        transaction.set_rollback(True)


def read_files(data_dir: Path):
    """The practice file and the mapping, read with the csv module."""
    counts: dict[tuple[str, str], dict[str, tuple[int, int]]] = defaultdict(dict)
    with (data_dir / "qof-2020-21" / "PREVALENCE_2021_v2.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            key = (row["GROUP_CODE"], row["PATIENT_LIST_TYPE"])
            assert row["PRACTICE_CODE"] not in counts[key], "one row per practice and register"
            counts[key][row["PRACTICE_CODE"]] = (
                int(row["REGISTER"]),
                int(row["PRACTICE_LIST_SIZE"]),
            )
    with (data_dir / "qof-2020-21" / "MAPPING_NHS_GEOGRAPHIES_2021.csv").open(newline="") as f:
        mapping = {row["PRACTICE_CODE"]: row for row in csv.DictReader(f)}
    return counts, mapping


def expected(sums: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """stats.proportion (per 100) of summed counts, by key."""
    frame = pd.DataFrame(
        [(k, x, n) for k, (x, n) in sums.items()], columns=["key", "x", "n"]
    ).astype({"x": float, "n": float})
    return stats.proportion(frame, "x", "n", group_by="key", multiplier=100).set_index("key")


def total(counts: dict[str, tuple[int, int]], practices) -> tuple[int, int]:
    found = [counts[p] for p in practices if p in counts]
    return sum(x for x, _ in found), sum(n for _, n in found)


def stored(indicator: Indicator, area_type: str) -> dict[str, Value]:
    return {
        v.area_code: v
        for v in Value.objects.filter(indicator=indicator, area_type=area_type, source=SOURCE)
    }


def assert_figures(value: Value, row: pd.Series, x: int, n: int) -> None:
    assert (value.count, value.denominator) == (x, n)
    for mine, theirs in (
        (value.value, row["value"]),
        (value.lower95, row["lower95_0cl"]),
        (value.upper95, row["upper95_0cl"]),
        (value.lower998, row["lower99_8cl"]),
        (value.upper998, row["upper99_8cl"]),
    ):
        assert mine is not None and math.isclose(mine, theirs, rel_tol=0, abs_tol=TOLERANCE), (
            value.area_code,
            mine,
            theirs,
        )


def qof_indicators() -> list[Indicator]:
    return list(Indicator.objects.exclude(qof_register="").order_by("code"))


def england_of(qof: Setup, i: Indicator) -> tuple[int, int]:
    practices = qof.counts[i.qof_register, i.qof_list_type]
    return total(practices, [p for p in practices if p in qof.mapping])


# The checks -----------------------------------------------------------------------------------


def test_the_21_registers_were_computed(qof):
    indicators = qof_indicators()
    # The national catalogue's 21, and the Devon framework's own reading of the obesity
    # register (low is good): 22 indicators over the 21 registers.
    assert len(indicators) == 22 == qof.computed.indicators
    registers = {(i.qof_register, i.qof_list_type) for i in indicators}
    assert len(registers) == 21 and registers == set(qof.counts)


def test_every_devon_pcn_and_register_is_the_sum_of_its_practices(qof):
    devon_pcns = {r["PCN_ODS_CODE"] for r in qof.mapping.values() if r["CCG_ODS_CODE"] == "15N"}
    assert len(devon_pcns) == 31
    members: dict[str, list[str]] = defaultdict(list)
    for practice, row in qof.mapping.items():
        if row["PCN_ODS_CODE"] in devon_pcns:
            members[row["PCN_ODS_CODE"]].append(practice)
    indicators = {i.pk: i for i in qof_indicators()}
    # Every (indicator, PCN) summed here, then one call of the statistics for them all.
    sums = {
        (pk, pcn): total(qof.counts[i.qof_register, i.qof_list_type], practices)
        for pk, i in indicators.items()
        for pcn, practices in members.items()
    }
    want = expected({f"{pk}/{pcn}": xn for (pk, pcn), xn in sums.items()})
    englands = expected({str(pk): england_of(qof, i) for pk, i in indicators.items()})
    want["benchmark"] = [englands.loc[k.split("/")[0], "value"] for k in want.index]
    compared = stats.compare_to_benchmark(want.reset_index(), "benchmark").set_index("key")
    checked = 0
    for v in Value.objects.filter(area_type="PCN", area_code__in=devon_pcns, source=SOURCE):
        key = f"{v.indicator_id}/{v.area_code}"
        assert_figures(v, want.loc[key], *sums[v.indicator_id, v.area_code])
        assert (v.compared95, v.compared998) == (
            compared.loc[key, "comparison95_0"],
            compared.loc[key, "comparison99_8"],
        )
        assert v.period == "2020/21" and v.sex == "Persons"
        assert v.parent_code in {qof.mapping[p]["CCG_ODS_CODE"] for p in members[v.area_code]}
        checked += 1
    assert checked == 31 * len(indicators)
    # The comparisons are not all alike: the check compared something.
    assert len(set(compared["comparison95_0"])) > 1


def test_england_is_the_national_sum(qof):
    for indicator in qof_indicators():
        x, n = england_of(qof, indicator)
        (v,) = stored(indicator, "England").values()
        assert v.area_code == "E92000001"
        assert_figures(v, expected({"E92000001": (x, n)}).loc["E92000001"], x, n)


def place_practices(devon: System, place_code: str) -> set[str]:
    place = devon.areas.get(code=place_code)
    networks = devon.areas.filter(level="neighbourhood", parent=place)
    return set(
        AreaPractice.objects.filter(area__in=networks)
        .filter(in_force(date.today()))
        .values_list("practice__code", flat=True)
    )


def test_a_place_is_the_sum_of_the_practices_of_its_networks(qof, devon):
    places = list(yaml.safe_load(PCN_PLACES.read_text())["networks"]["places"])
    assert places == ["north", "east", "south", "west"]
    hyp = Indicator.objects.get(qof_register="HYP")
    members = {code: place_practices(devon, code) for code in places}
    assert all(members.values()), "every place has practices through its networks"
    every: set[str] = set()
    for indicator in qof_indicators():
        counts = qof.counts[indicator.qof_register, indicator.qof_list_type]
        values = stored(indicator, "Place")
        assert len(values) == len(places)
        sums, used = {}, {}
        for code in places:
            used[code] = sorted(members[code] & set(counts))
            sums[code] = total(counts, members[code])
        want = expected(sums)
        for code in places:
            v = values[f"devon-2019.{code}"]
            assert v.practices == used[code]
            assert v.parent_code == "devon-2019.wider-devon"
            assert_figures(v, want.loc[code], *sums[code])
            every |= set(used[code])
        if indicator == hyp:
            (system,) = stored(indicator, "System").values()
            assert system.area_code == "devon-2019.wider-devon"
            assert system.practices == sorted(every)
            x, n = total(counts, every)
            assert_figures(system, expected({"s": (x, n)}).loc["s"], x, n)
    # The places' practices are Devon's PCNs' practices in the mapping, give or take the
    # practices that have joined or left since 2021.
    devon_2021 = {p for p, r in qof.mapping.items() if r["CCG_ODS_CODE"] == "15N"}
    assert len(every & devon_2021) > 0.9 * len(devon_2021)


def test_a_register_larger_than_the_list_has_no_value_and_says_why(qof):
    ld = Indicator.objects.get(qof_register="LD")
    x, n = qof.counts["LD", "TOTAL"]["Y05750"]
    assert x > n, "the file's Y05750 has more on its LD register than on its list"
    v = Value.objects.get(indicator=ld, area_code="Y05750", source=SOURCE)
    assert v.area_type == "GP practice"
    assert v.value is None and v.lower95 is None and v.upper998 is None
    assert (v.count, v.denominator) == (x, n)
    assert "larger than the list" in v.value_note
    assert v.compared95 == "Not compared"
    # Its other registers have values.
    af = Value.objects.get(indicator__qof_register="AF", area_code="Y05750", source=SOURCE)
    assert af.value is not None and not af.value_note


def test_every_practice_has_a_value_as_the_file_gives_it(qof):
    af = Indicator.objects.get(qof_register="AF")
    values = stored(af, "GP practice")
    counts = qof.counts["AF", "TOTAL"]
    assert set(values) == set(counts)
    sample = sorted(counts)[::500]
    want = expected({p: counts[p] for p in sample})
    for p in sample:
        assert_figures(values[p], want.loc[p], *counts[p])


def test_the_number_of_rows_is_the_indicators_times_the_areas(qof):
    n = len(qof_indicators())  # the 21 registers, and Devon's own obesity reading
    practices = {p for key in qof.counts.values() for p in key}
    assert practices <= set(qof.mapping)
    levels = {
        column: {qof.mapping[p][column] for p in practices}
        for column in ("PCN_ODS_CODE", "CCG_ODS_CODE", "STP_ODS_CODE", "REGION_ODS_CODE")
    }
    # Practices in no network ("U", unallocated) are not rolled up as if "U" were a PCN.
    levels["PCN_ODS_CODE"].discard("U")
    places = yaml.safe_load(PCN_PLACES.read_text())["networks"]["places"]
    system_areas = len(places) + 1  # Devon's places and the system; SEL has no PCNs
    roll_ups = sum(len(codes) for codes in levels.values()) + 1  # and England
    expected_rows = n * (len(practices) + roll_ups + system_areas)
    assert qof.computed.rows == expected_rows
    assert Value.objects.filter(source=SOURCE).count() == expected_rows
    by_type = {
        t: Value.objects.filter(source=SOURCE, area_type=t).count()
        for t in ("GP practice", "PCN", "CCG", "STP", "Region", "England", "Place", "System")
    }
    assert by_type == {
        "GP practice": n * len(practices),
        "PCN": n * len(levels["PCN_ODS_CODE"]),
        "CCG": n * len(levels["CCG_ODS_CODE"]),
        "STP": n * len(levels["STP_ODS_CODE"]),
        "Region": n * len(levels["REGION_ODS_CODE"]),
        "England": n,
        "Place": n * len(places),
        "System": n,
    }


def test_a_network_across_ccgs_sits_in_the_ccg_of_most_of_its_practices_and_u_is_no_network(qof):
    from collections import Counter

    by_pcn: dict[str, Counter[str]] = {}
    for row in qof.mapping.values():
        by_pcn.setdefault(row["PCN_ODS_CODE"], Counter())[row["CCG_ODS_CODE"]] += 1
    spanning = {pcn: ccgs for pcn, ccgs in by_pcn.items() if len(ccgs) > 1 and pcn != "U"}
    assert spanning, "the 2021 mapping has networks across CCGs"
    af = Indicator.objects.get(qof_register="AF")
    for pcn, ccgs in spanning.items():
        [(most, n)] = ccgs.most_common(1)
        if list(ccgs.values()).count(n) > 1:
            continue  # a tie: either CCG is right
        assert Value.objects.get(indicator=af, area_code=pcn).parent_code == most, pcn
    assert not Value.objects.filter(area_type="PCN", area_code="U").exists()
    unallocated = [p for p, r in qof.mapping.items() if r["PCN_ODS_CODE"] == "U"]
    assert unallocated
    assert set(
        Value.objects.filter(indicator=af, area_code__in=unallocated).values_list(
            "parent_code", flat=True
        )
    ) == {""}


def test_a_systems_areas_worked_out_again_in_the_database_agree(qof):
    """The place and system values summed from the stored practice values inside the database
    (PostgreSQL in CI's second run, SQLite here) are the ones the QOF computation wrote."""
    devon = System.objects.get(slug="devon-2019")
    fields = ["value", "lower95", "upper95", "lower998", "upper998", "count", "denominator"]
    mine = Value.objects.filter(source=SOURCE, area_code__startswith="devon-2019.")
    before = {
        (v["indicator_id"], v["area_code"]): v
        for v in mine.values("indicator_id", "area_code", "compared95", "practices", *fields)
    }
    assert len(before) > 20
    written = actions.recompute_system_values(CL(), devon)
    after = {
        (v["indicator_id"], v["area_code"]): v
        for v in mine.values("indicator_id", "area_code", "compared95", "practices", *fields)
    }
    assert written == len(after) and set(after) == set(before)
    for key, old in before.items():
        new = after[key]
        for f in fields:
            assert math.isclose(new[f], old[f], rel_tol=TOLERANCE), (key, f, new[f], old[f])
        assert new["compared95"] == old["compared95"] and new["practices"] == old["practices"]
