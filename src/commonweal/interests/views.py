"""Pages for registers of interests, returns, gifts and hospitality, and dispensations."""

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from commonweal.core.actions import Actor
from commonweal.core.errors import NotPermitted, Refused
from commonweal.core.forms import Form
from commonweal.core.models import COUNCIL_KINDS, Organisation, Person, in_force
from commonweal.core.permissions import Permission
from commonweal.governance.models import PostHolding
from commonweal.interests import actions, forms, presenters
from commonweal.interests.models import Dispensation, Interest, Offer

GET_POST = require_http_methods(["GET", "HEAD", "POST"])


def _attempt(form: Form, do: Any) -> Any:
    try:
        return do()
    except NotPermitted:
        raise  # not the form's mistake: a page of its own (403)
    except Refused as refused:
        form.refuse(refused)
        return None


def _status(*forms_: Form) -> int:
    return 400 if any(f.is_bound and f.errors for f in forms_) else 200


def _entry(data: dict[str, Any]) -> actions.InterestIn:
    return actions.InterestIn(
        kind=data["kind"],
        description=data["description"],
        starts=data["starts"],
        counterparty=data["counterparty"],
        ends=data["ends"],
        action=data["action"],
        pecuniary=data["pecuniary"],
        withheld=data["withheld"],
        withheld_reason=data["withheld_reason"],
    )


def _offer(data: dict[str, Any]) -> actions.OfferIn:
    return actions.OfferIn(
        kind=data["kind"],
        description=data["description"],
        offered_by=data["offered_by"],
        value=data["value"],
        on=data["on"],
        decision=data["decision"],
        from_supplier=data["from_supplier"],
        promotional=data["promotional"],
        cash=data["cash"],
        reason=data["reason"],
    )


@GET_POST
def mine(request: HttpRequest) -> HttpResponse:
    """Your registers of interests, your returns, and your gifts and hospitality."""
    actor = Actor.from_user(request.user)
    person = actor.person
    today = date.today()
    orgs = presenters.organisations_of(person, today) if person else []
    choices = [(o.code, o.name) for o in orgs]
    posted = request.POST if request.method == "POST" else None
    which = request.POST.get("form", "") if posted else ""
    # One register: chosen already.
    only = {"organisation": orgs[0].code} if len(orgs) == 1 else {}
    entry = forms.InterestForm(
        posted if which == "interest" else None,
        organisations=choices,
        prefix="interest",
        initial=only,
    )
    made = forms.ReturnForm(
        posted if which == "return" else None, organisations=choices, prefix="return", initial=only
    )
    offer = forms.OfferForm(
        posted if which == "offer" else None, organisations=choices, prefix="offer", initial=only
    )
    if posted is not None and person is not None:
        done: Any = None
        by_code = {o.code: o for o in orgs}
        if which == "interest" and entry.is_valid():
            org = by_code[entry.cleaned_data["organisation"]]
            done = _attempt(
                entry,
                lambda: actions.record_interest(actor, person, org, _entry(entry.cleaned_data)),
            )
        elif which == "return" and made.is_valid():
            org = by_code[made.cleaned_data["organisation"]]
            done = _attempt(
                made, lambda: actions.make_return(actor, person, org, nil=made.cleaned_data["nil"])
            )
        elif which == "offer" and offer.is_valid():
            org = by_code[offer.cleaned_data["organisation"]]
            done = _attempt(
                offer, lambda: actions.record_offer(actor, person, org, _offer(offer.cleaned_data))
            )
        if done is not None:
            messages.info(request, "Your register is updated.")
            return HttpResponseRedirect(reverse("my-interests"))
    interests = (
        Interest.objects.filter(person=person).select_related("person", "organisation")
        if person
        else Interest.objects.none()
    )
    returns = presenters.last_returns(person) if person else {}
    return render(
        request,
        "interests/mine.jinja",
        {
            "person": person,
            "registers": [
                (
                    o,
                    returns.get(o.pk),
                    presenters.interest_rows(interests.filter(organisation=o), actor),
                )
                for o in orgs
            ],
            "offers": presenters.offer_rows(
                Offer.objects.filter(person=person).select_related("person", "approved_by")
                if person
                else []
            ),
            "entry": entry,
            "made": made,
            "offer": offer,
        },
        status=_status(entry, made, offer),
    )


@GET_POST
def change(request: HttpRequest, pk: int) -> HttpResponse:
    """Change or end an entry (the person's own, or as their organisation's governance team)."""
    interest = get_object_or_404(Interest.objects.select_related("person", "organisation"), pk=pk)
    actor = Actor.from_user(request.user)
    if not presenters.may_see(actor, interest):
        raise NotPermitted(
            f"Only {interest.person} and {interest.organisation.name}'s governance team change this entry."
        )
    org = interest.organisation
    form = forms.InterestForm(
        request.POST if request.method == "POST" else None,
        organisations=[(org.code, org.name)],
        initial={
            "organisation": org.code,
            "kind": interest.kind,
            "counterparty": interest.counterparty,
            "description": interest.description,
            "pecuniary": interest.pecuniary,
            "starts": interest.starts,
            "ends": interest.ends,
            "action": interest.action,
            "withheld": interest.withheld,
            "withheld_reason": interest.withheld_reason,
        },
    )
    if request.method == "POST" and form.is_valid():
        done = _attempt(
            form, lambda: actions.change_interest(actor, interest, _entry(form.cleaned_data))
        )
        if done is not None:
            messages.info(request, "The entry is changed.")
            mine = actor.person is not None and actor.person.pk == interest.person_id
            return HttpResponseRedirect(
                reverse("my-interests") if mine else reverse("register", args=[org.code])
            )
    return render(
        request,
        "interests/change.jinja",
        {
            "interest": interest,
            "form": form,
            "crumbs": [
                {"href": reverse("my-interests"), "text": "Your interests"}
                if actor.person is not None and actor.person.pk == interest.person_id
                else {"href": reverse("register", args=[org.code]), "text": "Register of interests"}
            ],
        },
        status=_status(form),
    )


def _holders(org: Organisation, today: date) -> list[Person]:
    return list(
        Person.objects.filter(
            holdings__in=PostHolding.objects.filter(post__organisation=org).filter(in_force(today))
        )
        .distinct()
        .order_by("name")
    )


@GET_POST
def register(request: HttpRequest, code: str) -> HttpResponse:
    """An organisation's register of interests; its governance team records entries for its
    people here."""
    org = get_object_or_404(Organisation, code=code)
    actor = Actor.from_user(request.user)
    today = date.today()
    keeper = actor.holds(Permission.MANAGE_INTERESTS, org)
    people = _holders(org, today)
    form = forms.EntryForPersonForm(
        request.POST if request.method == "POST" and keeper else None,
        organisations=[(org.code, org.name)],
        people=[(p.key, p.name) for p in people],
        initial={"organisation": org.code},
    )
    if request.method == "POST":
        if not keeper:
            raise NotPermitted(f"Only {org.name}'s governance team records entries for its people.")
        if form.is_valid():
            person = get_object_or_404(Person, key=form.cleaned_data["person"])
            done = _attempt(
                form, lambda: actions.record_interest(actor, person, org, _entry(form.cleaned_data))
            )
            if done is not None:
                messages.info(request, f"The entry is on {person}'s register.")
                return HttpResponseRedirect(reverse("register", args=[org.code]))
    rows = presenters.interest_rows(
        Interest.objects.filter(organisation=org).select_related("person", "organisation"), actor
    )
    return render(
        request,
        "interests/register.jinja",
        {
            "org": org,
            "rows": rows,
            "keeper": keeper,
            "form": form,
            "crumbs": [{"href": reverse("organisation", args=[org.code]), "text": org.name}],
        },
        status=_status(form),
    )


@require_safe
def overdue(request: HttpRequest, code: str) -> HttpResponse:
    """Who holds the organisation's posts, and when each one's declaration is due."""
    org = get_object_or_404(Organisation, code=code)
    rows = presenters.returns_due(org, date.today())
    return render(
        request,
        "interests/overdue.jinja",
        {
            "org": org,
            "late": [r for r in rows if r.due.overdue],
            "rows": [r for r in rows if not r.due.overdue],
            "crumbs": [
                {"href": reverse("organisation", args=[org.code]), "text": org.name},
                {"href": reverse("register", args=[org.code]), "text": "Register of interests"},
            ],
        },
    )


@GET_POST
def gifts(request: HttpRequest, code: str) -> HttpResponse:
    """The organisation's register of gifts and hospitality; a senior approves (or declines)
    what awaits approval."""
    org = get_object_or_404(Organisation, code=code)
    actor = Actor.from_user(request.user)
    form = forms.DecideOfferForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        offer = get_object_or_404(Offer, organisation=org, pk=_int(request.POST.get("offer", "")))
        if form.is_valid():
            done = _attempt(
                form,
                lambda: actions.decide_offer(
                    actor,
                    offer,
                    approve="approve" in request.POST,
                    reason=form.cleaned_data["reason"],
                ),
            )
            if done is not None:
                messages.info(
                    request,
                    f"The offer to {offer.person} is {done.get_decision_display().lower()}.",
                )
                return HttpResponseRedirect(reverse("gifts", args=[org.code]))
    # The register lists what the rules say to declare; what need not be declared stays with
    # the person who recorded it.
    offers = Offer.objects.filter(organisation=org).select_related("person", "approved_by")
    rows = presenters.offer_rows(offers.filter(declared=True))
    mine = actor.person.pk if actor.person else None
    return render(
        request,
        "interests/gifts.jinja",
        {
            "org": org,
            "rows": rows,
            "pending": presenters.offer_rows(
                offers.filter(decision=Offer.Decision.PENDING).exclude(person_id=mine or 0)
            ),
            "approver": actor.holds(Permission.APPROVE_HOSPITALITY, org),
            "form": form,
            "crumbs": [{"href": reverse("organisation", args=[org.code]), "text": org.name}],
        },
        status=_status(form),
    )


@GET_POST
def dispensations(request: HttpRequest, code: str) -> HttpResponse:
    org = get_object_or_404(Organisation, code=code)
    actor = Actor.from_user(request.user)
    today = date.today()
    keeper = actor.holds(Permission.MANAGE_INTERESTS, org)
    form = forms.DispensationForm(
        request.POST if request.method == "POST" else None,
        people=[(p.key, p.name) for p in _holders(org, today)],
    )
    if request.method == "POST":
        if not keeper:
            raise NotPermitted(f"Only {org.name}'s governance team records dispensations.")
        if form.is_valid():
            data = form.cleaned_data
            person = get_object_or_404(Person, key=data["person"])
            done = _attempt(
                form,
                lambda: actions.grant_dispensation(
                    actor,
                    person,
                    org,
                    scope=data["scope"],
                    granted_by=data["granted_by"],
                    starts=data["starts"],
                    ends=data["ends"],
                ),
            )
            if done is not None:
                messages.info(request, f"The dispensation for {person} is recorded.")
                return HttpResponseRedirect(reverse("dispensations", args=[org.code]))
    return render(
        request,
        "interests/dispensations.jinja",
        {
            "org": org,
            "rows": presenters.dispensation_rows(
                Dispensation.objects.filter(organisation=org).select_related("person"), today
            ),
            "keeper": keeper,
            "council": org.kind in COUNCIL_KINDS,
            "form": form,
            "crumbs": [{"href": reverse("organisation", args=[org.code]), "text": org.name}],
        },
        status=_status(form),
    )


def _int(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 19 else 0
