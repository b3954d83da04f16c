"""The rules of a meeting, as plain data: notice in clear working days, who is present for
each item, who counts, who chairs, and the quorum the engine then judges."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from commonweal.governance import engine
from commonweal.meetings.rules import (
    Attending,
    Declared,
    Ruling,
    bank_holidays,
    clear_working_days,
    item_presence,
    notice,
    publication_deadline,
    working_day,
)

NONE: frozenset[date] = frozenset()


def test_five_clear_working_days_count_neither_day_nor_weekends():
    # A meeting on Thursday 10 December 2026: the clear days are Thursday 3, Friday 4, Monday
    # 7, Tuesday 8 and Wednesday 9, so the agenda goes out on Wednesday 2 December at the latest.
    assert publication_deadline(date(2026, 12, 10), 5, NONE) == date(2026, 12, 2)
    assert clear_working_days(date(2026, 12, 2), date(2026, 12, 10), NONE) == 5
    assert clear_working_days(date(2026, 12, 3), date(2026, 12, 10), NONE) == 4


def test_bank_holidays_in_england_are_not_working_days():
    closed = bank_holidays({2026, 2027})
    assert date(2026, 12, 25) in closed and date(2026, 12, 28) in closed  # Boxing Day moved
    assert date(2027, 8, 30) in closed  # the summer bank holiday (England's, not Scotland's)
    assert date(2027, 8, 2) not in closed
    # A meeting on Tuesday 5 January 2027: Christmas and New Year push the deadline back.
    # (Clear days: 24, 29, 30, 31 December and 4 January.)
    assert publication_deadline(date(2027, 1, 5), 5, closed) == date(2026, 12, 23)
    assert publication_deadline(date(2027, 1, 5), 5, NONE) == date(2026, 12, 28)
    # A meeting on Monday 14 December 2026: the day before the fifth clear day is a Sunday, so
    # the deadline shown is the Friday before.
    assert publication_deadline(date(2026, 12, 14), 5, NONE) == date(2026, 12, 4)


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    st.integers(min_value=0, max_value=15),
)
def test_the_deadline_is_the_last_working_day_that_gives_the_notice(meeting, days):
    closed = bank_holidays({meeting.year - 1, meeting.year})
    deadline = publication_deadline(meeting, days, closed)
    assert working_day(deadline, closed)
    assert clear_working_days(deadline, meeting, closed) >= days
    later = deadline + timedelta(days=1)
    while later < meeting and not working_day(later, closed):
        later += timedelta(days=1)
    assert clear_working_days(later, meeting, closed) < days or later >= meeting


def test_notice_says_when_the_agenda_is_late_and_why():
    closed = NONE
    on_time = notice(date(2026, 12, 10), 5, date(2026, 12, 1), date(2026, 12, 1), closed)
    assert not on_time.late and on_time.given == 6
    late = notice(date(2026, 12, 10), 5, date(2026, 12, 4), date(2026, 12, 4), closed)
    assert late.late and late.given == 3 and "3 clear working days" in late.because
    unpublished = notice(date(2026, 12, 10), 5, None, date(2026, 12, 3), closed)
    assert unpublished.late and "2 December 2026" in unpublished.because


MEMBERS = frozenset({"15N/ao", "E10000008/dass", "E06000026/dass", "E06000027/dass", "15N/doc"})


def present(**kwargs):
    base = {"capacity": "member", "present": True}
    return Attending(**{**base, **kwargs})


def counted(presence):
    return {x.person for x in presence.present if x.post in MEMBERS}


def test_presence_follows_arrivals_departures_and_withdrawals():
    attending = [
        present(person="alex", post="15N/ao"),
        present(person="lou", post="E10000008/dass", arrived=2),
        present(person="rae", post="E06000026/dass", left=2),
        present(person="val", post="E06000027/dass", present=False),  # apologies
        present(person="sam", post="15N/doc"),
    ]
    declared = [Declared("sam", frozenset({3}), Ruling.WITHDRAW)]
    args = (attending, declared, MEMBERS, [], "15N/ao", "15N/doc")
    assert counted(item_presence(1, *args)) == {"alex", "rae", "sam"}
    assert counted(item_presence(2, *args)) == {"alex", "lou", "rae", "sam"}
    third = item_presence(3, *args)
    assert counted(third) == {"alex", "lou"} and third.withdrawn == {"sam"}
    assert third.chair == "alex" and not third.chaired_by_deputy


def test_a_member_who_stays_without_taking_part_is_present_but_conflicted():
    attending = [present(person="alex", post="15N/ao"), present(person="sam", post="15N/doc")]
    declared = [Declared("sam", frozenset({1}), Ruling.NO_PART)]
    p = item_presence(1, attending, declared, MEMBERS, [], "15N/ao", None)
    assert counted(p) == {"alex", "sam"} and p.conflicted == {"sam"} and not p.withdrawn


def test_a_conflicted_chair_hands_the_item_to_the_deputy():
    attending = [present(person="alex", post="15N/ao"), present(person="sam", post="15N/doc")]
    declared = [Declared("alex", frozenset({1}), Ruling.WITHDRAW)]
    p = item_presence(1, attending, declared, MEMBERS, [], "15N/ao", "15N/doc")
    assert p.chair == "sam" and p.chaired_by_deputy
    both = [*declared, Declared("sam", frozenset({1}), Ruling.NO_PART)]
    q = item_presence(1, attending, both, MEMBERS, [], "15N/ao", "15N/doc")
    assert q.chair is None and not q.chaired_by_deputy


def test_a_pecuniary_interest_bars_taking_part_whatever_the_ruling_unless_dispensed():
    assert Declared("x", frozenset({1}), Ruling.TAKE_PART, pecuniary=True).conflicted
    assert not Declared(
        "x", frozenset({1}), Ruling.TAKE_PART, pecuniary=True, dispensed=True
    ).conflicted
    assert not Declared("x", frozenset({1}), Ruling.TAKE_PART).conflicted
    assert Declared("x", frozenset({1}), Ruling.NO_PART, pecuniary=True, dispensed=True).conflicted


def test_a_substitute_counts_only_where_the_terms_of_reference_allow():
    attending = [present(person="deputy", post="15N/ao", capacity="substitute")]
    none = item_presence(1, attending, [], MEMBERS, [], None, None)
    assert counted(none) == set()
    named = item_presence(1, attending, [], MEMBERS, ["15N/ao"], None, None)
    assert counted(named) == {"deputy"}
    other = item_presence(1, attending, [], MEMBERS, ["15N/doc"], None, None)
    assert counted(other) == set()
    anyone = item_presence(1, attending, [], MEMBERS, ["members"], "15N/ao", None)
    assert counted(anyone) == {"deputy"}
    assert anyone.chair is None, "a substitute for the chair never takes the chair"
    # Someone attending in no member post never counts.
    guest = [present(person="g", post="15N/strategy", capacity="attendee")]
    assert counted(item_presence(1, guest, [], MEMBERS, ["members"], None, None)) == set()


def test_the_engine_judges_each_items_quorum_from_who_counts():
    body = engine.BodyFact(
        code="ice",
        name="ICE",
        kind="integrated_commissioning_executive",
        owners=("15N", "E10000008"),
        members=MEMBERS,
        quorum=engine.Quorum(3),
    )
    gov = engine.Governance(schemes={}, bodies={"ice": body}, names={"ice": "ICE"})
    attending = [
        present(person="alex", post="15N/ao"),
        present(person="lou", post="E10000008/dass"),
        present(person="sam", post="15N/doc"),
    ]
    declared = [Declared("sam", frozenset({2}), Ruling.WITHDRAW)]
    for item, quorate in ((1, True), (2, False)):
        p = item_presence(item, attending, declared, MEMBERS, [], None, None)
        ok, said = engine.item_quorum(body, engine.Meeting(present=p.present), p.conflicted, gov)
        assert ok is quorate
        assert ("is quorate" if quorate else "is not quorate") in str(said[0])
    # A block quorum: each owner's members need their own count.
    blocks = engine.BodyFact(**{**body.__dict__, "quorum": engine.Quorum(2, (), block=2)})
    p = item_presence(1, attending, [], MEMBERS, [], None, None)
    ok, said = engine.item_quorum(blocks, engine.Meeting(present=p.present), frozenset(), gov)
    assert not ok and "E10000008's block is not quorate" in " ".join(map(str, said))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(sorted(MEMBERS)),
            st.booleans(),
            st.one_of(st.none(), st.integers(1, 6)),
            st.one_of(st.none(), st.integers(1, 6)),
        ),
        max_size=8,
    ),
    st.lists(st.tuples(st.integers(0, 7), st.integers(1, 6), st.sampled_from(list(Ruling)))),
)
def test_no_one_withdrawn_or_conflicted_counts_and_no_one_counts_twice(rows, rulings):
    attending = [
        present(person=f"p{i}", post=post, present=here, arrived=a, left=b)
        for i, (post, here, a, b) in enumerate(rows)
    ]
    declared = [Declared(f"p{who}", frozenset({item}), ruling) for who, item, ruling in rulings]
    for item in range(1, 7):
        p = item_presence(item, attending, declared, MEMBERS, [], None, None)
        people = [x.person for x in p.present]
        assert len(people) == len(set(people))
        assert not (set(people) & p.withdrawn)
        meeting = engine.Meeting(present=p.present)
        number, _ = meeting.counted(MEMBERS, p.conflicted)
        # Each attends in one post, so what counts is the member posts filled by someone free.
        seats = {x.post for x in p.present if x.post in MEMBERS and x.person not in p.conflicted}
        assert number == len(seats)
        for a in attending:
            if a.person in people:
                assert a.there_for(item)


def test_a_seat_counts_once_and_a_person_counts_once():
    two_in_one = engine.Meeting(
        present=(engine.Decider("a", "15N/ao"), engine.Decider("b", "15N/ao"))
    )
    assert two_in_one.counted(MEMBERS, frozenset()) == (1, frozenset({"15N/ao"}))
    one_in_two = engine.Meeting(
        present=(engine.Decider("a", "15N/ao"), engine.Decider("a", "15N/doc"))
    )
    assert one_in_two.counted(MEMBERS, frozenset())[0] == 1
    # The largest pairing: b can sit only in ao, so a takes doc.
    both = engine.Meeting(
        present=(
            engine.Decider("a", "15N/ao"),
            engine.Decider("a", "15N/doc"),
            engine.Decider("b", "15N/ao"),
        )
    )
    assert both.counted(MEMBERS, frozenset()) == (2, frozenset({"15N/ao", "15N/doc"}))


def test_working_days():
    assert working_day(date(2026, 11, 23), NONE) and not working_day(date(2026, 11, 22), NONE)
