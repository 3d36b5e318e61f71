"""`cityops user`: accounts from the command line, passwords never on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cityops.cli.main import app
from cityops.district.loader import sample_district_path
from tests.auth.conftest import PASSWORD


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"CITYOPS_DATA_DIR": str(tmp_path), "CITYOPS_DATABASE_URL": ""}


def test_an_unknown_unit_or_area_is_refused_as_over_the_api(env: dict[str, str]) -> None:
    assert run(env, "import", "district", str(sample_district_path()))[0] == 0
    base = ("user", "create", "Li.Wei", "--role", "grid_worker", "--password-stdin")
    code, out = run(env, *base, "--unit", "dept-nowhere", stdin=PASSWORD + "\n")
    assert code != 0
    assert "unknown unit 'dept-nowhere'" in out
    code, out = run(env, *base, "--grid", "330199009", stdin=PASSWORD + "\n")
    assert code != 0
    assert "not areas of the district: 330199009" in out


def run(env: dict[str, str], *args: str, stdin: str = "") -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env, input=stdin)
    return result.exit_code, result.output


def test_create_list_disable_enable(env: dict[str, str]) -> None:
    assert run(env, "import", "district", str(sample_district_path()))[0] == 0
    code, out = run(
        env,
        *("user", "create", "Li.Wei", "--role", "grid_worker", "--unit", "grid-330199003004"),
        *("--grid", "330199003004", "--grid", "330199003003", "--name", "李伟"),
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert code == 0, out
    assert "created li.wei" in out
    assert PASSWORD not in out
    listed = run(env, "user", "list")[1]
    assert "li.wei" in listed
    assert "grid_worker" in listed
    assert run(env, "user", "disable", "li.wei") == (0, "disabled li.wei\n")
    assert "disabled" in run(env, "user", "list")[1].split("li.wei", 1)[1]
    assert run(env, "user", "enable", "li.wei")[0] == 0


def test_the_password_prompt_asks_twice(env: dict[str, str]) -> None:
    code, out = run(
        env, "user", "create", "zhao", "--role", "viewer", stdin=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert code == 0, out
    assert PASSWORD not in out


def test_a_weak_password_is_refused(env: dict[str, str]) -> None:
    code, out = run(
        env, "user", "create", "zhao", "--role", "viewer", "--password-stdin", stdin="zhao\n"
    )
    assert code == 1
    assert "at least 10" in out
    assert "zhao" not in run(env, "user", "list")[1]


def test_there_is_no_password_option(env: dict[str, str]) -> None:
    code, _ = run(env, "user", "create", "zhao", "--role", "viewer", "--password", PASSWORD)
    assert code == 2


def test_passwd_sets_a_new_password_and_unknown_users_fail(env: dict[str, str]) -> None:
    run(env, "user", "create", "zhao", "--role", "viewer", "--password-stdin", stdin=PASSWORD)
    assert (
        run(env, "user", "passwd", "zhao", "--password-stdin", stdin="another passphrase")[0] == 0
    )
    assert (
        run(env, "user", "passwd", "nobody", "--password-stdin", stdin="another passphrase")[0] == 1
    )
    assert run(env, "user", "disable", "nobody")[0] == 1
