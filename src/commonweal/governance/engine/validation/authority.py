"""Whether a part's deciders had authority under their organisation's scheme that day.

The band is chosen from the same total routing uses: this amount, plus the project's prior
spend where the delegation's limits are cumulative. A decider holds a band when the band names
their post (and a second signatory signed, for a dual sign-off band) or their body; they may
decide any amount up to the highest limit they hold, since a higher authority may decide a
smaller sum. An onward delegation gives its delegate the delegator's authority up to its limit.
The body to which a type is reserved above an amount may decide smaller amounts too.
"""

from typing import Any

from commonweal.core.dates import in_force
from commonweal.governance.engine import sentences as say
from commonweal.governance.engine.codes import Code
from commonweal.governance.engine.facts import (
    Context,
    Decision,
    Delegation,
    Part,
    Reservation,
    Scheme,
    Taker,
)
from commonweal.governance.engine.validation.checks import (
    FAILED,
    NOT_CHECKED,
    PASSED,
    Add,
    people,
    taker,
)

RESERVED_MATTER = Code.RESERVED_MATTER.value
NOT_AUTHORISED = Code.NOT_AUTHORISED.value
OVER_LIMIT = Code.OVER_LIMIT.value
SECOND = Code.SECOND_SIGNATORY_MISSING.value
CUMULATIVE = Code.CUMULATIVE_OVER_LIMIT.value
OVER_BUDGET = Code.OVER_BUDGET.value
NOT_POST_HOLDER = Code.NOT_POST_HOLDER.value

# An authority a decider holds: (limit, band index or None, taker named, onward delegation's
# source post and clause, or None).
Held = tuple[int | None, int | None, Taker, tuple[str, str] | None]


def holders(d: Decision, p: Part, context: Context, add: Add) -> None:
    org = p.organisation
    if context.holdings is None:
        add((org, NOT_POST_HOLDER, NOT_CHECKED, "", say.HOLDERS_NOT_GIVEN, {}))
        return
    on = d.on
    for x in p.deciders:
        held = False
        for h in context.holdings.get(x.post, ()):
            if h.person == x.person and in_force(on, h.starts, h.ends):
                held = True
                break
        params = {"person": x.person, "post": x.post, "on": d.on}
        if held:
            add((org, NOT_POST_HOLDER, PASSED, "", say.HELD_POST, params))
        else:
            add((org, NOT_POST_HOLDER, FAILED, "", say.DID_NOT_HOLD_POST, params))


def check(d: Decision, p: Part, scheme: Scheme, context: Context, add: Add) -> None:
    """Whether the part is reserved to a body, and if not, the deciders' authority under the
    delegation that applies in the footprint."""
    org, amount, kind = p.organisation, p.amount, d.decision_type
    known = context.prior_spend is not None
    prior = context.prior_spend.get(org, 0) if context.prior_spend is not None else 0
    r = scheme.reservation_for(kind)
    if r is not None:
        reserved = r.reserves(amount, amount + prior)
        if p.body == r.body:
            facts = _reserved(r, kind)
            if reserved:
                add((org, RESERVED_MATTER, PASSED, r.clause, say.RESERVED_TO_IT, facts))
            else:
                add((org, NOT_AUTHORISED, PASSED, r.clause, say.RESERVED_BODY_SMALLER_SUM, facts))
            return
        if r.over is not None and r.cumulative and not known and amount <= r.over:
            facts = _reserved(
                r, kind, project=d.project or "the project", over=r.over, amount=amount
            )
            add((org, RESERVED_MATTER, NOT_CHECKED, r.clause, say.RESERVED_UNKNOWN, facts))
        elif reserved:
            if p.body is not None:
                facts = _reserved(r, kind, taker=p.body)
                add((org, RESERVED_MATTER, FAILED, r.clause, say.RESERVED_TO_OTHER_BODY, facts))
            else:
                facts = _reserved(r, kind, deciders=people(p.deciders))
                add((org, RESERVED_MATTER, FAILED, r.clause, say.RESERVED_ELSEWHERE, facts))
            return
    delegation = scheme.delegation_for(kind, d.footprint_path)
    if delegation is None:
        params = {"version": scheme.version, "type": kind}
        add((org, NOT_AUTHORISED, FAILED, "", say.NEITHER_RESERVED_NOR_DELEGATED, params))
        return
    _bands(d, p, scheme, delegation, prior if known else None, context, add)


def _reserved(r: Reservation, kind: str, **more: Any) -> dict[str, Any]:
    threshold = (r.over, r.cumulative)
    return {"clause": r.clause, "type": kind, "body": r.body, "threshold": threshold, **more}


def _sole_limit(delegation: Delegation, post: str) -> tuple[bool, int | None]:
    """Whether the post may decide alone under the delegation, and up to what (None: no
    limit)."""
    holds, limit = False, None
    for b in delegation.bands:
        if b.decider.post == post and not b.decider.second:
            if b.upper is None:
                return True, None
            holds, limit = True, b.upper
    return holds, limit


def _held(
    d: Decision, p: Part, scheme: Scheme, delegation: Delegation
) -> tuple[list[Held], list[int]]:
    """The authorities the part's deciders hold under the delegation, and the dual sign-off
    bands whose lead post decided without a second signatory."""
    bands = delegation.bands
    held: list[Held] = []
    leads: list[int] = []
    if p.body is not None:
        for i in delegation.bands_naming(p.body, body=True):
            held.append((bands[i].upper, i, bands[i].decider, None))
        return held, leads
    posts = [x.post for x in p.deciders]
    for post in dict.fromkeys(posts) if len(posts) > 1 else posts:
        for i in delegation.bands_naming(post):
            t = bands[i].decider
            for second in t.second:
                if second != post and second in posts:
                    break
            else:
                if t.second:  # a dual sign-off band, and no second signatory signed
                    leads.append(i)
                    continue
            held.append((bands[i].upper, i, t, None))
        for o in scheme.onward_to(post):
            if d.decision_type in o.decision_types and (
                o.footprint is None or o.footprint in d.footprint_path
            ):
                holds, own = _sole_limit(delegation, o.from_post)
                if holds:
                    limit = o.limit if own is None else min(o.limit, own)
                    held.append((limit, None, Taker(post=o.to_post), (o.from_post, o.clause)))
    leads.sort()
    return held, leads


def _where(delegation: Delegation, h: Held) -> str:
    """The clause giving an authority: a band's (D1.2) or an onward delegation's."""
    return h[3][1] if h[3] is not None else delegation.band_clauses[h[1] or 0]


def _bands(
    d: Decision,
    p: Part,
    scheme: Scheme,
    delegation: Delegation,
    prior: int | None,
    context: Context,
    add: Add,
) -> None:
    org, amount, kind, clause = p.organisation, p.amount, d.decision_type, delegation.clause
    cumulative = delegation.cumulative
    counted = cumulative and prior is not None
    measure = amount + (prior or 0) if counted else amount
    held, leads = _held(d, p, scheme, delegation)
    # The lowest authority they hold that covers the total: the band the route names, or a
    # higher one.
    best: Held | None = None
    for h in held:
        limit = h[0]
        if (limit is None or measure <= limit) and (
            best is None or best[0] is None or (limit is not None and limit < best[0])
        ):
            best = h
    if best is not None:
        _passed(d, p, delegation, best, prior, counted, context, add)
        return

    # Nothing they hold covers the total. Say why, the most telling reason first: the project's
    # prior spend took it past a limit they hold; the band for the total needs a second
    # signatory; the amount is over the most they hold; a dual sign-off band names them but
    # its second did not sign; or nothing names them.
    bands = delegation.bands
    project = d.project or "the project"
    target = delegation.band_for(measure)
    top = max(held, key=lambda h: h[0] or 0) if held else None
    if top is not None and counted and top[0] is not None and amount <= top[0]:
        # This amount alone was within their limit; the project's cumulative cost is not.
        limit, where, named = top[0], _where(delegation, top), top[2]
        add(
            (
                org,
                OVER_LIMIT,
                PASSED,
                where,
                say.WITHIN_LIMIT,
                {"amount": amount, "limit": limit, "where": where},
            )
        )
        nxt = (
            None
            if target is None
            else (delegation.band_clauses[target], taker(bands[target].decider))
        )
        params: dict[str, Any] = {
            "prior": prior,
            "project": project,
            "total": measure,
            "limit": limit,
            "taker": taker(named),
            "where": where,
            "clause": clause,
            "next": nxt,
        }
        add((org, CUMULATIVE, FAILED, clause, say.CUMULATIVE_OVER, params))
        return
    if target is not None and target in leads:
        _second_missing(org, delegation, target, project, prior if counted else 0, measure, add)
        return
    if top is not None:
        where = _where(delegation, top)
        params = {"amount": amount, "limit": top[0], "taker": taker(top[2]), "where": where}
        add((org, OVER_LIMIT, FAILED, where, say.OVER_LIMIT, params))
        return
    for i in leads:
        upper = bands[i].upper
        if upper is None or measure <= upper:
            _second_missing(org, delegation, i, project, prior if counted else 0, measure, add)
            return
    if leads:
        i = leads[-1]
        where = delegation.band_clauses[i]
        params = {
            "amount": amount,
            "limit": bands[i].upper,
            "taker": taker(bands[i].decider),
            "where": where,
        }
        add((org, OVER_LIMIT, FAILED, where, say.OVER_LIMIT, params))
        return
    if p.body is not None:
        params = {"body": p.body, "clause": clause, "type": kind}
        add((org, NOT_AUTHORISED, FAILED, clause, say.BODY_NOT_AUTHORISED, params))
    else:
        params = {"deciders": people(p.deciders), "clause": clause, "type": kind}
        add((org, NOT_AUTHORISED, FAILED, clause, say.NOT_AUTHORISED, params))


def _second_missing(
    org: str, delegation: Delegation, i: int, project: str, prior: int | None, total: int, add: Add
) -> None:
    where = delegation.band_clauses[i]
    params = {
        "where": where,
        "measure": (project, prior, total),
        "second": delegation.bands[i].decider.second,
    }
    add((org, SECOND, FAILED, where, say.SECOND_MISSING, params))


def _passed(
    d: Decision,
    p: Part,
    delegation: Delegation,
    best: Held,
    prior: int | None,
    counted: bool,
    context: Context,
    add: Add,
) -> None:
    """The checks of an authority the deciders hold, sharing one dict of the facts they speak
    of (a template reads only the names it uses)."""
    org, amount, clause = p.organisation, p.amount, delegation.clause
    limit, i, named, onward = best
    where = _where(delegation, best)
    budgets = context.available_budget
    budget = None if budgets is None else budgets.get(org)
    facts: dict[str, Any] = {
        "where": where,
        "taker": taker(named),  # the post(s) the band names, whoever signed
        "type": d.decision_type,
        "limit": limit,
        "amount": amount,
        "clause": clause,
        "project": d.project or "the project",
        "prior": prior,
        "total": amount + (prior or 0),
        "budget": budget,
    }
    if onward is None:
        add((org, NOT_AUTHORISED, PASSED, where, say.AUTHORISED, facts))
    else:
        facts["source"] = onward[0]
        add((org, NOT_AUTHORISED, PASSED, where, say.AUTHORISED_ONWARD, facts))
    add(
        (org, OVER_LIMIT, PASSED, where, say.NO_LIMIT if limit is None else say.WITHIN_LIMIT, facts)
    )
    if i is not None and named.second:
        for x in p.deciders:
            if x.post in named.second and x.post != named.post:
                params = {"person": x.person, "post": x.post, "where": where}
                add((org, SECOND, PASSED, where, say.SECOND_SIGNED, params))
                break
    if delegation.cumulative:
        if counted:
            add((org, CUMULATIVE, PASSED, clause, say.CUMULATIVE_WITHIN, facts))
        else:
            add((org, CUMULATIVE, NOT_CHECKED, clause, say.PRIOR_NOT_GIVEN, facts))
    if delegation.within_budget:
        if budget is None:
            add((org, OVER_BUDGET, NOT_CHECKED, clause, say.BUDGET_NOT_GIVEN, facts))
        elif amount > budget:
            add((org, OVER_BUDGET, FAILED, clause, say.OVER_BUDGET, facts))
        else:
            add((org, OVER_BUDGET, PASSED, clause, say.WITHIN_BUDGET, facts))
