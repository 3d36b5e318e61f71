"""STUB — `cityops audit verify` (written by the audit engineer)."""

import typer

audit_app = typer.Typer(help="Audit log 审计日志", no_args_is_help=True)
