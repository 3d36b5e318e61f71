"""The `cityops` commands people run by hand: db, import, apikey."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cityops.cli.main import app
from cityops.district.loader import sample_district_path
from cityops.store.migrate import head_revision


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"CITYOPS_DATA_DIR": str(tmp_path), "CITYOPS_DATABASE_URL": ""}


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_db_upgrade_reports_the_revision(env: dict[str, str]) -> None:
    code, out = run(env, "db", "upgrade")
    assert code == 0
    assert f"schema at revision {head_revision()}" in out
    assert f"latest: {head_revision()}" in run(env, "db", "current")[1]


def test_import_district_counts_each_level(env: dict[str, str]) -> None:
    code, out = run(env, "import", "district", str(sample_district_path()))
    assert code == 0, out
    assert "60" in out
    again_code, _ = run(env, "import", "district", str(sample_district_path()))
    assert again_code == 0


def test_import_of_a_broken_file_fails_with_the_reason(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature"}]}')
    code, out = run(env, "import", "district", str(bad))
    assert code == 1
    assert "bad.geojson" in out


def test_apikey_create_list_revoke(env: dict[str, str]) -> None:
    code, out = run(env, "apikey", "create", "大屏 wall screen", "--role", "viewer")
    assert code == 0
    key_id = out.split()[1]
    assert out.strip().splitlines()[-1].startswith("cok_")
    assert key_id in run(env, "apikey", "list")[1]
    assert run(env, "apikey", "revoke", key_id)[0] == 0
    assert run(env, "apikey", "revoke", key_id)[0] == 1
