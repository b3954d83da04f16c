"""ODS and QOF importers: on the real files where present, and on broken files made here."""

import csv
from datetime import date

import openpyxl
import pytest

from commonweal.core.documents import DocumentError
from commonweal.core.models import AuditEvent, Organisation
from commonweal.registry import importers
from commonweal.registry.actions import add_pcns
from commonweal.registry.models import ListSize, NetworkMembership, Succession
from commonweal.registry.structure import structure_on

from ..factories import needs_data


def epraccur_row(
    code,
    name="A PRACTICE",
    commissioner="15N",
    opened="19740401",
    closed="",
    status="A",
    setting="4",
):
    row = [""] * 27
    row[0], row[1], row[9], row[10], row[11], row[12], row[14], row[25] = (
        code,
        name,
        "EX1 1AA",
        opened,
        closed,
        status,
        commissioner,
        setting,
    )
    return row


def counts():
    return (
        Organisation.objects.count(),
        NetworkMembership.objects.count(),
        ListSize.objects.count(),
        AuditEvent.objects.count(),
    )


def write_csv(path, rows):
    with path.open("w", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL).writerows(rows)
    return path


def write_epcn(path, details, members):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "PCNDetails"
    sheet.append(
        [
            "PCN Code",
            "PCN Name",
            "Current Sub ICB Loc Code",
            "Sub ICB Location",
            "Open Date",
            "Close Date",
            "Address Line 1",
            "Address Line 2",
            "Address Line 3",
            "Address Line 4",
            "Address Line 5",
            "Postcode",
        ]
    )
    for row in details:
        sheet.append(row)
    sheet = book.create_sheet("PCN Core Partner Details")
    sheet.append(
        [
            "Partner\nOrganisation\nCode",
            "Partner\nName",
            "Practice\nParent\nSub ICB Loc Code",
            "Practice\nParent\nSub ICB Loc Name",
            "PCN Code",
            "PCN Name",
            "PCN Parent\nSub ICB Loc Code",
            "PCN Parent\nSub ICB Loc Name",
            "Practice to PCN\nRelationship\nStart Date",
            "Practice to PCN\nRelationship\nEnd Date",
        ]
    )
    for row in members:
        sheet.append(row)
    book.save(path)
    return path


@pytest.mark.django_db
def test_epraccur_imports_gp_practices_only(actor, tmp_path):
    path = write_csv(
        tmp_path / "epraccur.csv",
        [
            epraccur_row("ZZ9001", "RIVERSIDE SURGERY"),
            epraccur_row("ZZ9002", "OLD SURGERY", closed="20200331", status="C"),
            epraccur_row("ZZ9999", "OUT OF HOURS", setting="10"),
        ],
    )
    events = AuditEvent.objects.filter(action="registry.import_epraccur").count()
    result = importers.import_epraccur(actor, path)
    assert (result.rows, result.created) == (3, 2)
    assert result.skipped == {"not a GP practice: prescribing setting is not 4": 1}
    riverside = Organisation.objects.get(code="ZZ9001")
    assert riverside.name == "Riverside Surgery" and riverside.kind == "gp_practice"
    assert riverside.commissioner.code == "15N" and riverside.opened == date(1974, 4, 1)
    assert Organisation.objects.get(code="ZZ9002").closed == date(2020, 3, 31)
    assert not Organisation.objects.filter(code="ZZ9999").exists()
    # A second import updates in place.
    again = importers.import_epraccur(actor, path)
    assert (again.created, again.updated) == (0, 2)
    assert AuditEvent.objects.filter(action="registry.import_epraccur").count() == events + 2


@pytest.mark.django_db
def test_a_bad_epraccur_row_names_its_line_and_field_and_writes_nothing(actor, tmp_path):
    path = write_csv(
        tmp_path / "epraccur.csv",
        [
            epraccur_row("L83001"),
            epraccur_row("L83002", opened="1974-04-01"),
            epraccur_row("", status="X"),
            ["too", "short"],
        ],
    )
    before = counts()
    with pytest.raises(DocumentError) as caught:
        importers.import_epraccur(actor, path)
    problems = [str(p) for p in caught.value.problems]
    assert problems == [
        "epraccur.csv:2: open date (field 11): '1974-04-01' is not a date in the form YYYYMMDD",
        "epraccur.csv:3: organisation code (field 1): is empty",
        "epraccur.csv:3: status (field 13): 'X' is not A, C, D or P",
        "epraccur.csv:4: has 2 fields; the epraccur layout has 27",
    ]
    assert counts() == before


@pytest.mark.django_db
def test_epcn_imports_networks_and_memberships(actor, tmp_path):
    # A commissioner the session's example systems do not hold, so its placeholder is made here.
    path = write_epcn(
        tmp_path / "ePCN.xlsx",
        [
            [
                "UZZ001",
                "SEA VIEW PCN",
                "Z9Z",
                "NHS EXAMPLE ICB - Z9Z",
                "20190701",
                "",
                "",
                "",
                "",
                "",
                "",
                "EX1 1AA",
            ]
        ],
        [
            [
                "ZZ9001",
                "RIVERSIDE SURGERY",
                "Z9Z",
                "NHS EXAMPLE ICB - Z9Z",
                "UZZ001",
                "SEA VIEW PCN",
                "Z9Z",
                "x",
                "20190701",
                None,
            ],
            [
                "L82008",
                "STRATTON MEDICAL CENTRE",
                "11N",
                "NHS CORNWALL ICB - 11N",
                "UZZ001",
                "SEA VIEW PCN",
                "Z9Z",
                "x",
                "20191001",
                None,
            ],
        ],
    )
    importers.import_epcn(actor, path)
    network = Organisation.objects.get(code="UZZ001")
    assert network.name == "Sea View PCN" and network.commissioner.code == "Z9Z"
    assert network.commissioner.name == "NHS Example ICB"
    assert sorted(
        NetworkMembership.objects.filter(network__code="UZZ001").values_list(
            "practice__code", "starts"
        )
    ) == [
        ("L82008", date(2019, 10, 1)),
        ("ZZ9001", date(2019, 7, 1)),
    ]
    assert Organisation.objects.get(code="L82008").commissioner.code == "11N"


@pytest.mark.django_db
def test_a_bad_epcn_workbook_is_refused_with_sheet_and_row(actor, tmp_path):
    path = write_epcn(
        tmp_path / "ePCN.xlsx",
        [["U00001", "SEA VIEW PCN", "15N", "NHS DEVON ICB - 15N", "1 July 2019", ""]],
        [["L83001", "RIVERSIDE", "15N", "x", "U00002", "OTHER PCN", "15N", "x", "20190701", None]],
    )
    before = counts()
    with pytest.raises(DocumentError) as caught:
        importers.import_epcn(actor, path)
    assert [str(p) for p in caught.value.problems] == [
        "ePCN.xlsx:PCNDetails:2: Open Date: '1 July 2019' is not a date in the form YYYYMMDD"
    ]
    not_a_workbook = tmp_path / "fake.xlsx"
    not_a_workbook.write_text("PCN Code,PCN Name\n")
    with pytest.raises(DocumentError, match=r"fake.xlsx: is not an Excel workbook"):
        importers.import_epcn(actor, not_a_workbook)
    assert counts() == before


@pytest.mark.django_db
def test_qof_mapping_and_list_sizes_refuse_bad_rows(actor, tmp_path):
    header = importers.QOF_MAPPING
    before = counts()
    path = write_csv(
        tmp_path / "mapping.csv",
        [
            header,
            [
                "Y58",
                "South West",
                "QJK",
                "Devon",
                "15N",
                "NHS Devon CCG",
                "",
                "X PCN",
                "L83001",
                "Riverside",
            ],
        ],
    )
    with pytest.raises(DocumentError, match=r"mapping.csv:2: PCN_ODS_CODE: is empty"):
        importers.import_qof_mapping(actor, path)
    sizes = write_csv(
        tmp_path / "prev.csv",
        [
            ["PRACTICE_CODE", "GROUP_CODE", "REGISTER", "PATIENT_LIST_TYPE", "PRACTICE_LIST_SIZE"],
            ["L83001", "AF", "10", "TOTAL", "many"],
        ],
    )
    with pytest.raises(
        DocumentError, match=r"prev.csv:2: PRACTICE_LIST_SIZE: 'many' is not a whole number"
    ):
        importers.import_list_sizes(actor, sizes)
    missing = write_csv(tmp_path / "nohead.csv", [["PRACTICE", "SIZE"]])
    with pytest.raises(DocumentError, match=r"nohead.csv:1: missing column PRACTICE_CODE"):
        importers.import_list_sizes(actor, missing)
    assert counts() == before


@needs_data
@pytest.mark.django_db
def test_real_data_gives_devon_its_31_pcns_and_finds_the_cornwall_practice(real_data, devon, actor):
    assert Organisation.objects.filter(kind="gp_practice").count() > 8000
    result = add_pcns(actor, devon, "15N", parent="wider-devon")
    assert result.networks == 31
    assert (
        115
        <= devon.areas.filter(level="neighbourhood")
        .values("memberships__practice")
        .distinct()
        .count()
        <= 135
    )
    findings = structure_on(devon).findings
    mismatch = {f.subject for f in findings if f.rule == "practice-commissioner-differs"}
    assert "L82008" in mismatch, "Stratton Medical Centre (Cornwall) sits in a Devon PCN"
    assert sum(f.rule == "pcn-without-place" for f in findings) == 31, (
        "the seeds assign no PCN to a place"
    )
    coast = devon.areas.get(code="U41591")
    assert coast.populations.get().population > 20_000
    # Merger history from the document survives the import of current ODS data.
    assert Succession.objects.filter(predecessor__code="99P", successor__code="15N").exists()


@needs_data
@pytest.mark.django_db
def test_real_qof_mapping_links_practice_to_region(real_data):
    practice = Organisation.objects.select_related("commissioner__part_of__part_of").get(
        code="L83002"
    )
    ccg = practice.commissioner
    assert ccg.code == "15N" or ccg.kind == "nhs_commissioner"
    stp = Organisation.objects.get(code="QJK")
    assert stp.part_of.code == "Y58"
    assert ListSize.objects.filter(practice=practice).exists()
