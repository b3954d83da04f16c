"""The public decisions register: search and filters, a decision's page, downloads, the Atom
feeds, and the register's anchors. Everything here reads what was published."""

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_safe

from commonweal.core.formatting import long_date
from commonweal.core.forms import Form, MoneyField
from commonweal.core.models import Organisation
from commonweal.core.pages import page_of
from commonweal.decisions.models import Basis, Outcome
from commonweal.governance.models import Body
from commonweal.meetings.models import Meeting
from commonweal.public.decisions import Published, decision_page
from commonweal.public.downloads import csv_download, json_list_download
from commonweal.public.models import Anchor, RegisterDecision
from commonweal.public.publication import anchor_data, canonical
from commonweal.registry.models import Area, System

ROWS = 50
FEED_ENTRIES = 50
WORDS = re.compile(r"\w+", re.UNICODE)


class RegisterFilter(Form):
    q = forms.CharField(required=False, max_length=200, label="Search for words")
    system = forms.ChoiceField(required=False, label="System")
    body = forms.ChoiceField(required=False, label="Body")
    organisation = forms.CharField(
        required=False, max_length=20, label="Organisation code", help_text="For example, 15N"
    )
    place = forms.CharField(
        required=False, max_length=40, label="Place or area code", help_text="For example, plymouth"
    )
    type = forms.CharField(required=False, max_length=40, label="Decision type")
    outcome = forms.ChoiceField(required=False, label="Outcome")
    basis = forms.ChoiceField(required=False, label="How it was taken")
    key_decision = forms.ChoiceField(
        required=False,
        label="Key decisions",
        choices=[("", "All decisions"), ("yes", "Key decisions only"), ("no", "Not key decisions")],
    )
    # Plain ISO dates: the filter is read on every page of the register, and the day, month and
    # year boxes cost more to draw than the rest of the page.
    from_date = forms.DateField(
        required=False,
        label="Taken on or after",
        help_text="For example, 2019-04-01",
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Taken on or after must be a real date, like 2019-04-01"},
    )
    to_date = forms.DateField(
        required=False,
        label="Taken on or before",
        help_text="For example, 2020-03-31",
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Taken on or before must be a real date, like 2020-03-31"},
    )
    amount_min = MoneyField(required=False, label="At least (£)")
    amount_max = MoneyField(required=False, label="At most (£)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices(
            "system", list(System.objects.order_by("name").values_list("slug", "name")), "All"
        )
        self.set_choices(
            "body",
            [
                (f"{slug}/{code}", name)
                for slug, code, name in Body.objects.order_by("system__name", "name").values_list(
                    "system__slug", "code", "name"
                )
            ],
            "All",
        )
        self.set_choices("outcome", Outcome.choices, "All")
        self.set_choices("basis", Basis.choices, "All")

    def clean_organisation(self) -> str:
        code = self.cleaned_data["organisation"].strip().upper()
        if code and not Organisation.objects.filter(code=code).exists():
            raise forms.ValidationError(f"There is no organisation with the code {code}")
        return code

    def clean_place(self) -> str:
        code = self.cleaned_data["place"].strip()
        if code and not Area.objects.filter(code=code).exists():
            raise forms.ValidationError(f"There is no place or area with the code {code}")
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", "The most must be at least the least")
        start, end = data.get("from_date"), data.get("to_date")
        if start and end and start > end:
            self.add_error("to_date", "Taken on or before must be on or after the first date")
        return data


def search(rows: QuerySet[RegisterDecision], q: str) -> QuerySet[RegisterDecision]:
    """Full-text search with stemming, in the database's own engine."""
    words = WORDS.findall(q)[:20]
    if not words:
        return rows
    if connection.vendor == "postgresql":
        hit = RawSQL(
            "public_registerdecision.search @@ plainto_tsquery('english', %s)",
            [" ".join(words)],
            output_field=BooleanField(),
        )
        return rows.alias(hit=hit).filter(hit=True)
    # FTS5: each word quoted, so no word is read as an operator; all must occur.
    match = " ".join('"' + w.replace('"', "") + '"' for w in words)
    return rows.filter(
        id__in=RawSQL(
            "SELECT rowid FROM public_decision_search WHERE public_decision_search MATCH %s",
            [match],
        )
    )


def filtered(data: dict[str, Any]) -> QuerySet[RegisterDecision]:
    rows = RegisterDecision.objects.all()
    if data.get("system"):
        rows = rows.filter(system__slug=data["system"])
    if data.get("body"):
        slug, _, code = data["body"].partition("/")
        rows = rows.filter(body__system__slug=slug, body__code=code)
    if data.get("organisation"):
        rows = rows.filter(organisations__contains=f" {data['organisation']} ")
    if data.get("place"):
        rows = rows.filter(places__contains=f" {data['place']} ")
    if data.get("type"):
        rows = rows.filter(decision_type=data["type"].strip().replace(" ", "_").lower())
    if data.get("outcome"):
        rows = rows.filter(outcome=data["outcome"])
    if data.get("basis"):
        rows = rows.filter(basis=data["basis"])
    if data.get("key_decision"):
        rows = rows.filter(key_decision=data["key_decision"] == "yes")
    if data.get("from_date"):
        rows = rows.filter(on__gte=data["from_date"])
    if data.get("to_date"):
        rows = rows.filter(on__lte=data["to_date"])
    if data.get("amount_min") is not None:
        rows = rows.filter(amount__gte=data["amount_min"])
    if data.get("amount_max") is not None:
        rows = rows.filter(amount__lte=data["amount_max"])
    if data.get("q"):
        rows = search(rows, data["q"])
    return rows.order_by("-on", "-id")


def _filter(request: HttpRequest) -> tuple[RegisterFilter, QuerySet[RegisterDecision] | None]:
    form = RegisterFilter(request.GET)
    if not form.is_valid():
        return form, None
    return form, filtered(form.cleaned_data)


@login_not_required
@require_safe
def register(request: HttpRequest) -> HttpResponse:
    form, rows = _filter(request)
    if rows is None:
        return render(request, "public/decisions/register.jinja", {"form": form}, status=400)
    query = request.GET.copy()
    query.pop("page", None)
    shown = page_of(request, cast(Sequence[str], Published(rows, query.urlencode())), size=ROWS)
    return render(
        request,
        "public/decisions/register.jinja",
        {
            "form": form,
            "shown": shown,
            "rows": [json.loads(payload) for payload in shown.rows],
            "query": ("?" + query.urlencode()) if query else "",
            "filtered": any(v not in (None, "") for v in form.cleaned_data.values()),
        },
    )


@login_not_required
@require_safe
def decision(request: HttpRequest, reference: str) -> HttpResponse:
    row = get_object_or_404(
        RegisterDecision.objects.only("decision_id", "payload"), reference=reference
    )
    page = decision_page(json.loads(row.payload), row.decision_id)
    return render(request, "public/decisions/decision.jinja", {"page": page, "d": page.decision})


# Downloads ---------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "reference",
    "date",
    "title",
    "outcome",
    "basis",
    "decision_type",
    "key_decision",
    "body",
    "organisations",
    "amount_pounds",
    "exempt",
    "exemption",
    "resolution",
    "reasons",
    "alternatives",
    "valid",
    "url",
]


def _csv_rows(rows: QuerySet[RegisterDecision], base: str) -> Iterator[list[Any]]:
    for payload in rows.values_list("payload", flat=True).iterator(chunk_size=2000):
        d = json.loads(payload)
        yield [
            d["reference"],
            d["on"],
            d["title"],
            d["outcome_label"],
            d["basis_label"],
            d["decision_type"],
            "" if d["key_decision"] is None else ("yes" if d["key_decision"] else "no"),
            d["body"]["name"] if d["body"] else "",
            "; ".join(f"{p['organisation_name']} ({p['organisation']})" for p in d["parts"]),
            "" if d["amount"] is None else f"{d['amount'] / 100:.2f}",
            "yes" if d["exempt"] else "no",
            d["exemption"],
            d["resolution"] or "",
            d["reasons"] or "",
            d["alternatives"] or "",
            "yes" if d["valid"] else "no",
            f"{base}{d['reference']}/",
        ]


def _download(request: HttpRequest, kind: str) -> HttpResponseBase:
    form, rows = _filter(request)
    if rows is None:
        return render(request, "public/decisions/register.jinja", {"form": form}, status=400)
    if kind == "csv":
        base = request.build_absolute_uri(reverse("public-decisions"))
        return csv_download("decisions.csv", CSV_COLUMNS, _csv_rows(rows, base))
    payloads = rows.values_list("payload", flat=True).iterator(chunk_size=2000)
    return json_list_download("decisions.json", payloads)


@login_not_required
@require_safe
def decisions_csv(request: HttpRequest) -> HttpResponseBase:
    return _download(request, "csv")


@login_not_required
@require_safe
def decisions_json(request: HttpRequest) -> HttpResponseBase:
    return _download(request, "json")


# Feeds -------------------------------------------------------------------------------------------


def _tag(request: HttpRequest, what: str) -> str:
    return f"tag:{request.get_host().split(':')[0]},2026:{what}"


def _feed(request: HttpRequest, title: str, link: str, body: Body | None) -> HttpResponse:
    feed = Atom1Feed(
        title=title,
        link=request.build_absolute_uri(link),
        description=title,
        language="en-GB",
        feed_url=request.build_absolute_uri(),
        id=_tag(request, request.path),
    )
    entries: list[tuple[datetime, dict[str, Any]]] = []
    decisions = RegisterDecision.objects.only("payload", "reference")
    meetings = Meeting.objects.select_related("body__system")
    if body is not None:
        decisions = decisions.filter(body=body)
        meetings = meetings.filter(body=body)
    for payload in decisions.order_by("-id").values_list("payload", flat=True)[:FEED_ENTRIES]:
        d = json.loads(payload)
        by = d["body"]["name"] if d["body"] else d["basis_label"]
        summary = (
            d["resolution"] if d["resolution"] is not None else f"Exempt business: {d['exemption']}"
        )
        entries.append(
            (
                datetime.fromisoformat(d["recorded"]),
                {
                    "title": f"{d['reference']}: {d['title']}",
                    "link": request.build_absolute_uri(
                        reverse("public-decision", args=[d["reference"]])
                    ),
                    "description": f"{d['outcome_label']} of {by}, {long_date(datetime.fromisoformat(d['on']).date())}. {summary}",
                    "unique_id": _tag(request, f"decision/{d['reference']}"),
                    "categories": ["decision", d["outcome"]],
                },
            )
        )
    for m in meetings.order_by("-id")[:FEED_ENTRIES]:
        entries.append(
            (
                m.published or m.starts,
                {
                    "title": f"Meeting: {m.body.name}, {long_date(timezone.localtime(m.starts))}",
                    "link": request.build_absolute_uri(reverse("public-meeting", args=[m.pk])),
                    "description": f"{m.get_status_display()} meeting of {m.body.name} at "
                    f"{timezone.localtime(m.starts):%H:%M} on {long_date(timezone.localtime(m.starts))}"
                    + (f", {m.venue}" if m.venue else "")
                    + ".",
                    "unique_id": _tag(request, f"meeting/{m.pk}"),
                    "categories": ["meeting", m.status],
                },
            )
        )
    if body is None:
        for a in Anchor.objects.order_by("-seq")[:FEED_ENTRIES]:
            entries.append(
                (
                    a.at,
                    {
                        "title": f"Register anchored at entry {a.seq}",
                        "link": request.build_absolute_uri(reverse("public-anchors")),
                        "description": f"The chain's head at entry {a.seq} is {a.head}. "
                        + canonical(anchor_data(a)),
                        "unique_id": _tag(request, f"anchor/{a.seq}"),
                        "categories": ["anchor"],
                    },
                )
            )
    entries.sort(key=lambda e: e[0], reverse=True)
    for updated, item in entries[: FEED_ENTRIES * 2]:
        feed.add_item(updateddate=updated, pubdate=updated, **item)
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response


@login_not_required
@require_safe
def atom(request: HttpRequest) -> HttpResponse:
    return _feed(
        request, "Public register: decisions, meetings and anchors", reverse("public-home"), None
    )


@login_not_required
@require_safe
def body_atom(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    body = get_object_or_404(Body.objects.select_related("system"), system__slug=slug, code=code)
    return _feed(
        request,
        f"{body.name}: decisions and meetings",
        reverse("public-body", args=[slug, code]),
        body,
    )


# Anchors ----------------------------------------------------------------------------------------


@login_not_required
@require_safe
def anchors(request: HttpRequest) -> HttpResponse:
    shown = page_of(request, cast(Sequence[Anchor], Anchor.objects.order_by("-seq")), size=ROWS)
    rows = [PublicAnchor(a.seq, a.at, len(a.entries), a.head) for a in shown.rows]
    page = replace(cast(Any, shown), rows=rows)
    return render(request, "public/decisions/anchors.jinja", {"shown": page})


@dataclass(frozen=True)
class PublicAnchor:
    seq: int
    at: datetime
    entries: int
    head: str


def _anchor_lines() -> Iterator[str]:
    for a in Anchor.objects.order_by("seq").iterator(chunk_size=2000):
        yield canonical(anchor_data(a)) + "\n"


@login_not_required
@require_safe
def anchors_jsonl(request: HttpRequest) -> HttpResponseBase:
    response = StreamingHttpResponse(
        _anchor_lines(), content_type="application/jsonl; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="anchors.jsonl"'
    return response


urlpatterns = [
    path("decisions/", register, name="public-decisions"),
    path("decisions.csv", decisions_csv, name="public-decisions-csv"),
    path("decisions.json", decisions_json, name="public-decisions-json"),
    path("decisions/<str:reference>/", decision, name="public-decision"),
    path("feed.atom", atom, name="public-atom"),
    path("systems/<slug:slug>/bodies/<str:code>/feed.atom", body_atom, name="public-body-atom"),
    path("register/", anchors, name="public-anchors"),
    path("register/anchors.jsonl", anchors_jsonl, name="public-anchors-jsonl"),
]
