"""STUB — `cityops user create/list/disable` (written by the identity engineer)."""

import typer

user_app = typer.Typer(help="User accounts 用户", no_args_is_help=True)
