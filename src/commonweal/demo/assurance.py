"""The Devon example's assurance: the illustrative framework, a quality concern a place raised,
and the periods assessed in order, so that the reports show exceptions opening, carrying a
response and leaving.

The A&E series (real, April 2016 to March 2019) give the standards' exceptions for 2017/18 and
2018/19: Northern Devon's special-cause concern runs through them and carries its response;
Royal Devon and Exeter's (December 2017) leaves the next quarter; Torbay's opens in March 2018
and leaves in June. 2020/21 Q4 adds the ledger (the finance example, as at M10), the pools and
QOF 2020/21, with the A&E data's latest month shown for what it is.
"""

from datetime import date

from commonweal.assurance import actions, presenters, rules
from commonweal.assurance.models import AssuranceException, QualityConcern
from commonweal.core.actions import Actor
from commonweal.outcomes.actions import read_document
from commonweal.registry.actions import EXAMPLES_DIR
from commonweal.registry.models import Area, System

PERIODS = ("2017-18-q3", "2017-18-q4", "2018-19-q1", "2020-21-q4")


def add_assurance(actor: Actor) -> list[str]:
    system = System.objects.filter(slug="devon-2019").first()
    if system is None:
        return []
    said = []
    located, text = read_document(EXAMPLES_DIR / "devon-2019-assurance.yaml")
    loaded = actions.load_framework(actor, located, text)
    said.append(
        f"loaded Devon's assurance framework (illustrative), version {loaded.version.number}"
    )
    framework = presenters.framework_of(system)
    assert framework is not None
    north = Area.objects.get(system=system, code="north")
    if not QualityConcern.objects.filter(system=system).exists():
        actions.record_concern(
            actor,
            north,
            actions.ConcernIn(
                provider="RBZ",
                title="Delays handing over patients from ambulances (illustrative)",
                source="Quality surveillance group (illustrative)",
                severity="high",
                description="Ambulance handovers over an hour at the emergency department, with "
                "patients waiting in corridors in the evenings.",
                raised_on=date(2021, 1, 12),
                actions="A joint review with the ambulance service; a daily escalation call.",
            ),
        )
        said.append("recorded an illustrative quality concern in North Devon")
    if framework.assessments.exists():
        return said
    for slug in PERIODS:
        period = rules.parse(slug)
        done = actions.assess(actor, framework, period)
        said.append("assessed " + done.describe())
        if slug == "2017-18-q3":
            for e in AssuranceException.objects.filter(
                framework=framework, line="ae-four-hour", subject="RBZ", closed=""
            ):
                actions.respond(
                    actor,
                    e,
                    owner="Director of Commissioning (urgent and emergency care)",
                    response="Winter pressures at North Devon District Hospital: the A&E "
                    "delivery board meets weekly and the system's escalation plan is in force "
                    "(illustrative).",
                    actions=[
                        {
                            "action": "Open the additional assessment unit beds",
                            "owner": "Northern Devon Healthcare NHS Trust",
                            "due": date(2018, 1, 31),
                        }
                    ],
                )
            said.append("responded to Northern Devon's A&E exception (carried while it lasts)")
    return said
