import json
from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.commands import Command as Base
from commonweal.core.commands import document_path
from commonweal.registry.actions import example_path

from ... import sheets


class Command(Base):
    help = (
        "Which level should commission this proposal? Follow a level-triage tree (YAML: "
        "triage: {proposal, tree (a shipped code such as nenc-level, or a file), answers: "
        "{question: answer}}) and print the path taken and the result with its advice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path = document_path(options["file"], lambda n: example_path(n.removesuffix(".yaml")))
        out = sheets.triage(sheets.read(path))
        if options["json"]:
            self.stdout.write(json.dumps(out, indent=2))
            return
        self.stdout.write(f"{out['proposal']} ({out['tree']})")
        for n, step in enumerate(out["path"], 1):
            self.stdout.write(f"  {n}. {step['text']} {step['answer']}")
        self.stdout.write(f"Result: {out['level']} level. {out['text']}")
        if out["advice"]:
            self.stdout.write(f"Advice: {out['advice']}")
