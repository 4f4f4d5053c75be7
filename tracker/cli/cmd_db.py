"""`tracker db`: the state database itself — which one, its schema, moving it.

`db info` says which backend and database a workspace uses (a URL without its
password) and what it holds; `db upgrade` applies the migrations this program knows
(every command does so on open; this is the explicit, logged step for a shared
server); `db copy --to TARGET` moves the whole state to another database, SQLite or
PostgreSQL, with ids preserved, verified table by table, refusing a target that
already holds a workspace's state.
"""

from __future__ import annotations

import argparse

from tracker.cli.common import Context
from tracker.errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="the state database: info, upgrade, copy to another database")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    i = actions.add_parser("info", help="backend, database (no password), schema version, rows per table")
    i.set_defaults(handler=run_info)
    u = actions.add_parser("upgrade", help="apply this program's schema migrations to the database")
    u.set_defaults(handler=run_upgrade)
    c = actions.add_parser(
        "copy",
        help="copy the whole state to another, empty database (ids kept, every table verified)",
        description=(
            "Copy the workspace's whole state into another database: a postgresql:// URL or a "
            "SQLite file path. The target must be empty (it is never merged into). Each table is "
            "verified by its row count and a checksum. Copy back the same way with --from."
        ),
    )
    # Not `required=True`: argparse would refuse a missing --to before the other arguments
    # are checked, and a bad --from or --workspace must be named first.
    c.add_argument("--to", metavar="TARGET", help="postgresql://… URL or SQLite file (required)")
    c.add_argument(
        "--from", dest="source", metavar="SOURCE", help="copy from here instead of the workspace's database"
    )
    c.set_defaults(handler=run_copy)


def run_info(args: argparse.Namespace, ctx: Context) -> int:
    info = ctx.tracker.database_info()
    ctx.say(f"backend: {info.backend}")
    ctx.say(f"database: {info.name}")
    ctx.say(f"schema version: {info.schema_version} (this program: {info.program_version})")
    for table, count in info.rows.items():
        ctx.say(f"  {table:<20} {count:>10,}")
    return 0


def run_upgrade(args: argparse.Namespace, ctx: Context) -> int:
    before, after = ctx.tracker.upgrade_database()
    name = ctx.tracker.database_name
    if before == after:
        ctx.say(f"{name}: schema version {after}, up to date")
    else:
        ctx.say(f"{name}: schema version {before} → {after}")
    return 0


def run_copy(args: argparse.Namespace, ctx: Context) -> int:
    if not args.to:
        raise UsageError("--to: give the target database: a postgresql:// URL or a SQLite file")
    copied = ctx.tracker.copy_database(args.to, source=args.source)
    total = sum(t.rows for t in copied)
    for table in copied:
        ctx.say(f"  {table.table:<20} {table.rows:>10,} rows  sha256 {table.checksum[:16]}")
    ctx.say(f"copied {total:,} rows in {len(copied)} tables; every table verified")
    return 0
