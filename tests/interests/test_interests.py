"""Registers of interests, returns, gifts and hospitality, and dispensations, through their
pages and actions, with the refusals."""

import re
from datetime import date, timedelta

import pytest
from django.test import Client

from commonweal.core.actions import Actor
from commonweal.core.errors import Refused
from commonweal.core.models import AuditEvent, Organisation, Person
from commonweal.interests import actions
from commonweal.interests.models import Interest, Offer, Return

pytestmark = pytest.mark.django_db

CL = Actor.command_line


def signed_in(universe, name):
    client = Client()
    client.force_login(universe.accounts[name])
    return client


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def declare(client, **fields):
    base = {
        "form": "interest",
        "interest-organisation": "15N",
        "interest-kind": "non_financial_professional",
        "interest-counterparty": "Devon Independent Living Trust",
        "interest-description": "Trustee",
        "interest-starts": "2024-06-01",
    }
    return client.post("/interests/", {**base, **{f"interest-{k}": v for k, v in fields.items()}})


def test_a_person_declares_an_interest_and_it_is_on_the_register(universe):
    alex = signed_in(universe, "alex-morgan")
    assert declare(alex).status_code == 302
    entry = Interest.objects.get(person__key="alex-morgan")
    assert entry.organisation.code == "15N" and entry.declared_on == date.today()
    register = text(signed_in(universe, "analyst-15n").get("/organisations/15N/interests/"))
    assert "Devon Independent Living Trust: Trustee" in register and "Alex Morgan" in register


def test_a_withheld_entry_is_seen_only_by_the_person_and_the_governance_team(universe):
    alex = signed_in(universe, "alex-morgan")
    refused = declare(alex, withheld="on", description="My partner works at Acme Care")
    assert refused.status_code == 400 and "Say why the entry is withheld" in text(refused)
    declare(
        alex,
        withheld="on",
        withheld_reason="A risk of harm to a family member",
        description="My partner works at Acme Care",
        counterparty="Acme Care",
    )
    secret = "My partner works at Acme Care"
    analyst = text(signed_in(universe, "analyst-15n").get("/organisations/15N/interests/"))
    assert secret not in analyst and "Acme Care" not in analyst
    assert "Details withheld: A risk of harm to a family member" in analyst
    assert secret in text(signed_in(universe, "admin-15n").get("/organisations/15N/interests/"))
    assert secret in text(alex.get("/interests/"))
    entry = Interest.objects.get(person__key="alex-morgan")
    assert signed_in(universe, "analyst-15n").get(f"/interests/{entry.pk}/").status_code == 403
    # The audit trail, read by more people than the register allows, keeps no details either.
    assert not [
        e for e in AuditEvent.objects.filter(object_type="interest") if secret in str(e.after)
    ]


def test_entries_are_checked(universe):
    alex = Person.objects.get(key="alex-morgan")
    ccg = Organisation.objects.get(code="15N")
    with pytest.raises(Refused) as refused:
        actions.record_interest(
            CL(),
            alex,
            ccg,
            actions.InterestIn(
                kind="financial",
                description="X",
                starts=date(2024, 1, 1),
                ends=date(2023, 1, 1),
                pecuniary=True,
            ),
        )
    assert {p.field for p in refused.value.problems} == {"ends", "pecuniary"}
    with pytest.raises(Refused, match="holds no post or role"):
        actions.record_interest(
            CL(),
            alex,
            Organisation.objects.get(code="72Q"),
            actions.InterestIn(kind="financial", description="X", starts=date(2024, 1, 1)),
        )


def test_a_nil_return_is_refused_while_interests_are_on_the_register(universe):
    alex = Person.objects.get(key="alex-morgan")
    ccg = Organisation.objects.get(code="15N")
    entry = actions.record_interest(
        CL(),
        alex,
        ccg,
        actions.InterestIn(kind="financial", description="Shares", starts=date(2024, 1, 1)),
    )
    client = signed_in(universe, "alex-morgan")
    refused = client.post(
        "/interests/", {"form": "return", "return-organisation": "15N", "return-nil": "on"}
    )
    assert refused.status_code == 400 and "confirm the register instead" in text(refused)
    assert (
        client.post("/interests/", {"form": "return", "return-organisation": "15N"}).status_code
        == 302
    )
    actions.change_interest(
        CL(),
        entry,
        actions.InterestIn(
            kind="financial",
            description="Shares",
            starts=date(2024, 1, 1),
            ends=date.today() - timedelta(days=1),
        ),
    )
    assert (
        client.post(
            "/interests/", {"form": "return", "return-organisation": "15N", "return-nil": "on"}
        ).status_code
        == 302
    )
    assert list(Return.objects.filter(person=alex).values_list("nil", flat=True)) == [True, False]


def test_the_page_of_declarations_due_lists_who_is_late(universe):
    ccg = Organisation.objects.get(code="15N")
    for p in Person.objects.filter(holdings__post__organisation=ccg).distinct():
        Return.objects.create(person=p, organisation=ccg, on=date.today() - timedelta(days=30))
    sam = Person.objects.get(key="sam-patel")
    Return.objects.filter(person=sam).update(on=date.today() - timedelta(days=400))
    page = text(signed_in(universe, "analyst-15n").get("/organisations/15N/interests/due/"))
    late = page.split("Overdue (")[1].split("Up to date (")[0]
    assert late.startswith("1)") and "Sam Patel" in late and "Director of Commissioning" in late
    assert "Yearly: the last return was on" in late
    assert "Alex Morgan" not in late


def offer(client, **fields):
    base = {
        "form": "offer",
        "offer-organisation": "15N",
        "offer-kind": "hospitality",
        "offer-description": "Dinner",
        "offer-offered_by": "A consultancy",
        "offer-value": "95",
        "offer-on": date.today().isoformat(),
        "offer-decision": "accepted",
    }
    return client.post("/interests/", {**base, **{f"offer-{k}": v for k, v in fields.items()}})


def test_hospitality_over_the_limit_awaits_a_seniors_approval(universe):
    alex = signed_in(universe, "alex-morgan")
    refused = offer(alex)
    assert refused.status_code == 400 and "declined unless a senior approves it" in text(refused)
    assert offer(alex, decision="pending").status_code == 302
    mine = Offer.objects.get(person__key="alex-morgan")
    # No one approves their own; an administrator is not a senior for this.
    assert (
        alex.post(
            "/organisations/15N/gifts/", {"offer": str(mine.pk), "reason": "Fine", "approve": "1"}
        ).status_code
        == 403
    )
    assert (
        signed_in(universe, "admin-15n")
        .post(
            "/organisations/15N/gifts/", {"offer": str(mine.pk), "reason": "Fine", "approve": "1"}
        )
        .status_code
        == 403
    )
    jo = actions.record_offer(
        CL(),
        Person.objects.get(key="jo-evans"),
        Organisation.objects.get(code="15N"),
        actions.OfferIn(
            kind="hospitality",
            description="Dinner",
            offered_by="X",
            value=9_000,
            on=date.today(),
            decision="pending",
        ),
    )
    page = text(alex.get("/organisations/15N/gifts/"))
    assert "Awaiting your approval" in page and "Jo Evans" in page
    done = alex.post(
        "/organisations/15N/gifts/",
        {"offer": str(jo.pk), "reason": "Speaking at the event", "approve": "1"},
    )
    assert done.status_code == 302
    jo.refresh_from_db()
    assert jo.decision == "approved" and jo.approved_by.key == "alex-morgan"


def test_gifts_from_one_source_add_up_over_the_year(universe):
    alex = Person.objects.get(key="alex-morgan")
    ccg = Organisation.objects.get(code="15N")

    def gift(value, decision, on=None):
        on = on or date.today()
        return actions.record_offer(
            CL(),
            alex,
            ccg,
            actions.OfferIn(
                kind="gift",
                description="Flowers",
                offered_by="A Family",
                value=value,
                on=on,
                decision=decision,
            ),
        )

    # A gift more than a year before does not count against today's.
    gift(3_000, "accepted", on=date.today() - timedelta(days=400))
    gift(3_000, "accepted", on=date.today() - timedelta(days=10))
    with pytest.raises(Refused, match="with the other gifts from the same source"):
        gift(3_000, "accepted")
    gift(3_000, "for_organisation")
    with pytest.raises(Refused, match="must be today or in the past"):
        gift(100, "accepted", on=date.today() + timedelta(days=1))


def test_councils_members_register_what_nhs_staff_would_refuse(universe):
    """A council's members work to their code: over £50 is registered, not refused."""
    lou = Person.objects.get(key="lou-barnes")
    council = Organisation.objects.get(code="E10000008")
    supplier_gift = actions.OfferIn(
        kind="gift",
        description="A hamper",
        offered_by="A care provider",
        value=8_000,
        on=date.today(),
        decision="accepted",
        from_supplier=True,
    )
    made = actions.record_offer(CL(), lou, council, supplier_gift)
    assert made.declared and "registered" in made.advice
    dinner = actions.OfferIn(
        kind="hospitality",
        description="Dinner",
        offered_by="X",
        value=4_000,
        on=date.today(),
        decision="accepted",
    )
    assert not actions.record_offer(CL(), lou, council, dinner).declared
    with pytest.raises(Refused, match="Gifts from suppliers"):
        actions.record_offer(
            CL(),
            Person.objects.get(key="alex-morgan"),
            Organisation.objects.get(code="15N"),
            supplier_gift,
        )
