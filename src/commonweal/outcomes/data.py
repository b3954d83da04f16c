"""Where the national outcomes data comes from: the data directory's QOF, population,
deprivation and A&E files, and the shipped indicator definitions."""

from pathlib import Path

from commonweal.core.actions import Actor
from commonweal.core.errors import Refused
from commonweal.core.models import Organisation

from . import actions, compute, importers

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"


def definitions_path(name: str) -> Path | None:
    """A shipped definitions document by its name (without .yaml)."""
    path = DEFINITIONS_DIR / f"{name}.yaml"
    return path if path.is_file() else None


def load_shipped(actor: Actor) -> list[str]:
    said = []
    for path in sorted(DEFINITIONS_DIR.glob("*.yaml")):
        located, text = actions.read_document(path)
        said.append(f"{path.stem}: {actions.load_indicators(actor, located, text).describe()}")
    return said


def import_all(actor: Actor, data_dir: str | Path) -> list[str]:
    """Every outcomes file present in the data directory; then QOF prevalence, computed."""
    data = Path(data_dir)
    said = []
    if (data / importers.POPULATION).is_file():
        said.append(importers.import_population(actor, data / importers.POPULATION).describe())
    for path, column in (
        (importers.PRACTICE_IMD, "practice_code"),
        (importers.PCN_IMD, "pcn_code"),
    ):
        if (data / path).is_file():
            said.append(importers.import_deprivation(actor, data / path, column).describe())
    if (data / importers.AE).is_file():
        names = dict(Organisation.objects.filter(kind="nhs_trust").values_list("code", "name"))
        said.append(importers.import_ae(actor, data / importers.AE, names).describe())
    try:
        computed = actions.compute_qof(actor, data)
    except compute.QofDataMissing as exc:
        said.append(str(exc))
    except Refused as exc:
        said.append(str(exc))
    else:
        said.append(f"QOF 2020/21: {computed.rows:,} values of {computed.indicators} indicators")
    return said
