"""python -m bot.scheduler: the scheduler process (see bot.scheduler.worker)."""

import sys

from bot.scheduler.worker import main

sys.exit(main())
