from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from pydantic import ValidationError

from commonweal.core.documents import field_path
from commonweal.governance import queries
from commonweal.governance.context import describe_route
from commonweal.governance.documents import DecisionType
from commonweal.governance.models import Body, Scheme
from commonweal.governance.requests import ProposalIn, RequestError, route_proposal
from commonweal.registry.models import Organisation, System

COMMITMENT_ROWS = 4


def _crumbs(system: System) -> list[dict[str, str]]:
    return [{"href": reverse("system", args=[system.slug]), "text": system.name}]


def bodies(request: HttpRequest, slug: str) -> HttpResponse:
    system = get_object_or_404(System, slug=slug)
    return render(
        request,
        "governance/bodies.jinja",
        {"system": system, "bodies": queries.bodies(system), "crumbs": _crumbs(system)},
    )


def body(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    system = get_object_or_404(System, slug=slug)
    b = get_object_or_404(
        Body.objects.select_related(
            "parent", "footprint", "chair__organisation", "deputy__organisation"
        ),
        system=system,
        code=code,
    )
    # Holders on a date (?on=YYYY-MM-DD), today unless asked.
    try:
        on = date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        on = date.today()
    return render(
        request,
        "governance/body.jinja",
        {
            "system": system,
            "body": b,
            "detail": queries.body_detail(b, on),
            "on": on,
            "crumbs": [
                *_crumbs(system),
                {"href": reverse("bodies", args=[slug]), "text": "Bodies"},
            ],
        },
    )


def schemes(request: HttpRequest, slug: str) -> HttpResponse:
    system = get_object_or_404(System, slug=slug)
    return render(
        request,
        "governance/schemes.jinja",
        {"system": system, "schemes": queries.schemes(system), "crumbs": _crumbs(system)},
    )


def scheme(request: HttpRequest, slug: str, organisation: str, version: str) -> HttpResponse:
    system = get_object_or_404(System, slug=slug)
    s = get_object_or_404(
        Scheme.objects.select_related("organisation"),
        system=system,
        organisation__code=organisation,
        version=version,
    )
    from commonweal.governance.context import governance_for

    gov = governance_for(system)
    return render(
        request,
        "governance/scheme.jinja",
        {
            "system": system,
            "scheme": s,
            "c": s.compiled,
            "name": gov.name,
            "crumbs": [
                *_crumbs(system),
                {"href": reverse("schemes", args=[slug]), "text": "Schemes of delegation"},
            ],
        },
    )


def who_decides(request: HttpRequest, slug: str) -> HttpResponse:
    """The "who may decide this?" form: a proposal in, its route with reasons out."""
    system = get_object_or_404(System, slug=slug)
    organisations = list(
        Organisation.objects.filter(schemes__system=system)
        .distinct()
        .order_by("name")
        .values_list("code", "name")
    )
    areas = list(system.areas.exclude(origin="ods").order_by("name").values_list("code", "name"))
    form: dict[str, Any] = {k: v for k, v in request.GET.items()}
    errors: list[dict[str, str]] = []
    result = None
    if request.GET.get("decision_type"):
        commitments: list[dict[str, Any]] = []
        for i in range(COMMITMENT_ROWS):
            org, amount = (
                request.GET.get(f"organisation_{i}", ""),
                request.GET.get(f"amount_{i}", "").replace(",", "").replace("£", "").strip(),
            )
            if org or amount:
                commitments.append({"organisation": org, "amount": amount or "0", "_row": i})
        data = {
            "system": slug,
            "decision_type": request.GET.get("decision_type"),
            "on": request.GET.get("on") or str(date.today()),
            "footprint": request.GET.get("footprint") or None,
            "project": request.GET.get("project", ""),
            "commitments": [{k: v for k, v in c.items() if k != "_row"} for c in commitments],
        }
        try:
            route, gov = route_proposal(ProposalIn.model_validate(data))
            result = describe_route(route, gov)
        except ValidationError as exc:
            for e in exc.errors(include_url=False):
                loc = list(e["loc"])
                if loc[:1] == ["commitments"] and len(loc) > 2 and isinstance(loc[1], int):
                    row = int(commitments[loc[1]]["_row"])
                    field = f"{loc[2]}_{row}"
                    text = f"Commitment {row + 1}: " + (
                        "amount must be a number of pounds, 0 or more"
                        if loc[2] == "amount"
                        else "choose the organisation whose resources it commits"
                    )
                elif loc == ["commitments"]:
                    field, text = (
                        "organisation_0",
                        "Enter at least one organisation and the amount it commits",
                    )
                else:
                    field = str(loc[0])
                    text = {
                        "decision_type": "Choose the kind of decision",
                        "on": "Enter the date as YYYY-MM-DD",
                    }.get(field, f"{field_path(loc)}: {e['msg']}")
                errors.append({"text": text, "href": f"#{field}"})
        except RequestError as exc:
            errors = [
                {
                    "text": message,
                    "href": f"#{loc[0]}" if loc[0] != "commitments" else f"#organisation_{loc[1]}",
                }
                for loc, message in exc.problems
            ]
    return render(
        request,
        "governance/who_decides.jinja",
        {
            "system": system,
            "crumbs": _crumbs(system),
            "form": form,
            "errors": errors,
            "error_text": {e["href"][1:]: e["text"] for e in errors},
            "result": result,
            "decision_types": [t.value for t in DecisionType],
            "organisations": organisations,
            "areas": areas,
            "rows": range(COMMITMENT_ROWS),
        },
    )
