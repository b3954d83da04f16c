"""People, roles, permissions and API tokens."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from commonweal.core.actions import Actor
from commonweal.core.errors import Conflict, NotPermitted, Refused
from commonweal.core.formatting import long_date, number, pounds
from commonweal.core.models import ApiToken, AuditEvent, Organisation, Person, Role, RoleAssignment
from commonweal.core.people import (
    add_person,
    assign_role,
    end_role,
    make_token,
    revoke_token,
    set_password,
)
from commonweal.core.permissions import ROLE_PERMISSIONS, Permission, holds
from commonweal.governance.models import Body

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_roles_grant_permissions_only_in_their_own_organisation(universe, actor):
    ccg, torbay = Organisation.objects.get(code="15N"), Organisation.objects.get(code="E06000027")
    admin = Actor.from_user(universe.accounts["admin-15n"])
    assert admin.holds(Permission.LOAD_SCHEME, ccg)
    assert not admin.holds(Permission.LOAD_SCHEME, torbay), "an administrator of one organisation"
    analyst = Actor.from_user(universe.accounts["analyst-15n"])
    assert not analyst.holds(Permission.LOAD_SCHEME, ccg)
    assert not Actor.from_user(universe.accounts["nobody"]).holds(Permission.LOAD_SCHEME, ccg)
    # Every role is in the table, and only administrators manage people.
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert [r for r, p in ROLE_PERMISSIONS.items() if Permission.MANAGE_PEOPLE in p] == [
        Role.ADMINISTRATOR
    ]


def test_a_scoped_role_covers_only_its_scope(universe, actor):
    torbay = Organisation.objects.get(code="E06000027")
    cabinet = Body.objects.get(code="cabinet-torbay")
    hwb = Body.objects.get(code="hwb-torbay")
    clerk = universe.person("nobody")
    assign_role(actor, clerk, torbay, Role.ADMINISTRATOR, scope=cabinet)
    held = list(RoleAssignment.objects.filter(person=clerk))
    assert holds(held, Permission.LOAD_SCHEME, torbay, body=cabinet)
    assert not holds(held, Permission.LOAD_SCHEME, torbay, body=hwb)
    assert not holds(held, Permission.LOAD_SCHEME, torbay), (
        "a scoped role is not the whole organisation"
    )
    with pytest.raises(Refused, match="clerk acts for particular bodies"):
        assign_role(actor, clerk, torbay, Role.CLERK)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(person=clerk, organisation=torbay, role=Role.CLERK)


def test_giving_a_role_needs_an_administrator_of_that_organisation(universe):
    ccg, torbay = Organisation.objects.get(code="15N"), Organisation.objects.get(code="E06000027")
    target = universe.person("nobody")
    admin_15n = Actor.from_user(universe.accounts["admin-15n"])
    assign_role(admin_15n, target, ccg, Role.FINANCE)
    with pytest.raises(NotPermitted):
        assign_role(admin_15n, target, torbay, Role.ADMINISTRATOR)
    with pytest.raises(NotPermitted):
        assign_role(
            Actor.from_user(universe.accounts["analyst-15n"]), target, ccg, Role.ADMINISTRATOR
        )
    assert not RoleAssignment.objects.filter(person=target, organisation=torbay).exists()
    finance = RoleAssignment.objects.get(person=target, role=Role.FINANCE)
    with pytest.raises(NotPermitted):
        end_role(Actor.from_user(universe.accounts["admin-torbay"]), finance)
    end_role(admin_15n, finance)
    finance.refresh_from_db()
    assert finance.ends is not None and RoleAssignment.objects.filter(pk=finance.pk).exists()


def test_an_administrator_creates_people_but_never_takes_over_an_account(universe):
    ccg = Organisation.objects.get(code="15N")
    admin_torbay = Actor.from_user(universe.accounts["admin-torbay"])
    with pytest.raises(NotPermitted):
        add_person(admin_torbay, "newbie", PASSWORD, organisation=ccg)
    with pytest.raises(Conflict, match="already taken"):
        add_person(
            Actor.from_user(universe.accounts["admin-15n"]),
            "admin-torbay",
            "x" * 20,
            organisation=ccg,
        )
    with pytest.raises(NotPermitted):
        set_password(admin_torbay, universe.accounts["admin-15n"], "another-long-password")
    universe.accounts["admin-15n"].refresh_from_db()
    assert universe.accounts["admin-15n"].check_password(PASSWORD)
    with pytest.raises(Refused) as refused:
        add_person(
            Actor.from_user(universe.accounts["admin-15n"]), "weak", "password", organisation=ccg
        )
    assert {p.field for p in refused.value.problems} == {"password"}


def test_tokens_expire_and_are_revoked_by_their_owner_or_an_administrator(universe):
    owner = universe.accounts["analyst-15n"]
    me = Actor.from_user(owner)
    key, token = make_token(me, owner, "notebook", lifetime=timedelta(days=7))
    assert ApiToken.usable().filter(key_hash=ApiToken.hash(key)).exists()
    assert token.expires - timezone.now() < timedelta(days=7, seconds=5)
    with pytest.raises(NotPermitted):
        make_token(Actor.from_user(universe.accounts["admin-15n"]), owner, "for them")
    with pytest.raises(NotPermitted):
        revoke_token(Actor.from_user(universe.accounts["admin-torbay"]), token)
    revoke_token(Actor.from_user(universe.accounts["admin-15n"]), token)
    token.refresh_from_db()
    assert token.revoked_at and token.revoked_by == universe.accounts["admin-15n"]
    assert not ApiToken.usable().filter(pk=token.pk).exists()
    _, mine = make_token(me, owner, "second")
    revoke_token(me, mine)
    expired = ApiToken.objects.create(
        owner=owner, name="old", key_hash="0" * 64, expires=timezone.now() - timedelta(seconds=1)
    )
    assert not expired.active
    with pytest.raises(Refused):
        make_token(me, owner, "forever", lifetime=timedelta(days=4000))


def test_a_person_keeps_one_identity_with_or_without_an_account(universe):
    person = universe.person("admin-15n")
    assert person.account.username == "admin-15n" and person.key == "admin-15n"
    assert Person.objects.filter(key="sam-patel", account__isnull=True).exists()
    # A post holder given an account signs in as the person the examples already hold.
    assert universe.person("alex-morgan").key == "alex-morgan"
    assert universe.person("alex-morgan").holdings.exists()
    assert AuditEvent.objects.filter(action="core.assign_role").exists()


def test_formats_follow_the_nhs_style():
    from datetime import date

    assert long_date(date(2026, 11, 2)) == "2 November 2026"
    assert number(1194000) == "1,194,000" and number(None) == "not known"
    assert (
        pounds(183574000000) == "£1,835,740,000"
        and pounds(183574000000, thousands=True) == "1,835,740"
    )
    assert pounds(-1050) == "-£10.50"


def test_a_new_account_never_silently_becomes_an_existing_person(universe):
    ccg = Organisation.objects.get(code="15N")
    admin = Actor.from_user(universe.accounts["admin-15n"])
    # sam-patel is a post holder: an account of that name must say so, not sign in as them.
    with pytest.raises(Conflict) as conflict:
        add_person(admin, "sam-patel", PASSWORD, organisation=ccg)
    assert conflict.value.problems[0].message == (
        "a person with the key sam-patel already exists: pass --person sam-patel to give "
        "them this account, or choose another username"
    )
    assert Person.objects.get(key="sam-patel").account is None
    assert not User.objects.filter(username="sam-patel").exists()
    # Named on purpose, the person gets the account.
    account = add_person(admin, "spatel", PASSWORD, organisation=ccg, person_key="sam-patel")
    assert Person.objects.get(key="sam-patel").account == account
