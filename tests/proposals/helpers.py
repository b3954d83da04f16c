"""Meetings for the proposals tests: a body's meeting arranged ahead (for the forward plan to
find), its business taken onto the agenda, then held (moved to yesterday), with every member
present, as the meetings and decisions capabilities record them."""

from datetime import date, timedelta

from commonweal.core.actions import Actor
from commonweal.decisions import actions as decisions
from commonweal.governance.models import Body, PostHolding
from commonweal.meetings import actions as meetings
from commonweal.meetings.models import AgendaItem, ForwardPlanItem, Meeting

CL = Actor.command_line


def arrange(system, code: str, days: int = 14) -> Meeting:
    body = Body.objects.get(system=system, code=code)
    return meetings.schedule_meeting(
        CL(), body, meetings.at(date.today() + timedelta(days=days), 10, 0), status="confirmed"
    )


def hold(meeting: Meeting, days_ago: int = 1) -> list[AgendaItem]:
    """Take the meeting's planned business onto its agenda, hold it, and record every member
    present (each member post's current holder)."""
    items = []
    for plan in ForwardPlanItem.objects.filter(meeting=meeting, status="planned").order_by("pk"):
        items.append(
            meetings.add_agenda_item(
                CL(), meeting, meetings.ItemIn(plan_item=plan, kind=plan.kind, title=plan.title)
            )
        )
    meetings.change_meeting(
        CL(),
        meeting,
        starts=meetings.at(date.today() - timedelta(days=days_ago), 10, 0),
        venue=meeting.venue,
    )
    meeting.refresh_from_db()
    meetings.change_meeting(CL(), meeting, status="held")
    meeting.refresh_from_db()
    for m in meeting.body.memberships.filter(kind="member", ends__isnull=True).select_related(
        "post"
    ):
        holding = PostHolding.objects.filter(post=m.post, ends__isnull=True).first()
        if holding is None:
            continue
        meetings.record_attendance(
            CL(),
            meeting,
            meetings.AttendanceIn(person=holding.person, capacity="member", post=m.post),
        )
    return items


def record(item: AgendaItem, outcome: str, *, step: str = "", parts=None, title: str = ""):
    return decisions.record_at_item(
        CL(),
        item,
        decisions.DecisionIn(
            title=title or item.title,
            resolution=f"{outcome.replace('_', ' ').capitalize()} of {item.title}.",
            outcome=outcome,
            decision_type=item.plan_item.decision_type if item.plan_item else "",
            route_step=step,
            parts=parts or [],
        ),
    )
