"""The staff console: a mobile-first web app where butlers, the mediation committee, errand
agents and the duty manager work their tickets (admins' pages come next).

- ``security``: password hashing, session tokens, phone masking (plain Python).
- ``access``: who may see which ticket (plain Python).
- ``service``: log-in, sessions, the tickets a staff member sees, steps, notes, phone reveals.
- ``pages``: the HTML (escaped), Simplified Chinese.
- ``app``: the aiohttp app (sessions, CSRF, roles on every route); ``python -m bot.console``.
"""
