"""Command-line entry point behind the Makefile: python -m bot.cli {model,run,chat,db,compound,ticket,schedule}."""

from __future__ import annotations

import argparse
import sys

from bot import settings as settings_module


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.cli", description="红管家 commands")
    commands = parser.add_subparsers(dest="command", required=True)
    from bot.retraining import commands as model_commands
    model_commands.add_parser(commands)
    commands.add_parser("run", help="start the Rasa server and the action server")
    chat = commands.add_parser("chat", help="talk to a running assistant in the terminal")
    chat.add_argument("--sender", help="resident id to talk as (default: a new one)")
    from bot import commands as admin_commands
    admin_commands.add_parsers(commands)
    args = parser.parse_args(argv)
    try:
        settings = settings_module.get()
    except settings_module.SettingsError as error:
        print(f"error: {error} (see .env.example)", file=sys.stderr)
        return 2
    if args.command == "model" and args.action:
        return model_commands.run(args, settings)
    if args.command == "model":
        from bot.model_store import ensure_model
        ensure_model(settings.training_root, settings.models_dir)
        return 0
    if args.command in ("db", "compound", "ticket", "schedule", "staff"):
        from bot import commands as admin_commands
        return admin_commands.run(args, settings)
    if args.command == "run":
        from bot import run
        return run.main(settings)
    from bot import chat
    return chat.main(settings, args.sender)


if __name__ == "__main__":
    sys.exit(main())
