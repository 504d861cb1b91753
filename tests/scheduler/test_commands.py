"""`make schedule` and `python -m bot.cli schedule …` as an admin runs them (real database, real
clock for the listing)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot import cli, settings
from bot.reception import Calendar, reception_days
from tests.scheduler.conftest import outbox, resident


@pytest.fixture
def admin(services, monkeypatch, capsys):
    """admin("schedule", "list") -> (exit code, what it printed), on the services' database."""
    monkeypatch.setenv("DATABASE_URL", services.settings.database_url)
    settings.get.cache_clear()

    def run(*argv):
        code = cli.main(list(argv))
        return code, capsys.readouterr().out

    yield run
    settings.get.cache_clear()


def test_the_list_shows_the_3rd_and_the_15th_of_the_coming_months_with_their_reminders(admin):
    code, out = admin("schedule", "list", "--count", "4")

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    coming = [d.date for d in reception_days(Calendar((3, 15)), today, 4)]
    assert code == 0 and {d.day for d in coming} == {3, 15}
    assert "红星家园 (demo): reception days 3日和15日 09:00-11:30 at 党群服务站（3号楼一层）" in out
    for day in coming[1:]:
        assert f"  {day} " in out
        assert f"{day} 08:00  residents_morning" in out


def test_a_dry_run_shows_who_would_get_what_and_sends_nothing(admin, services):
    resident(services, "zhang")
    resident(services, "li", ("1", "1", "502"), reminders=False)

    code, out = admin("schedule", "send", "residents_evening", "--date", "2026-12-03", "--dry-run")

    assert code == 0
    assert "demo residents_evening for 2026-12-03: would queue 1, already sent 0, opted out 1" in out
    assert "→ resident" in out and "3栋2单元502" in out and "明天12月3日（周四）9:00–11:30是业主接待日" in out
    assert outbox(services) == []


def test_sending_now_queues_once_and_the_status_follows_it(admin, services):
    resident(services, "zhang")

    assert admin("schedule", "send", "residents_evening", "--date", "2026-12-03")[0] == 0
    code, again = admin("schedule", "send", "residents_evening", "--date", "2026-12-03")
    _, status = admin("schedule", "status", "--date", "2026-12-03")

    assert code == 0 and "queued 0, already sent 1" in again
    assert len(outbox(services, "reception_reminder")) == 1
    assert "residents_evening      pending  1" in status


def test_a_date_that_is_no_reception_day_is_refused_clearly(admin):
    code, out = admin("schedule", "send", "staff_agenda", "--date", "2026-12-04")
    assert code == 1 and "2026-12-04 is not a reception day of demo" in out


def test_the_agenda_and_the_unreachable_list_print(admin):
    code, agenda = admin("schedule", "agenda", "--date", "2026-12-15")
    assert code == 0 and agenda.startswith("【12月15日（周二）接待日议程】红星家园")
    code, unreachable = admin("schedule", "unreachable", "--date", "2026-12-15")
    assert code == 0 and "0 resident(s)" in unreachable
