"""The `commonweal` console script: Django's management commands, with hyphenated names.

commonweal load-system devon-2019
commonweal check-structure devon-2019 --json
"""

import os
import sys

OUR_COMMANDS = {
    "load-system": "Load a system document (YAML) and check it",
    "check-structure": "Print the structure findings of a system",
    "import-ods": "Import ODS and QOF files (practices, PCNs, mapping, list sizes)",
    "add-pcns": "Add a commissioner's primary care networks to a system",
    "load-governance": "Load a system's bodies and posts (YAML)",
    "load-scheme": "Check and load a scheme of reservation and delegation (YAML)",
    "route": "Who must decide this proposal? (YAML in, route out)",
    "validate-decision": "Was this decision validly made? (YAML in, reasons out)",
    "add-person": "Create a person who acts for an organisation in a role",
    "add-clerk": "Make a person the clerk of a body (its meetings only)",
    "setup-demo": "Build the example systems (and real Devon data when present)",
    "make-token": "Make an API token for a person",
    "serve": "Serve Commonweal with a production server (gunicorn), debug off",
    "worker": "Run the background task worker",
    "publish": "Publish to the public register anything not yet published",
    "verify-register": "Check the public register's hash chain against its anchors",
    "runserver": "Serve Commonweal for development (debug pages when COMMONWEAL_DEBUG=1)",
    "migrate": "Create or update the database tables",
    "import-return": "Import a monthly finance return (.xlsx) into the ledger",
    "finance-example": "Write the example finance return (NHS Devon CCG, 2020/21, M10)",
    "load-pool-agreement": "Check and load a pooled fund agreement (YAML)",
    "import-pool-plan": "Import a pooled fund's plan for a year (.xlsx)",
    "load-indicators": "Check and load indicator definitions (YAML)",
    "load-framework": "Check and load a system's outcomes framework (YAML)",
    "import-outcomes": "Import QOF prevalence, populations, deprivation and A&E series",
    "import-fingertips": "Import indicator values from a Fingertips CSV file",
    "export-fingertips": "Write an indicator's values as a Fingertips CSV file",
    "withhold-small-numbers": "Work out again which public figures are withheld (after a new threshold)",
    "assign-pcns": "Assign a system's primary care networks to its places (YAML)",
    "recompute-outcomes": "A system's place values again from stored practice values, in the database",
    "load-workflow": "Check and load a proposals workflow (YAML)",
    "load-proposals": "Load a system's proposals set-up: workflow, bodies, programmes, places",
    "load-level-framework": "Check and load a level-triage tree, scoring framework or catalogue",
    "triage": "Which level should commission a proposal? (answers YAML in, path and result out)",
    "score": "Score a proposal: assessors' spread, moderated total, eligibility (YAML in)",
}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")
    if len(argv) < 2 or (argv[1] in {"-h", "--help", "help"} and len(argv) == 2):
        print("usage: commonweal COMMAND [options]\n\nCommands:")
        for name, text in OUR_COMMANDS.items():
            print(f"  {name:<17} {text}")
        print("\n`commonweal COMMAND --help` describes a command; every Django command works too.")
        return
    if not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)


if __name__ == "__main__":
    main()
