"""The public register's hash chain and anchors: every action publishes what it changed; a
record rewritten in SQL is named by `verify-register`, even when the chain's later hashes are
recomputed, and even when the anchor table in the database is rewritten too, against the
anchors kept outside it."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from commonweal.core.actions import Actor
from commonweal.decisions import actions
from commonweal.public.models import Anchor, Entry, RegisterDecision
from commonweal.public.publication import canonical, link
from commonweal.public.verify import read_anchors, verify

from ..decisions.test_decisions import body, held_meeting, ice_meeting, joint  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def anchors(tmp_path, settings):
    location = tmp_path / "anchors"
    settings.STORAGES = {
        **settings.STORAGES,
        "anchors": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location


@pytest.fixture
def published(universe, ice_meeting, anchors, django_capture_on_commit_callbacks):  # noqa: F811
    clerk = Actor.from_user(universe.accounts["clerk-ice"])
    made = []
    with django_capture_on_commit_callbacks(execute=True):
        for number, title in ((1, "Joint strategy for home care"), (2, "Community equipment")):
            made.append(
                actions.record_at_item(
                    clerk, ice_meeting.items.get(number=number), joint(title)
                ).decision
            )
    return made


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def rewrite_chain_from(entry):
    """What a careful attacker does after rewriting a record: recompute the entry's payload
    from the record, and every later hash, so the chain is consistent again."""
    prev = entry.prev
    for e in Entry.objects.filter(seq__gte=entry.seq).order_by("seq"):
        payload = e.payload
        if e.seq == entry.seq:
            data = json.loads(payload)
            data["reasons"] = "Rewritten afterwards."
            payload = canonical(data)
        new = link(prev, e.kind, e.key, e.version, payload)
        sql(
            "UPDATE public_entry SET payload = %s, prev = %s, hash = %s WHERE id = %s",
            [payload, prev, new, e.pk],
        )
        prev = new
    sql(
        "UPDATE public_registerdecision SET payload = %s WHERE reference = %s",
        [Entry.objects.get(pk=entry.pk).payload, entry.key],
    )


def problems_about(report, reference):
    return [p for p in report.problems if reference in p.record and p.tampering]


def test_each_action_publishes_and_anchors_what_it_recorded(published, anchors):
    first, _ = published
    assert Entry.objects.filter(kind="decision").count() == 2
    assert RegisterDecision.objects.filter(reference=first.reference).exists()
    kept = read_anchors(None)
    assert [a["seq"] for a in kept] == list(Anchor.objects.values_list("seq", flat=True))
    report = verify(kept)
    assert not report.tampered, report.problems
    assert report.entries == 2 and report.outside == 2


def test_a_decision_rewritten_in_sql_is_named(published):
    first, second = published
    sql("UPDATE decisions_decision SET reasons = 'Rewritten' WHERE id = %s", [first.pk])
    report = verify(read_anchors(None))
    assert problems_about(report, first.reference)
    assert not problems_about(report, second.reference)


def test_rewriting_the_chain_too_is_caught_by_the_anchors(published):
    first, _ = published
    sql("UPDATE decisions_decision SET reasons = 'Rewritten afterwards.' WHERE id = %s", [first.pk])
    rewrite_chain_from(Entry.objects.get(kind="decision", key=first.reference))
    # The chain is consistent again and the register matches it...
    inside_only = verify(None)
    assert not [p for p in inside_only.problems if "does not follow" in p.message]
    # ...but the anchors (in the database, and outside it) name the rewritten record.
    assert problems_about(inside_only, first.reference)
    assert problems_about(verify(read_anchors(None)), first.reference)


def test_rewriting_the_anchor_table_too_is_caught_outside_the_database(published, anchors):
    first, _ = published
    sql("UPDATE decisions_decision SET reasons = 'Rewritten afterwards.' WHERE id = %s", [first.pk])
    rewrite_chain_from(Entry.objects.get(kind="decision", key=first.reference))
    by_seq = {e.seq: e for e in Entry.objects.all()}
    for a in Anchor.objects.all():
        entries = [[s, k, key, v, by_seq[s].hash] for s, k, key, v, _ in a.entries]
        sql(
            "UPDATE public_anchor SET head = %s, entries = %s WHERE id = %s",
            [by_seq[a.seq].hash, json.dumps(entries), a.pk],
        )
    assert not verify(None).tampered, "inside the database, everything now agrees"
    report = verify(read_anchors(None))
    assert problems_about(report, first.reference)
    with pytest.raises(CommandError, match="not as published"):
        call_command("verify_register", "--anchors", str(anchors))


def test_the_command_says_the_register_is_as_published(published, anchors, capsys):
    call_command("verify_register")
    assert "The register is as published." in capsys.readouterr().out


def test_a_hostile_anchors_file_is_refused_with_its_line(published, tmp_path):
    bad = tmp_path / "anchors.jsonl"
    bad.write_text('{"seq": 1, "head": "0", "at": "", "entries": []}\nnot json\n')
    with pytest.raises(CommandError, match="line 2"):
        call_command("verify_register", "--anchors", str(bad))
    for hostile in (
        "[1, 2]",
        '{"seq": [1]}',
        "[" * 100_000,
        '{"seq": 1, "head": "0", "entries": [[[1], "d", "k", 1, "h"]]}',
    ):
        bad.write_text(hostile)
        with pytest.raises(CommandError, match="could not read the anchors"):
            call_command("verify_register", "--anchors", str(bad))


def test_publish_does_not_bless_a_change_no_action_made(published, capsys):
    first, _ = published
    sql("UPDATE decisions_decision SET reasons = 'Rewritten' WHERE id = %s", [first.pk])
    call_command("publish")
    assert first.reference in capsys.readouterr().out
    assert problems_about(verify(read_anchors(None)), first.reference), "still reported"
    # Someone who has checked the change may publish it as a new version, on purpose.
    call_command("publish", "--republish", first.reference)
    assert Entry.objects.filter(key=first.reference).count() == 2


def test_a_decision_deleted_from_the_register_is_named(published):
    first, second = published
    sql("DELETE FROM public_registerdecision WHERE reference = %s", [second.reference])
    report = verify(read_anchors(None))
    assert problems_about(report, second.reference)
    assert not problems_about(report, first.reference)
