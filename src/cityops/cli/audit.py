"""`cityops audit verify` and `cityops audit tail`, on the configured store.

`verify` exits 0 when the chain is intact, 1 when it is broken (naming the first bad entry
and why) and 2 when the store cannot be read, so a cron job can tell tampering from an outage.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import typer

from cityops.audit.log import AuditLog, Entry
from cityops.core.clock import SystemClock
from cityops.core.config import Settings
from cityops.store.engine import make_engine

audit_app = typer.Typer(help="Audit log 审计日志", no_args_is_help=True)

ZONE = ZoneInfo("Asia/Shanghai")


@contextmanager
def _log() -> Iterator[AuditLog]:
    engine = make_engine(Settings().resolved_database_url())
    try:
        yield AuditLog(engine, SystemClock())
    except sa.exc.SQLAlchemyError as exc:
        typer.echo(f"cannot read the audit log: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()


@audit_app.command("verify")
def verify(
    anchor: Annotated[
        str | None, typer.Option(help="a head hash recorded earlier, which must still be there")
    ] = None,
) -> None:
    """Recompute the hash chain; exit 1 at the first broken entry."""
    with _log() as audit:
        result = audit.verify(anchor=anchor)
    if not result.ok:
        typer.echo(f"BROKEN at seq {result.first_bad_seq}: {result.problem}")
        typer.echo(f"({result.entries} entries before it are intact)")
        raise typer.Exit(1)
    typer.echo(f"ok: {result.entries} entries intact; head {result.head_hash or '-'}")


@audit_app.command("tail")
def tail(
    n: Annotated[int, typer.Option("-n", "--lines", min=1, help="how many entries")] = 20,
) -> None:
    """The newest entries, oldest first."""
    with _log() as audit:
        entries = audit.tail(n)
    for entry in entries:
        typer.echo(_line(entry))


def _line(entry: Entry) -> str:
    when = datetime.fromtimestamp(entry.ts / 1000, UTC).astimezone(ZONE).isoformat("T", "seconds")
    details = json.dumps(entry.details, ensure_ascii=False, sort_keys=True) if entry.details else ""
    return (
        f"{entry.seq:>8}  {when}  {entry.actor}  {entry.action}  {entry.target or '-'}  {details}"
    )
