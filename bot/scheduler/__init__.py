"""The scheduler: reception-day reminders, agendas and time-limit enforcement.

- ``plan``: which reminder goes out when (pure).
- ``agenda``: what the staff review on a reception day.
- ``reminders``: sending a reminder to its audience, idempotently (the send log).
- ``timelimits``: escalating tickets not accepted in time, disputes onto the agenda, rating
  reminders, closing unrated tickets.
- ``lease``: only one scheduler process runs the jobs.
- ``jobs``: the APScheduler wiring (persistent job store, cron triggers, misfire grace).
- ``worker``: the process `make run` starts (``python -m bot.scheduler``).
"""
