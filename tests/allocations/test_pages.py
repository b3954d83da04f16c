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
    for programme, kind, amount in (
        ("Mental health", "growth", "1,000,000"),
        ("Primary care", "investment", "500,000"),
        ("Acute", "disinvestment", "250,000"),
        ("Mistake", "growth", "1"),
    ):
        r = client.post(
            url,
            {"form": "line", "line-programme": programme, "line-kind": kind, "line-amount": amount},
        )
        assert r.status_code == 302, r.content.decode()[:2000]
    assert client.post(url, {"form": "remove", "position": "3"}).status_code == 302
    assert a.lines.count() == 3
    page = client.get(url).content.decode()
    assert "1,500,000" in page  # growth and investment
    assert "-250" in page  # the disinvestment in £'000
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
    rows = list(wb["Place budgets"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4 and sum(r[5] for r in rows) == 10_000_000


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
