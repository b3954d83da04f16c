"""schemathesis against the live API (a real server on loopback), authenticated as an
administrator: no server errors, no status the OpenAPI document does not declare, no response
that breaks its schema, at least 50 examples per operation."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ..factories import served

pytestmark = pytest.mark.django_db(transaction=True)

ST = shutil.which("st") or str(Path(os.sys.executable).parent / "st")
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "response_schema_conformance",
        "content_type_conformance",
    ]
)


def test_the_api_holds_to_its_openapi_document(universe, tmp_path):
    with served(workers=2, threads=4) as base:
        result = subprocess.run(
            [
                ST,
                "run",
                f"{base}/api/openapi.json",
                "--header",
                f"Authorization: Bearer {universe.tokens['admin-15n']}",
                "--checks",
                CHECKS,
                "--max-examples",
                "50",
                "--seed",
                "20261123",
                "--generation-database",
                "none",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            cwd=tmp_path,
        )
    summary = result.stdout[-6000:]
    assert result.returncode == 0, summary
    assert " generated, " in summary and " passed" in summary, summary
