"""`cityops user`: create, list, disable, enable, passwd.

A password is never a command-line argument (it would sit in the shell history and in `ps` for
every local user to read): it comes from a hidden prompt, or from stdin for scripts.
"""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cityops.audit.log import AuditLog
from cityops.auth.tokens import Role
from cityops.auth.users import UserService
from cityops.cases.units import check_scope, load_units
from cityops.core.clock import SystemClock
from cityops.core.config import Settings
from cityops.core.errors import CityOpsError
from cityops.district.service import load_areas
from cityops.store.engine import make_engine
from cityops.store.migrate import upgrade

user_app = typer.Typer(help="User accounts 用户", no_args_is_help=True)
console = Console()

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="read the password from stdin (one line)")
]


def _users() -> UserService:
    engine = make_engine(Settings().resolved_database_url())
    upgrade(engine)
    clock = SystemClock()
    service = UserService(engine, clock, AuditLog(engine, clock))
    areas = load_areas(engine)
    units = load_units(areas)
    service.known_scope = lambda unit, codes: check_scope(units, areas, unit, codes)
    return service


def _actor() -> str:
    """Who ran the command, for the audit log: the operating-system account."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid, e.g. in a bare container
        return "cli"


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    entered: str = typer.prompt("Password 密码", hide_input=True, confirmation_prompt=True)
    return entered


def _fail(exc: CityOpsError) -> typer.Exit:
    console.print(f"[red]{exc}[/red]")
    return typer.Exit(1)


@user_app.command("create")
def create(
    username: Annotated[str, typer.Argument(help="login name")],
    role: Annotated[Role, typer.Option(help="admin, viewer or a case role")],
    unit: Annotated[str | None, typer.Option(help="the unit a case role acts for")] = None,
    grid: Annotated[
        list[str] | None, typer.Option(help="area-code prefix the user is limited to; repeat")
    ] = None,
    name: Annotated[str | None, typer.Option(help="display name, e.g. 张三")] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a person's account."""
    password = _password(password_stdin)
    try:
        user = _users().create(
            username, name or "", password, role, unit, grid or (), actor=_actor()
        )
    except CityOpsError as exc:
        raise _fail(exc) from exc
    console.print(f"created {user.username}  id {user.id}  role {user.role.value}")


@user_app.command("list")
def list_users() -> None:
    table = Table("username", "name", "role", "unit", "grids", "status")
    now = SystemClock().now_ms()
    for user in _users().list():
        locked = user.locked_until is not None and user.locked_until > now
        status = "disabled" if user.disabled else ("locked" if locked else "")
        table.add_row(
            user.username,
            user.display_name,
            user.role.value,
            user.unit or "",
            " ".join(user.grids),
            status,
        )
    console.print(table)


@user_app.command("disable")
def disable(username: str) -> None:
    """Disable an account and end its sessions at once."""
    try:
        _users().disable(username, actor=_actor())
    except CityOpsError as exc:
        raise _fail(exc) from exc
    console.print(f"disabled {username}")


@user_app.command("enable")
def enable(username: str) -> None:
    """Enable an account again (also lifts a lock-out)."""
    try:
        _users().enable(username, actor=_actor())
    except CityOpsError as exc:
        raise _fail(exc) from exc
    console.print(f"enabled {username}")


@user_app.command("passwd")
def passwd(username: str, password_stdin: PasswordStdin = False) -> None:
    """Set a new password; the account's sessions and tokens end."""
    password = _password(password_stdin)
    try:
        _users().set_password(username, password, actor=_actor())
    except CityOpsError as exc:
        raise _fail(exc) from exc
    console.print(f"password changed for {username}")
