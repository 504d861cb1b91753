"""``python -m bot.retraining run <id>``: the background training process started by Trainings.start."""

from __future__ import annotations

import sys

from bot import settings as settings_module
from bot.retraining.training import Trainings


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] != "run":
        print("usage: python -m bot.retraining run TRAINING_ID (started by the console or `bot.cli model train`)",
              file=sys.stderr)
        return 2
    return Trainings(settings_module.get()).run(argv[1])


if __name__ == "__main__":
    sys.exit(main())
