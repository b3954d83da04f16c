"""Devon in 2019, hand-built as the engine's facts: the CCG and its three councils, the
Integrated Commissioning Executive, the Governing Body, the cabinets and the Health and
Wellbeing Boards, as in the example documents (src/commonweal/examples/devon-2019-*.yaml).

The limits are the examples' (illustrative: the seeds give none), with the changes the issue
asks of them: the CCG reserves contracts over £500,000 (by cumulative cost) to its Governing
Body, and each council's policy is reserved to its Cabinet with its Health and Wellbeing Board
consulted and the ICE recommending. People are keys; `NAMES` gives everyone's name.
"""

from datetime import date

from commonweal.governance.engine import (
    Band,
    BodyFact,
    Condition,
    Decider,
    Delegation,
    Governance,
    Holding,
    OnwardDelegation,
    Quorum,
    Reservation,
    Scheme,
    Taker,
    Voting,
)

CCG, DEVON, PLYMOUTH, TORBAY = "15N", "E10000008", "E06000026", "E06000027"
COUNCILS = {DEVON: "devon", PLYMOUTH: "plymouth", TORBAY: "torbay"}
ON = date(2019, 9, 10)
START = date(2019, 4, 1)

AO = "15N/accountable-officer"
DOC = "15N/director-of-commissioning"
DOFP = "15N/director-of-financial-planning"
CHAIR = "15N/clinical-chair"
LEADS = [f"15N/clinical-lead-{area}" for area in ("north", "east", "south", "west")]
LAY = ["15N/lay-member-governance", "15N/lay-member-ppi"]
ASSURANCE = "15N/director-of-assurance"
STRATEGY = "15N/director-of-strategy"

# post -> (title, holder's key, holder's name)
POSTS = {
    AO: ("Accountable Officer", "alex-morgan", "Alex Morgan"),
    DOC: ("Director of Commissioning", "sam-patel", "Sam Patel"),
    DOFP: ("Director of Financial Planning", "jo-evans", "Jo Evans"),
    STRATEGY: ("Director of Strategy", "chris-walker", "Chris Walker"),
    ASSURANCE: ("Director of Assurance", "pat-hughes", "Pat Hughes"),
    CHAIR: ("Clinical Chair", "lee-harper", "Dr Lee Harper"),
    LEADS[0]: ("Local clinical and membership representative, North", "ann-cole", "Dr Ann Cole"),
    LEADS[1]: ("Local clinical and membership representative, East", "ben-ford", "Dr Ben Ford"),
    LEADS[2]: (
        "Local clinical and membership representative, South",
        "cara-lynch",
        "Dr Cara Lynch",
    ),
    LEADS[3]: ("Local clinical and membership representative, West", "dev-rao", "Dr Dev Rao"),
    LAY[0]: ("Lay member (governance)", "eve-grant", "Eve Grant"),
    LAY[1]: ("Lay member (patient and public involvement)", "finn-oakes", "Finn Oakes"),
    "15N/dd-integrated-commissioning-south": (
        "Deputy Director of Integrated Commissioning, South",
        "iris-wade",
        "Iris Wade",
    ),
    "E10000008/dass": ("Chief Officer for Adult Care and Health", "lou-barnes", "Lou Barnes"),
    "E10000008/dcs": ("Director of Children's Services", "max-reid", "Max Reid"),
    "E10000008/chief-executive": ("Chief Executive", "nia-shah", "Nia Shah"),
    "E10000008/leader": ("Leader of the Council", "olly-hart", "Cllr Olly Hart"),
    "E10000008/cabinet-member-adult-care": (
        "Cabinet Member for Adult Social Care and Health",
        "peg-lowe",
        "Cllr Peg Lowe",
    ),
    "E06000026/dass": ("Strategic Director for People", "rae-young", "Rae Young"),
    "E06000026/chief-executive": ("Chief Executive", "sol-turner", "Sol Turner"),
    "E06000027/dass": ("Director of Adults Services and Housing", "val-owen", "Val Owen"),
    "E06000027/chief-executive": ("Chief Executive", "xan-fox", "Xan Fox"),
}
# Devon's Cabinet: the Leader and cabinet members (the example lists two; a cabinet of eight
# lets a vote tie).
CABINET = ["E10000008/leader", "E10000008/cabinet-member-adult-care"] + [
    f"E10000008/cabinet-member-{n}" for n in range(1, 7)
]
for n in range(1, 7):
    POSTS[f"E10000008/cabinet-member-{n}"] = (
        f"Cabinet Member {n}",
        f"cllr-{n}",
        f"Cllr Member {n}",
    )

ORGANISATIONS = {
    CCG: "NHS Devon CCG",
    DEVON: "Devon County Council",
    PLYMOUTH: "Plymouth City Council",
    TORBAY: "Torbay Council",
}


def who(post: str) -> Decider:
    """The post's holder in 2019, in the post."""
    return Decider(POSTS[post][1], post)


ICE_MEMBERS = [AO, DEVON + "/dass", PLYMOUTH + "/dass", TORBAY + "/dass", DOC]
GOVERNING_BODY_MEMBERS = [CHAIR, *LEADS, AO, DOFP, ASSURANCE, *LAY]


def _bodies(cabinet_casting_vote: bool) -> dict[str, BodyFact]:
    bodies = {
        "governing-body": BodyFact(
            "governing-body",
            "NHS Devon CCG Governing Body",
            "governing_body",
            (CCG,),
            Voting.MAJORITY,
            members=frozenset(GOVERNING_BODY_MEMBERS),
            attendees=frozenset({DOC, STRATEGY}),
            quorum=Quorum(6, ("lay", "clinical")),
        ),
        "ice": BodyFact(
            "ice",
            "Integrated Commissioning Executive",
            "integrated_commissioning_executive",
            (CCG, DEVON, PLYMOUTH, TORBAY),
            Voting.INDIVIDUAL,
            members=frozenset(ICE_MEMBERS),
            attendees=frozenset({DOFP, STRATEGY, ASSURANCE, CHAIR}),
            invited=frozenset({"E10000008/dcs", "E06000027/dcs"}),
            quorum=Quorum(3),
        ),
        "cabinet-devon": BodyFact(
            "cabinet-devon",
            "Devon County Council Cabinet",
            "cabinet",
            (DEVON,),
            Voting.MAJORITY,
            members=frozenset(CABINET),
            attendees=frozenset({"E10000008/chief-executive", "E10000008/dass"}),
            quorum=Quorum(3),
            casting_vote=cabinet_casting_vote,
        ),
    }
    for org, place in COUNCILS.items():
        if org != DEVON:
            bodies[f"cabinet-{place}"] = BodyFact(
                f"cabinet-{place}", f"{ORGANISATIONS[org]} Cabinet", "cabinet", (org,)
            )
        bodies[f"hwb-{place}"] = BodyFact(
            f"hwb-{place}",
            f"{place.title()} Health and Wellbeing Board",
            "health_and_wellbeing_board",
            (org,),
            members=frozenset({f"{org}/dass", AO}),
            quorum=Quorum(2),
        )
    return bodies


def _ccg_scheme() -> Scheme:
    vat_budget_cumulative = frozenset(
        {Condition.WITHIN_BUDGET, Condition.INCLUDES_VAT, Condition.CUMULATIVE}
    )
    return Scheme(
        CCG,
        "2019-04",
        START,
        reservations=(
            Reservation(
                "R1",
                frozenset({"policy", "long_term_plan"}),
                "governing-body",
                recommend=(Taker(body="ice"),),
            ),
            Reservation(
                "R2",
                frozenset({"contract_award"}),
                "governing-body",
                recommend=(Taker(post=DOFP),),
                over=500_000_00,
                cumulative=True,
            ),
        ),
        delegations=(
            Delegation(
                "D1",
                "revenue_commitment",
                (
                    Band(0, 100_000_00, Taker(post=DOC)),
                    Band(100_000_00, 500_000_00, Taker(post=AO)),
                    Band(500_000_00, 2_000_000_00, Taker(post=DOC, second=(AO, DOFP))),
                    Band(2_000_000_00, None, Taker(body="governing-body")),
                ),
                conditions=vat_budget_cumulative,
            ),
            Delegation(
                "D2",
                "contract_award",
                (
                    Band(0, 250_000_00, Taker(post=DOC)),
                    Band(250_000_00, 500_000_00, Taker(post=AO)),
                ),
                recommend=(Taker(post=DOFP),),
                conditions=frozenset({Condition.INCLUDES_VAT, Condition.CUMULATIVE}),
            ),
            Delegation(
                "D4",
                "joint_strategy",
                (Band(0, None, Taker(post=AO)),),
                consult=(Taker(body="ice"),),
            ),
            Delegation(
                "D7",
                "pooled_fund_change",
                (
                    Band(0, 1_000_000_00, Taker(post=AO)),
                    Band(1_000_000_00, None, Taker(body="governing-body")),
                ),
                consult=(Taker(body="ice"),),
                conditions=frozenset({Condition.INCLUDES_VAT}),
            ),
        ),
        onward=(
            OnwardDelegation(
                "O3",
                DOC,
                "15N/dd-integrated-commissioning-south",
                frozenset({"revenue_commitment"}),
                50_000_00,
                footprint="south",
            ),
        ),
        illustrative=True,
        title="NHS Devon CCG scheme of reservation and delegation",
    )


def _council_scheme(org: str) -> Scheme:
    place = COUNCILS[org]
    dass = f"{org}/dass"
    return Scheme(
        org,
        "2019-04",
        START,
        reservations=(
            Reservation(
                "R1",
                frozenset({"policy"}),
                f"cabinet-{place}",
                recommend=(Taker(body="ice"),),
                consult=(Taker(body=f"hwb-{place}"),),
            ),
            Reservation(
                "R2", frozenset({"long_term_plan"}), f"hwb-{place}", recommend=(Taker(body="ice"),)
            ),
        ),
        delegations=(
            Delegation(
                "D1",
                "revenue_commitment",
                (
                    Band(0, 250_000_00, Taker(post=dass)),
                    Band(
                        250_000_00,
                        1_000_000_00,
                        Taker(post=dass, second=(f"{org}/chief-executive",)),
                    ),
                    Band(1_000_000_00, None, Taker(body=f"cabinet-{place}")),
                ),
                conditions=frozenset(
                    {Condition.WITHIN_BUDGET, Condition.INCLUDES_VAT, Condition.CUMULATIVE}
                ),
            ),
            Delegation(
                "D2",
                "joint_strategy",
                (Band(0, None, Taker(post=dass)),),
                consult=(Taker(body="ice"),),
            ),
            Delegation(
                "D3",
                "pooled_fund_change",
                (
                    Band(0, 500_000_00, Taker(post=dass)),
                    Band(500_000_00, None, Taker(body=f"cabinet-{place}")),
                ),
                consult=(Taker(body="ice"),),
            ),
        ),
        illustrative=True,
        title=f"{ORGANISATIONS[org]} scheme of delegation (adult social care and health)",
    )


def governance(cabinet_casting_vote: bool = False) -> Governance:
    bodies = _bodies(cabinet_casting_vote)
    names = {
        **ORGANISATIONS,
        **{
            post: f"{title} ({ORGANISATIONS[post.split('/')[0]]})"
            for post, (title, _, _) in POSTS.items()
        },
        **{key: name for _, key, name in POSTS.values()},
        **{code: body.name for code, body in bodies.items()},
    }
    categories = {
        **{p: frozenset({"clinical"}) for p in (CHAIR, *LEADS, ASSURANCE)},
        **{p: frozenset({"lay"}) for p in LAY},
    }
    schemes = {CCG: [_ccg_scheme()], **{org: [_council_scheme(org)] for org in COUNCILS}}
    return Governance(schemes, bodies, names, categories)


HOLDINGS = {post: [Holding(key, post, START)] for post, (_, key, _) in POSTS.items()}
