"""`python -m bot.cli schedule …` (and `make schedule`): the reception-day calendar, reminders
sent now (or shown, with --dry-run), the agenda, delivery results and whom to phone."""

from __future__ import annotations

import argparse
from datetime import date

from bot.scheduler import plan
from bot.settings import Settings


def add_parser(commands) -> None:
    schedule = commands.add_parser("schedule", help="reception days, reminders, agendas").add_subparsers(
        dest="action", required=True)
    listing = schedule.add_parser("list", help="upcoming reception days and reminders of every compound")
    listing.add_argument("--count", type=int, default=4, help="reception days per compound (default 4)")
    send = schedule.add_parser("send", help="send a reminder now (once per recipient; --dry-run shows who gets what)")
    send.add_argument("audience", choices=plan.AUDIENCES)
    _day_and_compound(send)
    send.add_argument("--dry-run", action="store_true", help="show who would get what; send nothing")
    for name, what in (("agenda", "the staff's agenda of a reception day, in full"),
                       ("status", "delivery of a reception day's reminders: sent, pending, failed"),
                       ("unreachable", "residents a reminder could not reach, elderly households first")):
        _day_and_compound(schedule.add_parser(name, help=what))


def _day_and_compound(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", type=date.fromisoformat, help="the reception day, YYYY-MM-DD (default: the next)")
    parser.add_argument("--compound", help="compound code (default: COMPOUND)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from bot import services
    from bot.scheduler.reminders import ReminderService
    from bot.scheduler.worker import describe_schedule
    from bot.services.common import NotSetUp

    built = services.build(settings)
    reminders = ReminderService(built)
    try:
        if args.action == "list":
            print(describe_schedule(built, args.count))
            return 0
        code = args.compound or settings.compound
        day = args.date or reminders.next_day(code).date
        if args.action == "send":
            report = reminders.send(code, args.audience, day, dry_run=args.dry_run)
            print(report.summary())
            by_text: dict = {}  # the same text to many residents is shown once
            for recipient, text in report.queued:
                by_text.setdefault(text, []).append(recipient)
            for text, recipients in by_text.items():
                for recipient in recipients:
                    print(f"  → {recipient.kind} {recipient.id} {recipient.name}")
                if args.dry_run:
                    print("    " + text.replace("\n", "\n    "))
            if not args.dry_run and report.queued:
                print("The notifier delivers them (make run); see: python -m bot.cli schedule status"
                      f" --date {day}")
            return 0 if not report.skipped else 1
        if args.action == "agenda":
            print(reminders.agenda(code, day)[1])
            return 0
        if args.action == "status":
            rows = reminders.delivery(code, day)
            print(f"reminders of the reception day {day} ({code}):" if rows else f"no reminders sent yet for {day}")
            for audience, state, count in rows:
                print(f"  {audience:22} {state:8} {count}")
            return 0
        people = reminders.unreachable(code, day)
        print(f"{len(people)} resident(s) the reminders of {day} could not reach"
              + (", elderly households first:" if people else ""))
        for person in people:
            tags = f" [{','.join(person.tags)}]" if person.tags else ""
            print(f"  {person.location}  {person.phone or 'no phone'}{tags}  butler: {person.butler or '-'}"
                  f"  ({person.error[:80]})")
        return 0
    except (NotSetUp, ValueError) as error:
        print(f"error: {error}")
        return 2
    finally:
        built.factory.kw["bind"].dispose()
