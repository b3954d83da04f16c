"""The `commonweal` console script, run as a person would run it, on its own SQLite file."""

import json

import pytest

from ..factories import cli_env, data_dir
from ..factories import run_cli as run


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    environment = cli_env(tmp_path_factory.mktemp("home"))
    run(environment, "migrate", "--no-input", "-v", "0")
    return environment


def test_a_database_never_migrated_is_named_as_such_not_a_traceback(tmp_path):
    result = run(cli_env(tmp_path), "load-system", "devon-2019", ok=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "run `commonweal migrate` first" in result.stderr


def test_help_lists_the_commands_and_each_has_help(env):
    out = run(env, "--help").stdout
    for command in ("load-system", "check-structure", "import-ods", "add-pcns"):
        assert command in out
        assert "usage:" in run(env, command, "--help").stdout


def test_load_and_check_structure_as_json(env):
    out = run(env, "load-system", "devon-2019").stdout
    assert "devon-2019: 9 areas from the document" in out
    again = run(env, "load-system", "devon-2019").stdout
    assert "(nothing changed)" in again
    report = json.loads(run(env, "check-structure", "devon-2019", "--json").stdout)
    assert report["system"] == "devon-2019" and report["counts"]["error"] == 0
    assert {"place-not-coterminous", "population-unknown"} <= {
        f["rule"] for f in report["findings"]
    }
    text = run(env, "check-structure", "devon-2019").stdout
    assert text.startswith("Wider Devon (2019) on ")
    failing = run(env, "check-structure", "devon-2019", "--fail-on", "warning", ok=False)
    assert failing.returncode == (2 if report["counts"]["warning"] else 0)


def test_a_malformed_document_fails_with_file_line_field_and_writes_nothing(env, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "system:\n  slug: bad\n  name: Bad\nareas:\n  - code: x\n    name: X\n    level: county\n"
    )
    result = run(env, "load-system", str(bad), ok=False)
    assert result.returncode != 0
    assert f"{bad}:7: areas[0].level: " in result.stderr
    assert "nothing was written" in result.stderr
    assert "no system 'bad'" in run(env, "check-structure", "bad", ok=False).stderr


def test_a_malformed_csv_fails_with_line_and_field(env, tmp_path):
    bad = tmp_path / "epraccur.csv"
    bad.write_text(
        '"A81001","X","Y63","QHM","","","","","","TS18 1HU","1974-04-01","","A","B","16C"'
        + ',""' * 10
        + ',"4",""\n'
    )
    result = run(env, "import-ods", "--epraccur", str(bad), ok=False)
    assert result.returncode != 0
    assert (
        "epraccur.csv:1: open date (field 11): '1974-04-01' is not a date in the form YYYYMMDD"
        in result.stderr
    )


def test_unknown_things_fail_cleanly(env):
    assert run(env, "add-pcns", "nowhere", "--commissioner", "15N", ok=False).returncode != 0
    result = run(env, "load-system", "no-such-example", ok=False)
    assert (
        result.returncode != 0
        and "no such file" in result.stderr
        and "Traceback" not in result.stderr
    )


@pytest.mark.skipif(data_dir() is None, reason="the shared data directory is absent")
def test_setup_demo_with_real_data_gives_devon_31_pcns_each_in_a_place(env):
    environment = {**env, "COMMONWEAL_DATA_DIR": str(data_dir())}
    run(environment, "setup-demo")
    report = json.loads(run(environment, "check-structure", "devon-2019", "--json").stdout)
    # The demo places every network (examples/devon-2019-pcn-places.yaml), so none is left
    # without a place; the 31 networks themselves are counted below.
    assert not [f for f in report["findings"] if f["rule"] == "pcn-without-place"]
    counted = run(
        environment,
        "shell",
        "-c",
        "from commonweal.registry.models import Area; print(sorted(a.parent.level for a in "
        "Area.objects.filter(system__slug='devon-2019', level='neighbourhood', ends=None)))",
    ).stdout
    assert counted.strip().splitlines()[-1] == str(["place"] * 31)
    assert any(
        f["rule"] == "practice-commissioner-differs" and f["subject"] == "L82008"
        for f in report["findings"]
    )
