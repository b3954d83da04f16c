"""Documents holding one proposal's triage answers or its assessors' scores, for the command
line (`commonweal triage FILE`, `commonweal score FILE`): read, checked with every problem named
by file and line, and answered as plain data (printed as text or JSON). No database is needed:
the tree or framework is a shipped code or a file beside the document.
"""

from pathlib import Path
from typing import Any

from commonweal.core.documents import DocumentError, Located
from commonweal.core.errors import Refused

from . import documents, levels, scoring


def _framework(located: Located, where: tuple[str, ...], name: str, kind: str) -> dict[str, Any]:
    """The compiled framework a sheet names: a shipped code, or a file relative to the sheet."""
    path = documents.shipped_framework(name)
    if path is None:
        # A shipped code, or a file beside the sheet (never elsewhere).
        here = Path(located.file).parent.resolve()
        candidate = (here / name).resolve()
        path = candidate if candidate.parent == here and candidate.is_file() else None
    if path is None:
        raise DocumentError(
            [located.problem(where, f"no shipped {kind} '{name}' and no such file beside this one")]
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError(
            [located.problem(where, f"'{name}' cannot be read: {exc.__class__.__name__}")]
        ) from None
    found, _, compiled = documents.check_framework(documents.read(path, text))
    if found != kind:
        raise DocumentError([located.problem(where, f"'{name}' is a {found} document, not {kind}")])
    return compiled


def read(path: Path) -> Located:
    """A sheet from a file, or a clear refusal (a directory, bytes that are not UTF-8)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Refused(f"{path}: cannot be read ({exc.__class__.__name__})") from None
    return documents.read(path, text)


def triage(located: Located) -> dict[str, Any]:
    sheet = documents.validate(located, documents.TriageSheetDocument).triage
    compiled = _framework(located, ("triage", "tree"), sheet.tree, "triage")
    tree = documents.compiled_tree(compiled)
    walked = levels.walk(tree, sheet.answers)
    if walked.result is None:
        q = tree.question(walked.problem)
        assert q is not None
        offered = " or ".join(f"'{a.answer}'" for a in q.answers)
        raise DocumentError(
            [
                located.problem(
                    ("triage", "answers", q.code) if not walked.missing else ("triage", "answers"),
                    f"{q.code}: answer {offered}: {q.text}",
                )
            ]
        )
    r = walked.result
    return {
        "proposal": sheet.proposal,
        "tree": compiled["tree"]["code"],
        "path": [{"question": s.question, "text": s.text, "answer": s.answer} for s in walked.path],
        "result": r.code,
        "level": r.level,
        "text": r.text,
        "advice": r.advice,
    }


def score(located: Located) -> dict[str, Any]:
    sheet = documents.validate(located, documents.ScoreSheetDocument).scoring
    compiled = _framework(located, ("scoring", "framework"), sheet.framework, "scoring")
    fw = documents.compiled_framework(compiled)
    problems = []
    names: set[str] = set()
    for i, a in enumerate(sheet.assessors):
        if a.name.casefold() in names:
            problems.append(located.problem(("scoring", "assessors", i, "name"), "named twice"))
        names.add(a.name.casefold())
        for code, message in scoring.score_problems(fw, a.scores):
            problems.append(located.problem(("scoring", "assessors", i, "scores", code), message))
    for code, m in sheet.moderated.items():
        for _, message in scoring.score_problems(fw, {code: m.score}):
            problems.append(located.problem(("scoring", "moderated", code, "score"), message))
    if problems:
        raise DocumentError(problems)
    counted = [a for a in sheet.assessors if a.interest == "none"]
    assessors = [
        {
            "name": a.name,
            "interest": a.interest,
            "refused": (
                f"declared a {a.interest.replace('_', '-')} interest: a conflicted assessor "
                "cannot score, and these scores are not counted"
                if a.interest != "none"
                else ""
            ),
            "scores": {k: v for k, v in a.scores.items() if v is not None},
            "total": str(scoring.total(fw, a.scores).total) if a.interest == "none" else None,
        }
        for a in sheet.assessors
    ]
    spread = {s.criterion: s for s in scoring.spread(fw, [a.scores for a in counted])}
    moderated = {k: m.score for k, m in sheet.moderated.items()}
    result = scoring.total(fw, moderated)
    return {
        "proposal": sheet.proposal,
        "framework": compiled["scoring"]["code"],
        "minimum": str(fw.minimum),
        "wording": fw.wording,
        "criteria": [
            {
                "code": c.code,
                "name": c.name,
                "weight": str(c.weight),
                "scores": list(spread[c.code].scores),
                "lowest": spread[c.code].lowest,
                "highest": spread[c.code].highest,
                "median": spread[c.code].middle,
                "disagreement": spread[c.code].disagreement,
                "moderated": moderated.get(c.code),
                "rationale": sheet.moderated[c.code].rationale if c.code in sheet.moderated else "",
                "descriptor": c.descriptor(moderated[c.code]) if c.code in moderated else "",
            }
            for c in fw.criteria
        ],
        "assessors": assessors,
        "total": str(result.total),
        "complete": result.complete,
        "eligible": result.eligible,
        "explanation": result.explanation,
    }
