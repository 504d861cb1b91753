"""Database, compound and staff commands behind `python -m bot.cli`:

    db upgrade                      apply the Alembic migrations
    db backup DIR [--keep N]        consistent copies of the SQLite databases and the photos, while running
    compound load [FILE]            load a compound's routing file (default: the demo compound)
    compound export [FILE]          write the configured compound as the database has it (default: stdout)
    ticket list [--open] [--staff CODE] [--status STATUS]
    ticket show NUMBER              the ticket and its audit trail
    ticket accept|start|resolve|close|transfer|escalate NUMBER --staff CODE [--to CODE] [--reason TEXT]

Butlers' steps can also be taken here (and by scripts), as in the staff console."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Optional

from bot.db.engine import safe_url
from bot.settings import Settings

DEMO = Path(__file__).resolve().parent / "compounds" / "demo.yml"
STEPS = {"accept": "accepted", "start": "in_progress", "resolve": "resolved", "close": "closed",
         "transfer": "transferred", "escalate": "escalated"}


def _at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return int(text)


def add_parsers(commands) -> None:
    db = commands.add_parser("db", help="database migrations").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="apply the migrations")
    backup = db.add_parser("backup", help="copy the SQLite databases (tickets, conversations) and the photos, "
                                          "safely while the assistant runs")
    backup.add_argument("directory", help="where the copies go (a new folder per run is made inside)")
    backup.add_argument("--keep", type=_at_least_one, metavar="N",
                        help="then remove the oldest backups in DIRECTORY beyond the newest N")
    compound = commands.add_parser("compound", help="compounds").add_subparsers(dest="action", required=True)
    load = compound.add_parser("load", help="load (or update) a compound from its YAML file")
    load.add_argument("file", nargs="?", default=str(DEMO))
    export = compound.add_parser("export", help="write the compound as it is now (console edits included) as YAML")
    export.add_argument("file", nargs="?", help="where to write it (default: standard output)")
    ticket = commands.add_parser("ticket", help="staff steps on tickets").add_subparsers(dest="action", required=True)
    listing = ticket.add_parser("list", help="tickets, most urgent first")
    listing.add_argument("--open", action="store_true", help="only open tickets")
    listing.add_argument("--staff", help="only this staff member's")
    listing.add_argument("--status")
    ticket.add_parser("show", help="one ticket and its events").add_argument("number")
    for step in STEPS:
        parser = ticket.add_parser(step, help=f"{step} a ticket")
        parser.add_argument("number")
        parser.add_argument("--staff", required=True, help="code of the staff member taking the step")
        parser.add_argument("--to", help="transfer: code of the staff member it goes to")
        parser.add_argument("--reason", default="")
    agenda = ticket.add_parser("agenda", help="put a ticket on a reception day's agenda (default: the next)")
    agenda.add_argument("number")
    agenda.add_argument("--staff", required=True, help="code of the staff member marking it")
    agenda.add_argument("--date", type=date.fromisoformat, help="the reception day, YYYY-MM-DD")
    agenda.add_argument("--reason", default="")
    from bot.scheduler import commands as schedule_commands
    schedule_commands.add_parser(commands)
    staff = commands.add_parser("staff", help="staff accounts of the console").add_subparsers(dest="action", required=True)
    password = staff.add_parser("password", help="set a staff member's console password (asked, or read from stdin)")
    password.add_argument("code")
    password.add_argument("--stdin", action="store_true", help="read the password from standard input")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "db" and args.action == "backup":  # copies the database as it is: no migration first
        from bot.db.backup import backup
        try:
            return backup(settings, Path(args.directory), keep=args.keep)
        except (OSError, RuntimeError, sqlite3.Error) as error:  # disk full, unreadable file, a bad copy
            print(f"error: the backup failed, nothing was kept of it: {error}", file=sys.stderr)
            return 1
    from bot.db.migrate import upgrade
    upgrade(settings.database_url)
    if args.command == "db":
        print(f"==> database is up to date: {safe_url(settings.database_url)}")
        return 0
    if args.command == "compound" and args.action == "export":
        return export_compound(settings, Path(args.file) if args.file else None)
    if args.command == "compound":
        return load_compound(settings, Path(args.file))
    if args.command == "staff":
        return _staff_password(args, settings)
    if args.command == "schedule":
        from bot.scheduler import commands as schedule_commands
        return schedule_commands.run(args, settings)
    return _ticket(args, settings)


def load_compound(settings: Settings, path: Path) -> int:
    from bot import compounds
    from bot.db.engine import make_engine, make_session_factory, transaction
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            compound = compounds.load_file(session, path)
            print(f"==> loaded compound {compound.code} ({compound.name}) from {path}")
    except compounds.CompoundFileError as error:
        print(f"error: {error}")
        return 2
    finally:
        engine.dispose()
    return 0


def export_compound(settings: Settings, path: Optional[Path]) -> int:
    import sys

    from bot.compounds.export import export_data, to_yaml
    from bot.db.engine import make_engine, make_session_factory, transaction
    from bot.services.common import NotSetUp, compound
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            text = to_yaml(export_data(session, compound(session, settings.compound)),
                           datetime.now(settings.timezone))
    except NotSetUp as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if path is None:
        sys.stdout.write(text)
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"==> wrote compound {settings.compound} to {path}")
    return 0


def ensure_compound(settings: Settings) -> bool:
    """`make run`: migrate, and load the demo compound when the configured one is missing."""
    from bot import services
    from bot.db.migrate import upgrade
    from bot.services.common import NotSetUp
    upgrade(settings.database_url)
    print(f"==> database is up to date: {safe_url(settings.database_url)}", flush=True)
    print(f"==> conversations are kept in {safe_url(settings.conversations_url)} (a restart does not forget them)",
          flush=True)
    try:
        info = services.build(settings).compound_info()
        print(f"==> compound: {info.code} ({info.name})", flush=True)
        return True
    except NotSetUp:
        if settings.compound != "demo":
            print(f"error: compound {settings.compound!r} is not loaded: "
                  f"python -m bot.cli compound load <its file>", flush=True)
            return False
        print("==> no compound yet: loading the demo compound (bot/compounds/demo.yml)", flush=True)
        return load_compound(settings, DEMO) == 0


def _ticket(args: argparse.Namespace, settings: Settings) -> int:
    from bot import services, texts
    from bot.services.common import NotSetUp
    from bot.services.tickets import TicketError
    from bot.tickets.lifecycle import Status
    built = services.build(settings)
    try:
        if args.action == "list":
            for view in built.tickets.list(status=args.status, staff_code=args.staff, open_only=args.open):
                print(_line(view, texts))
            return 0
        if args.action == "show":
            return _show(built, args.number, texts)
        if args.action == "agenda":
            day = built.tickets.mark_for_reception(args.number, staff_code=args.staff, day=args.date,
                                                   reason=args.reason)
            print(f"{args.number} is on the agenda of the reception day {day}")
            return 0
        view = built.tickets.step(args.number, Status(STEPS[args.action]), staff_code=args.staff,
                                  reason=args.reason, to_staff=args.to)
        print(_line(view, texts))
        return 0
    except (TicketError, NotSetUp, ValueError) as error:
        print(f"error: {error}")
        return 2


def _staff_password(args: argparse.Namespace, settings: Settings) -> int:
    import getpass
    import sys

    from bot import services
    from bot.console.service import ConsoleService
    from bot.services.common import NotSetUp
    from bot.services.tickets import TicketError
    password = sys.stdin.readline().rstrip("\n") if args.stdin else getpass.getpass(f"console password for {args.code}: ")
    try:
        ConsoleService(services.build(settings)).set_password(args.code, password)
    except (TicketError, NotSetUp, ValueError) as error:
        print(f"error: {error}")
        return 2
    print(f"==> {args.code} can log in to the console with the new password (their other sessions ended)")
    return 0


def _line(view, texts) -> str:
    due = f" due {view.due_at:%m-%d %H:%M}" if view.due_at else ""
    return (f"{view.number}  {texts.label('request_types', view.request_type)}  {texts.label('priorities', view.priority)}  "
            f"{texts.label('statuses', view.status)}  {view.assignee_name}{due}  {view.location}  "
            f"{view.description[:40]}")


def _show(built, number: str, texts) -> int:
    view = built.tickets.get(number)
    print(_line(view, texts))
    for event in built.tickets.events(number):
        at = event.at.astimezone(built.settings.timezone)
        print(f"  {at:%Y-%m-%d %H:%M}  {event.from_status or '-'} → {event.to_status}  {event.actor}  {event.reason}")
    return 0

