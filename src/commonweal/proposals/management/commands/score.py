import json
from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.commands import Command as Base
from commonweal.core.commands import document_path
from commonweal.registry.actions import example_path

from ... import sheets


class Command(Base):
    help = (
        "Score a proposal against a scoring framework (YAML: scoring: {proposal, framework (a "
        "shipped code such as nenc-scoring, or a file), assessors: [{name, interest, scores}], "
        "moderated: {criterion: {score, rationale}}}): each criterion's spread, the moderated "
        "total and eligibility against the framework's minimum. Exits 0 when eligible, 3 when "
        "not (or not yet decided)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path = document_path(options["file"], lambda n: example_path(n.removesuffix(".yaml")))
        out = sheets.score(sheets.read(path))
        if options["json"]:
            self.stdout.write(json.dumps(out, indent=2))
        else:
            self.stdout.write(f"{out['proposal']} ({out['framework']})")
            for a in out["assessors"]:
                if a["refused"]:
                    self.stdout.write(f"  {a['name']}: refused, {a['refused']}")
            for c in out["criteria"]:
                given = ", ".join(str(s) for s in c["scores"]) or "none"
                moderated = c["moderated"] if c["moderated"] is not None else "-"
                flag = "  (assessors 2+ apart)" if c["disagreement"] else ""
                self.stdout.write(f"  {c['name']}: scores {given}; moderated {moderated}{flag}")
            self.stdout.write(f"Moderated total: {out['total']}. {out['explanation']}")
            self.stdout.write(f"({out['wording']})")
        if not out["eligible"]:
            raise SystemExit(3)
