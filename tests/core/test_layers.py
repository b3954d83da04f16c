"""The architecture holds: core under registry under governance, public and demo on top; the
engine, rules and statistics import no Django (import-linter); no model points upwards."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.apps import apps

from ..factories import ROOT

LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")
# Lowest first. Django's own apps may be pointed at from anywhere.
LAYERS = ["core", "registry", "governance", "public", "demo"]


def lint(source_root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(source_root)}
    return subprocess.run(
        [LINT_IMPORTS, "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        cwd=source_root,
        timeout=120,
    )


def test_import_linter_passes_and_fails_on_a_planted_upward_import(tmp_path):
    kept = lint(ROOT / "src")
    assert kept.returncode == 0, kept.stdout
    assert "3 kept, 0 broken" in kept.stdout
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT / "src" / "commonweal",
        copy / "commonweal",
        ignore=shutil.ignore_patterns("static", "__pycache__"),
    )
    formatting = copy / "commonweal" / "core" / "formatting.py"
    formatting.write_text(
        formatting.read_text() + "\nfrom commonweal.governance import models  # planted\n"
    )
    engine = copy / "commonweal" / "registry" / "rules.py"
    engine.write_text(engine.read_text() + "\nimport django.db  # planted\n")
    broken = lint(copy)
    assert broken.returncode != 0
    assert "commonweal.core is not allowed to import commonweal.governance" in broken.stdout
    assert "commonweal.registry.rules is not allowed to import django" in broken.stdout
    assert "2 broken" in broken.stdout


def test_no_model_in_a_lower_layer_points_at_a_higher_one():
    upward = []
    for label in LAYERS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields():
                if (
                    not ((field.is_relation and field.concrete) or field.many_to_many)
                    or field.auto_created
                ):
                    continue
                target = field.related_model._meta.app_label
                if target in LAYERS and LAYERS.index(target) > LAYERS.index(label):
                    upward.append(
                        f"{model._meta.label}.{field.name} -> {field.related_model._meta.label}"
                    )
    assert upward == []
