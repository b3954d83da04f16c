"""The rules of a meeting: notice, who is present for each item, who counts, who chairs.

No Django here: plain data in, an explained answer out. The quorum itself is the governance
engine's rule (`engine.item_quorum`), the same one that judges a decision taken at the item.
"""

from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import holidays

from commonweal.core.formatting import long_date
from commonweal.governance.engine import Decider


def bank_holidays(years: Iterable[int]) -> frozenset[date]:
    """England's bank holidays (the systems Commonweal serves are English)."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=list(years)))


def working_day(day: date, closed: Container[date]) -> bool:
    return day.weekday() < 5 and day not in closed


def publication_deadline(meeting: date, notice_days: int, closed: Container[date]) -> date:
    """The last working day the agenda and papers can go out and still give `notice_days`
    clear working days: days between publication and the meeting, counting neither, nor
    weekends and bank holidays (the council rule, Local Government Act 1972 s100B)."""
    day, counted = meeting, 0
    while counted < notice_days:
        day -= timedelta(days=1)
        if working_day(day, closed):
            counted += 1
    day -= timedelta(days=1)
    while not working_day(day, closed):  # a Sunday would do, but no office works then
        day -= timedelta(days=1)
    return day


def clear_working_days(published: date, meeting: date, closed: Container[date]) -> int:
    day, counted = published + timedelta(days=1), 0
    while day < meeting:
        counted += working_day(day, closed)
        day += timedelta(days=1)
    return counted


@dataclass(frozen=True)
class Notice:
    deadline: date
    given: int | None  # clear working days given, once published
    needed: int
    late: bool
    because: str


def notice(
    meeting: date, needed: int, published: date | None, today: date, closed: Container[date]
) -> Notice:
    deadline = publication_deadline(meeting, needed, closed)
    if published is None:
        late = today > deadline
        because = (
            f"The agenda and papers are due out by {long_date(deadline)} ({needed} clear "
            "working days before the meeting)" + (": that day has passed." if late else ".")
        )
        return Notice(deadline, None, needed, late, because)
    given = clear_working_days(published, meeting, closed)
    late = given < needed
    because = (
        f"Published on {long_date(published)}, {given} clear working days before the meeting "
        f"({needed} needed)" + (": late." if late else ".")
    )
    return Notice(deadline, given, needed, late, because)


class Ruling(StrEnum):
    WITHDRAW = "withdraw"
    NO_PART = "no_part"
    TAKE_PART = "take_part"


@dataclass(frozen=True)
class Attending:
    """One person's attendance: in which post (for a substitute, the member post they stand
    in for), and from which item to which (None: from the start, to the end)."""

    person: str
    post: str
    capacity: str  # member, substitute, attendee, invited, other
    present: bool = True
    arrived: int | None = None
    left: int | None = None

    def there_for(self, item: int) -> bool:
        return (
            self.present
            and (self.arrived is None or self.arrived <= item)
            and (self.left is None or item <= self.left)
        )


@dataclass(frozen=True)
class Declared:
    person: str
    items: frozenset[int]
    ruling: Ruling
    # A council member's disclosable pecuniary interest, and whether a dispensation covers it.
    pecuniary: bool = False
    dispensed: bool = False

    @property
    def conflicted(self) -> bool:
        """Whether the person may not count or take part: the chair's ruling, or, for a
        disclosable pecuniary interest without a dispensation, the law whatever the ruling."""
        return self.ruling is not Ruling.TAKE_PART or (self.pecuniary and not self.dispensed)


def substitute_counts(post: str, members: Container[str], substitutes: Sequence[str]) -> bool:
    """Whether a substitute standing in for `post` counts as that member."""
    return post in members and ("members" in substitutes or post in substitutes)


@dataclass(frozen=True)
class ItemPresence:
    item: int
    # Everyone in the room for the item, in the posts they count in (engine deciders): a
    # substitute who may count appears in the member's post; anyone else counts in no post.
    present: tuple[Decider, ...]
    withdrawn: frozenset[str]  # people who left the room for the item
    conflicted: frozenset[str]  # withdrawn, or staying without taking part
    chair: str | None  # the person who chairs the item
    chaired_by_deputy: bool


def item_presence(
    item: int,
    attending: Iterable[Attending],
    declared: Iterable[Declared],
    members: Container[str],
    substitutes: Sequence[str],
    chair_post: str | None,
    deputy_post: str | None,
) -> ItemPresence:
    on_item = [d for d in declared if item in d.items]
    withdrawn = frozenset(d.person for d in on_item if d.ruling is Ruling.WITHDRAW)
    conflicted = frozenset(d.person for d in on_item if d.conflicted)
    present = []
    for a in attending:
        if not a.there_for(item) or a.person in withdrawn:
            continue
        counts = a.capacity == "member" or (
            a.capacity == "substitute" and substitute_counts(a.post, members, substitutes)
        )
        present.append(Decider(a.person, a.post if counts else ""))
    # The chair and deputy are the holders of those posts: a substitute never takes the chair.
    members_by_post = {
        a.post: a.person
        for a in attending
        if a.capacity == "member" and a.there_for(item) and a.person not in withdrawn
    }
    in_post = members_by_post
    chair = in_post.get(chair_post or "")
    deputy = in_post.get(deputy_post or "")
    by_deputy = chair is None or chair in conflicted
    if by_deputy:
        chair = deputy if deputy is not None and deputy not in conflicted else None
    return ItemPresence(
        item, tuple(present), withdrawn, conflicted, chair, by_deputy and chair is not None
    )
