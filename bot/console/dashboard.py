"""The admins' dashboard: what happened in a month, from the tickets and their audit trail.

- tickets by type, status and building;
- time to accept and to resolve, against the time limits (accepted in time = before its due time);
- satisfaction per butler, and the month's flags: 挂红旗 to butlers with at least MIN_RATED rated
  tickets, an average rating of at least 4.5 and at least 90% accepted in time; 挂黄旗 when the
  average is below 3.5 or fewer than 70% were accepted in time;
- disputes received and mediated (resolved or closed);
- messages the model was unsure about, per week;
- every ticket of the month as CSV.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot import texts
from bot.db.engine import transaction
from bot.db.models import LowConfidenceMessage, MessageCount, Staff, Ticket, TicketEvent
from bot.services import common

MIN_RATED = 3
RED_RATING, RED_ON_TIME = 4.5, 0.9
YELLOW_RATING, YELLOW_ON_TIME = 3.5, 0.7


@dataclass(frozen=True)
class ButlerScore:
    name: str
    tickets: int
    rated: int
    average: Optional[float]
    on_time: Optional[float]  # share accepted before the due time
    flag: str  # red | yellow | ""


@dataclass
class Month:
    start: date
    by_type: List[Tuple[str, int]] = field(default_factory=list)
    by_status: List[Tuple[str, int]] = field(default_factory=list)
    by_building: List[Tuple[str, int]] = field(default_factory=list)
    accepted: int = 0
    accepted_in_time: int = 0
    median_accept_minutes: Optional[float] = None
    resolved: int = 0
    median_resolve_hours: Optional[float] = None
    butlers: List[ButlerScore] = field(default_factory=list)
    disputes: int = 0
    disputes_mediated: int = 0
    # (week, unsure, messages read): messages counted by the WeChat channel (bot.services.review)
    unsure_rate_per_week: List[Tuple[str, int, int]] = field(default_factory=list)
    total: int = 0

    @property
    def unsure_per_week(self) -> List[Tuple[str, int]]:
        return [(week, unsure) for week, unsure, _ in self.unsure_rate_per_week if unsure]


def month_bounds(month: date, tz: ZoneInfo) -> Tuple[datetime, datetime]:
    start = datetime.combine(month.replace(day=1), time(0), tzinfo=tz)
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, datetime.combine(following, time(0), tzinfo=tz)


def _tickets(session: Session, compound_id: int, start: datetime, end: datetime) -> List[Ticket]:
    return list(session.execute(select(Ticket).where(Ticket.compound_id == compound_id, Ticket.created_at >= start,
                                                     Ticket.created_at < end)
                                .options(selectinload(Ticket.events), selectinload(Ticket.assignee))
                                .order_by(Ticket.id)).scalars())


def _first(events: List[TicketEvent], status: str) -> Optional[datetime]:
    return next((e.at for e in events if e.to_status == status and e.from_status != e.to_status), None)


def build(services, month: date) -> Month:
    tz = services.settings.timezone
    start, end = month_bounds(month, tz)
    result = Month(month.replace(day=1))
    with transaction(services.factory) as session:
        compound = common.compound(session, services.settings.compound)
        tickets = _tickets(session, compound.id, start, end)
        result.total = len(tickets)
        result.by_type = Counter(t.request_type for t in tickets).most_common()
        result.by_status = Counter(t.status for t in tickets).most_common()
        result.by_building = sorted(Counter(t.building or "—" for t in tickets).items(),
                                    key=lambda kv: (-kv[1], kv[0]))
        accept_minutes, resolve_hours = [], []
        per_butler: Dict[int, List[Tuple[Optional[int], Optional[bool]]]] = defaultdict(list)
        butlers = {s.id: s for s in session.execute(select(Staff).where(
            Staff.compound_id == compound.id, Staff.role == "butler")).scalars()}
        for ticket in tickets:
            accepted = _first(ticket.events, "accepted")
            resolved = _first(ticket.events, "resolved")
            in_time = None
            if accepted is not None:
                result.accepted += 1
                accept_minutes.append((accepted - ticket.created_at).total_seconds() / 60)
                in_time = ticket.due_at is None or accepted <= ticket.due_at
                result.accepted_in_time += in_time
            if resolved is not None:
                result.resolved += 1
                resolve_hours.append((resolved - ticket.created_at).total_seconds() / 3600)
            if ticket.assignee_id in butlers:
                per_butler[ticket.assignee_id].append((ticket.rating, in_time))
            if ticket.request_type == "noise_dispute":
                result.disputes += 1
                result.disputes_mediated += ticket.status in ("resolved", "closed")
        result.median_accept_minutes = statistics.median(accept_minutes) if accept_minutes else None
        result.median_resolve_hours = statistics.median(resolve_hours) if resolve_hours else None
        result.butlers = sorted((_score(butlers[i].name, rows) for i, rows in per_butler.items()),
                                key=lambda b: ({"red": 0, "": 1, "yellow": 2}[b.flag], -(b.average or 0), b.name))
        unsure = session.execute(select(LowConfidenceMessage.created_at).where(
            LowConfidenceMessage.created_at >= start, LowConfidenceMessage.created_at < end)).scalars().all()
        counted = session.execute(select(MessageCount.day, MessageCount.count).where(
            MessageCount.day >= start.date(), MessageCount.day < end.date())).all()
    weeks = Counter(_week_label(at.astimezone(tz).date()) for at in unsure)
    read: Counter = Counter()
    for day, count in counted:
        read[_week_label(day)] += count
    result.unsure_rate_per_week = [(week, weeks.get(week, 0), read[week]) for week in sorted(set(weeks) | set(read))]
    return result


def _score(name: str, rows: List[Tuple[Optional[int], Optional[bool]]]) -> ButlerScore:
    ratings = [r for r, _ in rows if r is not None]
    timed = [t for _, t in rows if t is not None]
    average = sum(ratings) / len(ratings) if ratings else None
    on_time = sum(timed) / len(timed) if timed else None
    flag = ""
    if len(ratings) >= MIN_RATED and average is not None:
        if average >= RED_RATING and (on_time is None or on_time >= RED_ON_TIME):
            flag = "red"
        elif average < YELLOW_RATING or (on_time is not None and on_time < YELLOW_ON_TIME):
            flag = "yellow"
    return ButlerScore(name, len(rows), len(ratings), average, on_time, flag)


def _week_label(day: date) -> str:
    monday = day - timedelta(days=day.weekday())
    return f"{monday.month}月{monday.day}日那周"


CSV_COLUMNS = ("工单号", "类型", "状态", "优先级", "楼栋", "单元", "门牌", "负责人", "登记时间", "接单时间",
               "应接单时间", "按时接单", "处理完时间", "评分")


def csv_export(services, month: date) -> str:
    """Every ticket of the month, for Excel (UTF-8 with BOM); cells that a spreadsheet would run as
    a formula are quoted as text."""
    tz = services.settings.timezone
    start, end = month_bounds(month, tz)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)

    def when(moment: Optional[datetime]) -> str:
        return f"{moment.astimezone(tz):%Y-%m-%d %H:%M}" if moment else ""

    with transaction(services.factory) as session:
        compound = common.compound(session, services.settings.compound)
        for t in _tickets(session, compound.id, start, end):
            accepted, resolved = _first(t.events, "accepted"), _first(t.events, "resolved")
            in_time = "" if accepted is None else ("是" if t.due_at is None or accepted <= t.due_at else "否")
            writer.writerow([_cell(v) for v in (
                t.number, texts.label("request_types", t.request_type), texts.label("statuses", t.status),
                texts.label("priorities", t.priority), t.building or "", t.unit or "", t.room or "",
                t.assignee.name if t.assignee else "", when(t.created_at), when(accepted), when(t.due_at), in_time,
                when(resolved), "" if t.rating is None else str(t.rating))])
    return out.getvalue()


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
