"""`cityops`: serve, demo, simulate, db, import, apikey."""

from __future__ import annotations

import getpass
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cityops.audit.log import AuditLog
from cityops.auth.api_keys import ApiKeys
from cityops.auth.tokens import Role
from cityops.cli.audit import audit_app
from cityops.cli.data import demo_rules_path
from cityops.cli.demo import demo
from cityops.cli.simulate import simulate
from cityops.cli.users import user_app
from cityops.core.clock import SystemClock
from cityops.core.config import Settings
from cityops.core.errors import CityOpsError
from cityops.store.engine import make_engine
from cityops.store.migrate import current_revision, head_revision, upgrade

app = typer.Typer(help="CityOps 城市运行管理平台", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema 数据库", no_args_is_help=True)
import_app = typer.Typer(help="Import data files 导入数据", no_args_is_help=True)
key_app = typer.Typer(help="API keys 接口密钥", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(key_app, name="apikey")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.command()(demo)
app.command()(simulate)

console = Console()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="HTTP port")] = 8000,
    migrate: Annotated[bool, typer.Option(help="apply migrations first")] = True,
) -> None:
    """Run the API (and the MQTT subscriber if CITYOPS_MQTT_URL is set) on the configured store."""
    import uvicorn

    from cityops.runtime import Runtime
    from cityops.web.app import create_app

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings()
    runtime = Runtime(settings)
    if migrate:
        upgrade(runtime.engine)
    uvicorn.run(create_app(runtime), host=host, port=port, log_level="info", access_log=False)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply schema migrations up to the latest."""
    settings = Settings()
    engine = make_engine(settings.resolved_database_url())
    upgrade(engine)
    console.print(
        f"schema at revision {current_revision(engine)} ({engine.url.render_as_string()})"
    )


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the configured store and the latest one."""
    engine = make_engine(Settings().resolved_database_url())
    console.print(f"current: {current_revision(engine)}  latest: {head_revision()}")


@import_app.command("district")
def import_district(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="GeoJSON file")],
) -> None:
    """Import (or update) a district's streets, communities and grids from GeoJSON."""
    from cityops.district.service import import_district_file

    engine = make_engine(Settings().resolved_database_url())
    upgrade(engine)
    try:
        summary = import_district_file(engine, path)
    except CityOpsError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"imported {path}: {summary}")


@import_app.command("rules")
def import_rules(
    path: Annotated[
        Path | None, typer.Argument(exists=True, dir_okay=False, help="rules YAML file")
    ] = None,
    demo: Annotated[bool, typer.Option(help="the shipped demo rule set")] = False,
) -> None:
    """Add the rules of a file whose ids are not stored yet (a running server picks them up at
    its next start; use the API to change rules live)."""
    from cityops.runtime import Runtime

    if (path is None) == (not demo):
        console.print("[red]give a PATH or --demo[/red]")
        raise typer.Exit(2)
    runtime = Runtime(Settings())
    upgrade(runtime.engine)
    try:
        added = runtime.rules.seed(path or demo_rules_path(), models=runtime.registry.models)
    except CityOpsError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"added {added} rules")


def _keys() -> ApiKeys:
    engine = make_engine(Settings().resolved_database_url())
    upgrade(engine)
    return ApiKeys(engine, SystemClock(), AuditLog(engine, SystemClock()))


def _cli_actor() -> str:
    return f"cli:{getpass.getuser()}"


@key_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Argument(help="who or what uses the key")],
    role: Annotated[Role, typer.Option(help="admin, ingest, viewer or a case role")] = Role.VIEWER,
    unit: Annotated[str | None, typer.Option(help="the unit a case role acts for")] = None,
) -> None:
    """Create an API key; the secret is shown once."""
    info, secret = _keys().create(name, role, unit, actor=_cli_actor())
    console.print(f"id {info.id}  role {info.role.value}  unit {info.unit or '-'}")
    typer.echo(secret)


@key_app.command("list")
def apikey_list() -> None:
    table = Table("id", "name", "role", "unit", "revoked")
    for key in _keys().list():
        table.add_row(
            key.id, key.name, key.role.value, key.unit or "", "yes" if key.revoked_at else ""
        )
    console.print(table)


@key_app.command("revoke")
def apikey_revoke(key_id: str) -> None:
    try:
        _keys().revoke(key_id, actor=_cli_actor())
    except CityOpsError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"revoked {key_id}")
