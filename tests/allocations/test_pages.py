"""The allocation pages: they render for anyone signed in; only the commissioner's finance
people are offered the forms, and anyone else who posts is refused; bad input is a field
error (400), never a 500; the whole journey works through the pages."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from commonweal.allocations.models import Allocation, Status

pytestmark = pytest.mark.django_db


def _index(d):
    return reverse("allocations", args=[d.system.slug])


def _draft_form(d, **more):
    return {
        "year": str(d.year.pk),
        "organisation": "15N",
        "name": "Recurrent allocation 2020/21",
        "total": "1,000,000,000",
        "place_total": "10,000,000",
        "population_on": "2020-03-31",
        "basis": "registered",
        **more,
    }


def test_pages_render_for_a_reader_and_refuse_their_writes(d, client, universe):
    client.force_login(universe.accounts["analyst-15n"])
    page = client.get(_index(d))
    assert page.status_code == 200
    assert "Draft an allocation" not in page.content.decode()
    assert client.post(_index(d), _draft_form(d)).status_code == 403
    assert not Allocation.objects.exists()


def test_the_journey_through_the_pages(d, client, universe):
    client.force_login(universe.accounts["admin-15n"])
    assert "Draft an allocation" in client.get(_index(d)).content.decode()
    # Bad input comes back onto the form.
    bad = client.post(
        _index(d),
        _draft_form(d, total="lots", weights="north 1.5", weighting="Need", population_on=""),
    )
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "There is a problem" in text
    assert "Line 1 must be a place" in text
    bad = client.post(_index(d), _draft_form(d, place_total="2,000,000,000"))
    assert bad.status_code == 400
    assert "cannot be more than the allocation received" in bad.content.decode()
    made = client.post(_index(d), _draft_form(d))
    assert made.status_code == 302
    a = Allocation.objects.get()
    url = reverse("allocation", args=[d.system.slug, a.pk])
    assert made["Location"] == url
    page = client.get(url).content.decode()
    assert "East Devon" in page and "Worked out now" in page
    # Lines: a bad one is a field error; good ones are added; one is removed.
    bad = client.post(
        url, {"form": "line", "line-programme": "", "line-kind": "growth", "line-amount": "-5"}
    )
    assert bad.status_code == 400
    for programme, kind, amount, place in (
        ("Mental health", "growth", "1,000,000", ""),
        ("Primary care", "investment", "500,000", "north"),
        ("Acute", "disinvestment", "250,000", ""),
        ("Mistake", "growth", "1", ""),
    ):
        r = client.post(
            url,
            {
                "form": "line",
                "line-programme": programme,
                "line-kind": kind,
                "line-amount": amount,
                "line-place": place,
            },
        )
        assert r.status_code == 302, r.content.decode()[:2000]
    assert client.post(url, {"form": "remove", "position": "3"}).status_code == 302
    assert a.lines.count() == 3
    page = client.get(url).content.decode()
    assert "1,500,000" in page  # growth and investment
    assert "\u2212250" in page and "-250" not in page  # the disinvestment in £'000
    # Submit, then the officer's decision: a date not yet come is a field error.
    assert client.post(url, {"form": "submit"}).status_code == 302
    a.refresh_from_db()
    assert a.status == Status.AWAITING
    bad = client.post(
        url,
        {
            "form": "decide",
            "decide-decider": "jo-evans|15N/director-of-financial-planning",
            "decide-on": "2020-03-20",
        },
    )
    assert bad.status_code == 400
    assert "D8" in bad.content.decode()
    bad = client.post(url, {"form": "link", "link-decision": "nonsense"})
    assert bad.status_code == 400
    ok = client.post(
        url,
        {
            "form": "decide",
            "decide-decider": "alex-morgan|15N/accountable-officer",
            "decide-on": "2020-03-20",
        },
    )
    assert ok.status_code == 302
    a.refresh_from_db()
    assert a.status == Status.DECIDED
    page = client.get(url).content.decode()
    assert a.decision.reference in page
    assert "Record an officer" not in page
    # The workbook.
    book = client.get(reverse("allocation-export", args=[d.system.slug, a.pk]))
    assert book.status_code == 200
    wb = load_workbook(io.BytesIO(book.content))
    assert wb.sheetnames == ["Allocation", "Lines", "Place budgets"]
    rows = [r for r in wb["Place budgets"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert len(rows) == 4 and sum(r[6] for r in rows) == 10_000_000


def test_a_post_that_is_not_a_form_is_refused(d, client, universe):
    client.force_login(universe.accounts["admin-15n"])
    client.post(_index(d), _draft_form(d))
    a = Allocation.objects.get()
    url = reverse("allocation", args=[d.system.slug, a.pk])
    assert client.post(url, {"form": "nonsense"}).status_code in (400, 422)
    assert client.post(url, {"form": "remove", "position": "x"}).status_code == 302
    other = client.post(
        url, {"form": "line", "line-programme": "A", "line-kind": "growth", "line-amount": "1"}
    )
    assert other.status_code == 302
    client.force_login(universe.accounts["finance-torbay"])
    assert (
        client.post(
            url, {"form": "line", "line-programme": "A", "line-kind": "growth", "line-amount": "1"}
        ).status_code
        == 403
    )
    assert date.today()  # the page's date defaults need nothing more


def _cells(page: str, heading: str, which: int = 0) -> list[str]:
    """The cells of a table row headed `heading` (the first, or `which`), as text."""
    import re

    rows = re.findall(
        rf"<tr[^>]*>\s*<(?:th|td)[^>]*>{re.escape(heading)}</(?:th|td)>(.*?)</tr>", page, re.S
    )
    assert rows, heading
    return [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", rows[which])
    ]


def _submitted(d, client, universe):
    """Drafted through the pages with a line at North Devon, and submitted."""
    client.force_login(universe.accounts["admin-15n"])
    client.post(_index(d), _draft_form(d, weighting="Need", weights="north: 1.5\neast: 1\n"
                                       "south: 1\nwest: 1"))  # fmt: skip
    a = Allocation.objects.get()
    url = reverse("allocation", args=[d.system.slug, a.pk])
    for programme, kind, amount, place in (
        ("Mental health", "growth", "1,000,000", ""),
        ("Primary care", "investment", "500,000", "north"),
        ("Acute", "disinvestment", "250,000", ""),
    ):
        r = client.post(
            url,
            {
                "form": "line",
                "line-programme": programme,
                "line-kind": kind,
                "line-amount": amount,
                "line-place": place,
            },
        )
        assert r.status_code == 302
    assert client.post(url, {"form": "submit"}).status_code == 302
    a.refresh_from_db()
    return a, url


def test_sources_and_uses_and_the_place_budgets_add_up_on_the_page(d, client, universe):
    _a, url = _submitted(d, client, universe)
    page = client.get(url).content.decode()
    # £1,000m received = £10m capitated + £1m growth + £0.5m investment − £0.25m
    # disinvestment + £988.75m held at system level (not capitated); all in £'000.
    assert _cells(page, "Recurrent allocation received") == ["1,000,000"]
    assert _cells(page, "Capitated to places by population") == ["10,000"]
    assert _cells(page, "Growth") == ["1,000"]
    assert _cells(page, "Investment") == ["500"]
    assert _cells(page, "Disinvestment") == ["\u2212250"]
    assert _cells(page, "Held at system level (not capitated)") == ["988,750"]
    assert _cells(page, "Total uses") == ["1,000,000"]
    # The places: North's weighted population is 100,000 × 1.5; the shares are of the weighted
    # population (150,000 + 200,000 + 150,000 + 250,000 = 750,000), which the Total row shows,
    # and North's investment is beside its capitated budget: 2,000 + 500 = 2,500 (£'000).
    north = _cells(page, "North Devon")
    assert north[:4] == ["100,000", "1.5", "150,000", "20.00%"]
    assert north[4:7] == ["2,000", "500", "2,500"]
    total = _cells(page, "Total", -1)  # the place budgets' (the programmes' is first)
    assert total[:3] == ["700,000", "", "750,000"]
    assert total[3:7] == ["100%", "10,000", "500", "10,500"]
    # No pence on the page's place budgets, and no hyphen for a negative.
    assert "2,000,000.00" not in page and "-£" not in page


def test_the_workbook_adds_up_with_dates_and_shares_as_numbers(d, client, universe):
    a, _url = _submitted(d, client, universe)
    book = client.get(reverse("allocation-export", args=[d.system.slug, a.pk]))
    wb = load_workbook(io.BytesIO(book.content))
    summary = {r[0]: r[1] for r in wb["Allocation"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Recurrent allocation received"] == 1_000_000_000
    uses = [
        "Capitated to places by population",
        "Growth",
        "Investment",
        "Disinvestment",
        "Held at system level (not capitated)",
    ]
    assert [summary[u] for u in uses] == [10_000_000, 1_000_000, 500_000, -250_000, 988_750_000]
    assert sum(summary[u] for u in uses) == summary["Total uses"] == 1_000_000_000
    # Dates are date cells, in the finance exports' format.
    sheet = wb["Allocation"]
    cell = next(r[1] for r in sheet.iter_rows() if r[0].value == "Population date")
    assert cell.is_date and cell.value.date() == date(2020, 3, 31)
    assert cell.number_format == "dd/mm/yyyy"
    money = next(r[1] for r in sheet.iter_rows() if r[0].value == "Total uses")
    assert money.number_format == "£#,##0.00;(£#,##0.00)"
    # Lines, with a total row: the net change.
    lines = list(wb["Lines"].iter_rows(min_row=2, values_only=True))
    assert lines[-1][0] == "Total (net change)" and lines[-1][4] == 1_250_000
    assert sum(r[4] for r in lines[:-1]) == lines[-1][4]
    # Places: shares are fractions shown as percentages; totals add up; exact pence kept.
    places = wb["Place budgets"]
    header = [c.value for c in places[1]]
    assert header[4:9] == [
        "Weighted population",
        "Share",
        "Capitated budget (£)",
        "Lines at the place (£)",
        "Place total (£)",
    ]
    rows = [r for r in places.iter_rows(min_row=2) if r[1].value]
    body, total = rows[:4], rows[4]
    north = next(r for r in body if r[0].value == "north")
    assert north[5].value == pytest.approx(0.2) and north[5].number_format == "0.00%"
    assert north[7].value == 500_000 and north[8].value == north[6].value + 500_000
    assert total[1].value == "Total"
    assert total[2].value == sum(r[2].value for r in body) == 700_000
    assert total[4].value == sum(r[4].value for r in body) == 750_000
    assert total[5].value == 1
    assert total[6].value == sum(r[6].value for r in body) == 10_000_000
    assert total[8].value == sum(r[8].value for r in body) == 10_500_000


def test_the_decision_date_starts_from_the_day_it_was_due(d, client, universe):
    from commonweal.allocations.views import decision_day
    from commonweal.core.actions import Actor
    from commonweal.meetings import actions as meetings

    meetings.change_meeting(Actor.command_line(), d.meeting, status="cancelled")
    client.force_login(universe.accounts["admin-15n"])
    client.post(_index(d), _draft_form(d))
    a = Allocation.objects.get()
    url = reverse("allocation", args=[d.system.slug, a.pk])
    assert client.post(url, {"form": "submit", "submit-due": "2020-03-20"}).status_code == 302
    a.refresh_from_db()
    assert a.plan_item.due == date(2020, 3, 20)
    # Due in the past: the form starts from the day it was due, not today.
    assert decision_day(a, date(2026, 11, 23)) == date(2020, 3, 20)
    page = client.get(url).content.decode()
    assert 'value="2020"' in page or "2020-03-20" in page or "20/03/2020" in page
    # Due later than today: today.
    assert decision_day(a, date(2020, 3, 1)) == date(2020, 3, 1)
    # A day not yet come is still refused.
    bad = client.post(
        url,
        {
            "form": "decide",
            "decide-decider": "alex-morgan|15N/accountable-officer",
            "decide-on": "2099-01-01",
        },
    )
    assert bad.status_code == 400
    a.refresh_from_db()
    assert a.status == Status.AWAITING
