"""Records that last: loaders end what a document drops and never delete what records point at;
a loaded scheme version never changes."""

import re
from datetime import date, timedelta

import pytest

from commonweal.core.actions import Actor
from commonweal.core.errors import Conflict
from commonweal.core.models import AuditEvent, ImmutableRecord, Organisation, Person, Role
from commonweal.core.people import assign_role
from commonweal.governance.actions import load_governance, load_scheme
from commonweal.governance.models import Body, BodyMembership, Post, PostHolding, Scheme
from commonweal.registry.actions import load_system
from commonweal.registry.models import Area

from ..factories import EXAMPLES

pytestmark = pytest.mark.django_db

YESTERDAY = date.today() - timedelta(days=1)

# For each example: an area, a post and a body to drop, and a body with a clerk to point at it.
EXAMPLE_CASES = {
    "devon-2019": {
        "area": "torbay",
        "post": "15N/director-of-strategy",
        "body": "hwb-torbay",
        "owner": "E06000027",
    },
    "south-east-london-2020": {
        "area": "lambeth",
        "post": "72Q/director-of-finance",
        "body": "pbb-lambeth",
        "owner": "72Q",
    },
}


def drop_area(text: str, code: str) -> str:
    """The system document without one area (its block under `areas:`)."""
    blocks = re.split(r"(?m)^(?=  - code: )", text)
    kept = [b for b in blocks if not b.startswith(f"  - code: {code}\n")]
    assert len(kept) == len(blocks) - 1, code
    return "".join(kept)


def drop_post_and_body(text: str, post: str, body: str) -> str:
    """The governance document without one post (and its mentions) and one body."""
    organisation, code = post.split("/")
    lines = text.splitlines(keepends=True)
    out, skipping = [], False
    for line in lines:
        starts_entry = line.startswith("  - ")
        if starts_entry:
            skipping = (
                f"organisation: {organisation}, code: {code}," in line
                or f"{{code: {body}," in line
                or line.strip() == f"- code: {body}"
            )
        elif skipping and (line.startswith("     ") or line.startswith("    ")):
            continue
        elif not line.startswith(" "):
            skipping = False
        if not skipping:
            out.append(line)
    result = "".join(out)
    result = re.sub(rf",\s*{re.escape(post)}(?=[,\]])", "", result)
    result = re.sub(rf"{re.escape(post)},\s*", "", result)
    result = re.sub(rf"\[\s*{re.escape(post)}\s*\]", "[]", result)
    result = re.sub(rf"parent: {re.escape(body)}", "parent: null", result)
    return result


@pytest.mark.parametrize("name", sorted(EXAMPLE_CASES))
def test_reloading_an_example_without_an_area_a_post_and_a_body_ends_them(universe, name):
    case = EXAMPLE_CASES[name]
    actor = Actor.command_line()
    area = Area.objects.get(system__slug=name, code=case["area"])
    post = Post.objects.select_related("organisation").get(
        organisation__code=case["post"].split("/")[0], code=case["post"].split("/")[1]
    )
    body = Body.objects.get(system__slug=name, code=case["body"])
    # Records that point at them: a clerk's role scoped to the body, the post's holders, the
    # bodies whose footprint is the area, the memberships of the body, and the audit trail.
    clerk = assign_role(
        actor,
        universe.person("nobody"),
        Organisation.objects.get(code=case["owner"]),
        Role.CLERK,
        scope=body,
    )
    holdings = {h.pk: (h.person_id, h.post_id) for h in PostHolding.objects.filter(post=post)}
    footprints = dict(Body.objects.filter(footprint=area).values_list("pk", "footprint_id"))
    memberships = set(BodyMembership.objects.filter(body=body).values_list("pk", "post_id"))
    events = {e.pk: e.summary for e in AuditEvent.objects.all()}
    people = Person.objects.count()

    system_text = drop_area((EXAMPLES / f"{name}.yaml").read_text(), case["area"])
    # Children of the dropped area stay in the document with no parent to point at.
    system_text = re.sub(rf"(?m)^    parent: {case['area']}\n", "", system_text)
    load_system(actor, f"{name}.yaml", system_text)
    governance_text = drop_post_and_body(
        (EXAMPLES / f"{name}-governance.yaml").read_text(), case["post"], case["body"]
    )
    load_governance(actor, f"{name}-governance.yaml", governance_text)

    area.refresh_from_db()
    post.refresh_from_db()
    body.refresh_from_db()
    assert (area.ends, post.ends, body.ends) == (YESTERDAY, YESTERDAY, YESTERDAY)
    # Nothing that points at them was lost or re-pointed.
    clerk.refresh_from_db()
    assert (clerk.scope_id, clerk.ends) == (str(body.pk), None)
    assert {
        h.pk: (h.person_id, h.post_id) for h in PostHolding.objects.filter(post=post)
    } == holdings
    assert all(
        h.ends is not None and h.ends <= YESTERDAY for h in PostHolding.objects.filter(post=post)
    )
    assert (
        dict(Body.objects.filter(pk__in=footprints).values_list("pk", "footprint_id")) == footprints
    )
    assert set(BodyMembership.objects.filter(body=body).values_list("pk", "post_id")) == memberships
    assert all(m.ends is not None for m in BodyMembership.objects.filter(body=body))
    assert {e.pk: e.summary for e in AuditEvent.objects.filter(pk__in=events)} == events
    assert Person.objects.count() == people
    # Described again, they come back as they were.
    load_system(actor, EXAMPLES / f"{name}.yaml")
    load_governance(actor, EXAMPLES / f"{name}-governance.yaml")
    area.refresh_from_db()
    post.refresh_from_db()
    body.refresh_from_db()
    assert (area.ends, post.ends, body.ends) == (None, None, None)


def test_renaming_a_person_keeps_their_holdings(universe):
    actor = Actor.command_line()
    text = (EXAMPLES / "devon-2019-governance.yaml").read_text()
    person = Person.objects.get(key="alex-morgan")
    holdings = list(PostHolding.objects.filter(person=person).values_list("pk", flat=True))
    load_governance(
        actor, "gov.yaml", text.replace("name: Alex Morgan}", "name: Alex Morgan-Reid}")
    )
    person.refresh_from_db()
    assert person.name == "Alex Morgan-Reid"
    assert list(PostHolding.objects.filter(person=person).values_list("pk", flat=True)) == holdings
    event = AuditEvent.objects.filter(action="governance.load_governance").first()
    assert event.before == {"people.alex-morgan.name": "Alex Morgan"}
    assert event.after == {"people.alex-morgan.name": "Alex Morgan-Reid"}


def test_a_changed_scheme_under_a_loaded_version_is_refused_with_its_differences(
    universe, tmp_path
):
    actor = Actor.command_line()
    original = (EXAMPLES / "devon-2019-scheme-15N.yaml").read_text()
    stored = Scheme.objects.get(organisation__code="15N", version="2019-04")
    compiled, document = stored.compiled, stored.document
    changed = original.replace(
        "{up_to: 100000, decider: {post: 15N/director-of-commissioning}}",
        "{up_to: 150000, decider: {post: 15N/director-of-commissioning}}",
    ).replace("{over: 100000, up_to: 500000", "{over: 150000, up_to: 500000")
    path = tmp_path / "scheme.yaml"
    path.write_text(changed)
    with pytest.raises(Conflict) as caught:
        load_scheme(actor, path)
    problems = [str(p) for p in caught.value.problems]
    assert any(
        p.startswith(f"{path}:")
        and "delegations[D1].bands" in p
        and "the loaded version has £100,000; this document has £150,000" in p
        for p in problems
    ), problems
    assert "give the changed scheme a new version" in caught.value.message
    stored.refresh_from_db()
    assert (stored.compiled, stored.document) == (compiled, document), (
        "the loaded version is unchanged"
    )
    # A changed comment is no change.
    path.write_text("# A comment added after loading.\n" + original)
    assert load_scheme(actor, path).pk == stored.pk
    assert (
        AuditEvent.objects.filter(action="governance.load_scheme")
        .first()
        .summary.endswith("nothing changed")
    )
    # The change as a new version, in force from a later date, is loaded beside the old one.
    path.write_text(
        changed.replace('version: "2019-04"', 'version: "2020-04"').replace(
            "in_force_from: 2019-04-01", "in_force_from: 2020-04-01"
        )
    )
    load_scheme(actor, path)
    assert Scheme.objects.filter(organisation__code="15N").count() == 2
    with pytest.raises(ImmutableRecord, match="cannot be changed"):
        stored.title = "Edited"
        stored.save()


def test_adding_pcns_again_ends_a_closed_network_and_a_practice_that_left(universe):
    from commonweal.core.models import OrganisationKind
    from commonweal.registry.actions import add_pcns
    from commonweal.registry.models import AreaPractice, NetworkMembership, System

    # Arranged directly: two networks of the CCG, as an ODS import would record them.
    ccg = Organisation.objects.get(code="15N")
    networks = [
        Organisation.objects.create(
            code=f"UTL{n}",
            name=f"Test PCN {n}",
            kind=OrganisationKind.PRIMARY_CARE_NETWORK,
            commissioner=ccg,
        )
        for n in (1, 2)
    ]
    practices = [
        Organisation.objects.create(
            code=f"TL00{n}",
            name=f"Practice {n}",
            kind=OrganisationKind.GP_PRACTICE,
            commissioner=ccg,
        )
        for n in (1, 2)
    ]
    memberships = [
        NetworkMembership.objects.create(practice=p, network=networks[0]) for p in practices
    ]
    devon = System.objects.get(slug="devon-2019")
    actor = Actor.command_line()
    add_pcns(actor, devon, "15N", parent="wider-devon")
    area = Area.objects.get(system=devon, code="UTL1")
    ids = set(AreaPractice.objects.filter(area=area).values_list("pk", flat=True))
    assert len(ids) == 2

    networks[1].closed = date.today() - timedelta(days=2)
    networks[1].save()
    memberships[1].ends = date.today() - timedelta(days=2)
    memberships[1].save()
    add_pcns(actor, devon, "15N", parent="wider-devon")
    closed = Area.objects.get(system=devon, code="UTL2")
    assert closed.ends == YESTERDAY, "a network that closed is ended, not deleted"
    assert set(AreaPractice.objects.filter(area=area).values_list("pk", flat=True)) == ids
    left = AreaPractice.objects.get(area=area, practice=practices[1])
    assert left.ends == date.today() - timedelta(days=2), "ended when ODS says it ended"
    assert AreaPractice.objects.get(area=area, practice=practices[0]).ends is None


def test_a_post_moved_from_a_bodys_members_to_its_attendees_leaves_before_it_rejoins(universe):
    # A body holds one open membership for each post: the new one (attendee) used to be made
    # before the old one (member) ended, and the load failed on the database's constraint.
    text = (EXAMPLES / "devon-2019-governance.yaml").read_text()
    members = "    members: [15N/accountable-officer, 15N/director-of-financial-planning, "
    members += "15N/director-of-commissioning, 15N/director-of-strategy]}"
    assert members in text
    moved = text.replace(
        members,
        "    members: [15N/accountable-officer, 15N/director-of-financial-planning, "
        "15N/director-of-commissioning],\n     attendees: [15N/director-of-strategy]}",
    )
    load_governance(Actor.from_user(universe.accounts["admin-15n"]), "gov.yaml", moved)
    rows = BodyMembership.objects.filter(body__code="pdeg", post__code="director-of-strategy")
    assert sorted((m.kind, m.ends) for m in rows) == [
        ("attendee", None),
        ("member", YESTERDAY),
    ]
    event = AuditEvent.objects.filter(action="governance.load_governance").first()
    assert list(event.after) == [
        "bodies.pdeg.memberships.15N/director-of-strategy/attendee",
        "bodies.pdeg.memberships.15N/director-of-strategy/member.ends",
    ], "the diff is noted in the document's order, ends last, as before"
