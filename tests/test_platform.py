"""Platform: audit events, roles and their scopes, background tasks, settings."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.tasks import TaskResultStatus

from commonweal.core.actions import Actor, action
from commonweal.core.formatting import long_date, number, pounds
from commonweal.core.models import AuditEvent, Role, RoleAssignment
from commonweal.core.people import add_person, assign_role, may_act
from commonweal.registry.models import Area, Organisation

from .test_importers import epraccur_row, write_csv


@action("test.failing")
def failing_action(actor, name):
    Organisation.objects.create(code="ZZZ", name=name, kind="gp_practice")
    actor.record("organisation", "ZZZ", "created ZZZ")
    raise RuntimeError("something went wrong half way")


@pytest.mark.django_db
def test_an_action_that_fails_leaves_no_change_and_no_audit_event(actor):
    events = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        failing_action(actor, "Half written")
    assert not Organisation.objects.filter(code="ZZZ").exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_audit_events_say_who_when_what_before_and_after(devon):
    person = get_user_model().objects.create_user("ann")
    event = AuditEvent.objects.filter(action="registry.load_system", object_id="devon-2019").latest(
        "id"
    )
    assert event.actor_label == "test" and event.object_id == "devon-2019" and event.at
    assert event.before is None and "wider-devon" in event.after["areas"]
    assert Actor.from_user(person).label == "ann"


@pytest.mark.django_db
def test_roles_are_held_for_organisations_and_may_be_scoped(actor, devon):
    ccg = Organisation.objects.get(code="15N")
    council = Organisation.objects.get(code="E06000027")
    torbay = Area.objects.get(system=devon, code="torbay")
    plymouth = Area.objects.get(system=devon, code="plymouth")
    ann = add_person(actor, "ann", "a-long-password")
    assign_role(actor, ann, ccg, Role.FINANCE)
    assign_role(actor, ann, council, Role.CLERK, scope=torbay)
    assert may_act(ann, Role.FINANCE, ccg)
    assert not may_act(ann, Role.FINANCE, council)
    assert not may_act(ann, Role.EXECUTIVE, ccg)
    assert may_act(ann, Role.CLERK, council, scope=torbay)
    assert not may_act(ann, Role.CLERK, council, scope=plymouth)
    assert not may_act(ann, Role.CLERK, council), (
        "a scoped role does not cover the whole organisation"
    )
    with pytest.raises(ValueError, match="clerk acts for particular bodies"):
        assign_role(actor, ann, council, Role.CLERK)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(person=ann, organisation=council, role=Role.CLERK)
    assert AuditEvent.objects.filter(action="core.assign_role").count() == 2


@pytest.mark.django_db(transaction=True)
def test_imports_run_in_the_background_worker(tmp_path, actor):
    from commonweal.registry.tasks import import_data_directory

    (tmp_path / "ods").mkdir()
    write_csv(tmp_path / "ods" / "epraccur.csv", [epraccur_row("ZZ9001", "RIVERSIDE SURGERY")])
    result = import_data_directory.enqueue(str(tmp_path), "ann")
    assert result.status == TaskResultStatus.READY
    call_command("worker", batch=True)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL, result.errors
    assert result.return_value == ["epraccur.csv: 1 rows read, 1 created, 0 updated"]
    assert AuditEvent.objects.filter(
        action="registry.import_epraccur", actor_label="task worker, for ann"
    ).exists()


def test_formats_follow_the_nhs_style():
    from datetime import date

    assert long_date(date(2026, 11, 2)) == "2 November 2026"
    assert number(1194000) == "1,194,000" and number(None) == "not known"
    assert (
        pounds(183574000000) == "£1,835,740,000"
        and pounds(183574000000, thousands=True) == "1,835,740"
    )
    assert pounds(-1050) == "-£10.50"
