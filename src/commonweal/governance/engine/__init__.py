"""The decision-routing engine: who must decide this, and was this decision validly made?

Pure rules, no Django. Plain data in (schemes of reservation and delegation, bodies, post
holders, a proposal or a recorded decision with a part per organisation), plain results out,
each reason with a stable code (`Code`), the clause of the scheme that requires it, and a
sentence a person can read, written only when read.

- `route(proposal, gov)` -> `Route`: ordered steps per organisation (consult, recommend,
  decide, decide jointly), each with a stable id, who takes it, the clause and a sentence; or
  an explicit "no one may decide this" with its code and reason.
- `validate(decision, context, gov)` -> `Validation`: valid or not, the organisations it binds,
  every check's code, status, clause and sentence, per part; a check whose data the context
  lacks is "not checked", never "passed".

Modules: `facts` (the data), `codes`, `sentences`, `routing`, `validation` (`authority`,
`meeting`, `voting`).
"""

from commonweal.governance.engine.codes import Code
from commonweal.governance.engine.facts import (
    Band,
    BodyFact,
    Commitment,
    Condition,
    Context,
    Decider,
    Decision,
    Declaration,
    Delegation,
    Governance,
    Holding,
    Meeting,
    OnwardDelegation,
    Part,
    Proposal,
    Quorum,
    Reservation,
    Scheme,
    Status,
    StepKind,
    Taker,
    Vote,
    Votes,
    Voting,
    organisation_of,
)
from commonweal.governance.engine.routing import OrganisationRoute, Route, Step, route
from commonweal.governance.engine.sentences import Sentence
from commonweal.governance.engine.validation import (
    Check,
    PartValidation,
    Validation,
    validate,
    validate_many,
)
from commonweal.governance.engine.validation.meeting import item_quorum

__all__ = [
    "Band",
    "BodyFact",
    "Check",
    "Code",
    "Commitment",
    "Condition",
    "Context",
    "Decider",
    "Decision",
    "Declaration",
    "Delegation",
    "Governance",
    "Holding",
    "Meeting",
    "OnwardDelegation",
    "OrganisationRoute",
    "Part",
    "PartValidation",
    "Proposal",
    "Quorum",
    "Reservation",
    "Route",
    "Scheme",
    "Sentence",
    "Status",
    "Step",
    "StepKind",
    "Taker",
    "Validation",
    "Vote",
    "Votes",
    "Voting",
    "item_quorum",
    "organisation_of",
    "route",
    "validate",
    "validate_many",
]
