"""Governance pages: bodies, schemes of delegation, and "Who may decide this?"."""

from datetime import date
from decimal import Decimal

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe
from pydantic import ValidationError

from commonweal.core.documents import pydantic_problems
from commonweal.core.errors import Problem, Refused, field_path
from commonweal.core.formatting import level_label
from commonweal.core.forms import DateField, Form, MoneyField
from commonweal.core.models import Organisation
from commonweal.core.pages import AsOn, dated
from commonweal.governance import presenters
from commonweal.governance.context import governance_for
from commonweal.governance.documents import DecisionType, scheme_from_json, scheme_to_json
from commonweal.governance.models import Body, Scheme
from commonweal.governance.requests import ProposalIn, route_proposal
from commonweal.registry.models import System
from commonweal.registry.rules import Level

COMMITMENT_ROWS = 4
DECISION_TYPES = {
    "write_off": "Write-off",
    "long_term_plan": "Long-term plan",
    "pooled_fund_change": "Change to a pooled fund",
}


def _crumbs(system: System) -> list[dict[str, str]]:
    return [{"href": reverse("system", args=[system.slug]), "text": system.name}]


@require_safe
def bodies(request: HttpRequest, slug: str) -> HttpResponse:
    system = get_object_or_404(System, slug=slug)
    return render(
        request,
        "governance/bodies.jinja",
        {"system": system, "bodies": presenters.bodies(system), "crumbs": _crumbs(system)},
    )


@dated
@require_safe
def body(request: HttpRequest, slug: str, code: str, on: date | None, as_on: AsOn) -> HttpResponse:
    system = get_object_or_404(System, slug=slug)
    b = get_object_or_404(
        Body.objects.select_related(
            "parent", "footprint", "chair__organisation", "deputy__organisation"
        ),
        system=system,
        code=code,
    )
    return render(
        request,
        "governance/body.jinja",
        {
            "system": system,
            "body": presenters.body_view(b, on or date.today()),
            "as_on": as_on,
            "crumbs": [
                *_crumbs(system),
                {"href": reverse("bodies", args=[slug]), "text": "Bodies"},
            ],
        },
    )


@require_safe
def schemes(request: HttpRequest, slug: str) -> HttpResponse:
    system = get_object_or_404(System, slug=slug)
    return render(
        request,
        "governance/schemes.jinja",
        {"system": system, "schemes": presenters.schemes(system), "crumbs": _crumbs(system)},
    )


@require_safe
def scheme(request: HttpRequest, slug: str, organisation: str, version: str) -> HttpResponse:
    system = get_object_or_404(System, slug=slug)
    s = get_object_or_404(
        Scheme.objects.select_related("organisation"),
        system=system,
        organisation__code=organisation,
        version=version,
    )
    gov = governance_for(system)
    return render(
        request,
        "governance/scheme.jinja",
        {
            "system": system,
            "scheme": s,
            "c": scheme_to_json(scheme_from_json(s.compiled)),  # any stored format, read as now
            "name": gov.name,
            "area": dict(system.areas.values_list("code", "name")).get,
            "crumbs": [
                *_crumbs(system),
                {"href": reverse("schemes", args=[slug]), "text": "Schemes of delegation"},
            ],
        },
    )


class WhoDecides(Form):
    """A proposal: what kind of decision, when, where, and whose money."""

    decision_type = forms.ChoiceField(label="Kind of decision")
    on = DateField(
        required=False,
        label="Date of the decision (optional)",
        help_text="For example, 10 9 2019. Leave empty for today.",
    )
    footprint = forms.ChoiceField(
        required=False,
        label="Footprint (optional)",
        help_text="The area the proposal covers; a place's own delegations apply within it.",
    )
    project = forms.CharField(
        required=False,
        max_length=200,
        label="Project or contract reference (optional)",
        help_text="Limits on the cumulative cost of a project count what is already committed.",
    )

    def __init__(
        self,
        *args: object,
        organisations: list[tuple[str, str]],
        areas: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["decision_type"].choices = [("", "Choose one")] + [  # type: ignore[attr-defined]
            (t.value, DECISION_TYPES.get(t.value, t.value.replace("_", " ").capitalize()))
            for t in DecisionType
        ]
        self.fields["footprint"].choices = [("", "The whole system"), *areas]  # type: ignore[attr-defined]
        for i in range(COMMITMENT_ROWS):
            self.fields[f"organisation_{i}"] = forms.ChoiceField(
                required=False,
                label=f"Organisation {i + 1}",
                choices=[("", "Choose an organisation" if i == 0 else "No more"), *organisations],
            )
            self.fields[f"amount_{i}"] = MoneyField(
                required=False,
                label=f"Amount {i + 1}",
                help_text="",
            )
            self.fields[f"prior_{i}"] = MoneyField(
                required=False,
                label=f"Already committed {i + 1} (optional)",
                help_text="",
            )

    def commitments(self) -> list[tuple[int, str, int, int | None]]:
        """(row, organisation, pence, pence already committed) for each row filled in."""
        rows = []
        for i in range(COMMITMENT_ROWS):
            org = self.cleaned_data.get(f"organisation_{i}") or ""
            amount = self.cleaned_data.get(f"amount_{i}")
            prior = self.cleaned_data.get(f"prior_{i}")
            if org or amount is not None or prior is not None:
                rows.append((i, org, amount or 0, prior))
        return rows

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        rows = self.commitments() if not self.errors else []
        if not self.errors and not rows:
            self.add_error(
                "organisation_0", "Enter at least one organisation and the amount it commits"
            )
        for i, org, _, _ in rows:
            if not org:
                self.add_error(
                    f"organisation_{i}",
                    f"Choose organisation {i + 1}, whose resources amount {i + 1} commits",
                )
            elif self.cleaned_data.get(f"amount_{i}") is None:
                self.add_error(f"amount_{i}", f"Enter amount {i + 1}, or 0 for a policy or a plan")
        return data


@require_safe
def who_decides(request: HttpRequest, slug: str) -> HttpResponse:
    """The "who may decide this?" form: a proposal in, its route with reasons out."""
    system = get_object_or_404(System, slug=slug)
    organisations = list(
        Organisation.objects.filter(schemes__system=system)
        .distinct()
        .order_by("name")
        .values_list("code", "name")
    )
    # Places and wider footprints a proposal may cover, widest first, each with its level.
    order = {lv.value: lv.rank for lv in Level}
    areas = [
        (a.code, f"{a.name} ({level_label(a.level).lower()})")
        for a in sorted(
            system.areas.exclude(origin="ods").exclude(level=Level.REGION.value),
            key=lambda a: (order[a.level], a.name),
        )
    ]
    asked = "decision_type" in request.GET
    form = WhoDecides(request.GET if asked else None, organisations=organisations, areas=areas)
    result = None
    if asked and form.is_valid():
        rows = form.commitments()
        data = {
            "system": slug,
            "decision_type": form.cleaned_data["decision_type"],
            "on": (form.cleaned_data["on"] or date.today()).isoformat(),
            "footprint": form.cleaned_data["footprint"] or None,
            "project": form.cleaned_data["project"],
            "commitments": [
                {
                    "organisation": org,
                    "amount": Decimal(pence) / 100,
                    "prior": None if prior is None else Decimal(prior) / 100,
                }
                for _, org, pence, prior in rows
            ],
        }
        fields = {
            f"commitments[{n}].{name}": f"{name}_{i}"
            for n, (i, _, _, _) in enumerate(rows)
            for name in ("organisation", "amount", "prior")
        }
        try:
            route, gov = route_proposal(ProposalIn.model_validate(data))
            result = presenters.describe_route(route, gov)
        except ValidationError as exc:
            form.refuse(
                Refused(
                    "",
                    [Problem(field_path(loc), message) for loc, message in pydantic_problems(exc)],
                ),
                fields,
            )
        except Refused as refused:
            form.refuse(refused, fields)
    return render(
        request,
        "governance/who_decides.jinja",
        {"system": system, "crumbs": _crumbs(system), "form": form, "result": result},
        status=400 if form.errors else 200,
    )
