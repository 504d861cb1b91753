"""The admins' routing page: buildings and their butlers, the routing roles, the reception
calendar and the time limits, each with its own small form. Every value is escaped."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Mapping, Sequence, Tuple

from bot import reception, texts
from bot.console.access import StaffUser
from bot.console.pages import csrf_input, flash, layout
from bot.console.routing import ROLE_KEYS, BuildingRow, LimitRow, Overview

NONE_LABEL = "暂无"
REQUIRED_ROLES = ("duty_manager",)
LIMIT_FIELDS = (("accept_minutes", "接单时限（分钟）"), ("urgent_minutes", "紧急时限（分钟）"),
                ("day_start", "上班"), ("day_end", "下班"))


@dataclass(frozen=True)
class Problem:
    """A refused form: which (``form``), why, and what the admin had typed (shown again)."""

    form: str = ""
    message: str = ""
    values: Mapping[str, str] = field(default_factory=dict)


def routing(user: StaffUser, csrf: str, o: Overview, notice: str = "", problem: Problem = Problem()) -> str:
    body = (f'<h1>派单设置</h1>{flash(notice, "notice")}'
            '<p class="meta">改动马上生效，和用 compound load 加载文件做同样的检查；'
            '用 <code>python -m bot.cli compound export</code> 可以导出成文件保存。</p>'
            + _buildings(csrf, o, problem) + _roles(csrf, o, problem) + _reception(csrf, o, problem)
            + _limits(csrf, o.limits, problem) + _changes(o.changes))
    return layout("派单设置", body, user, csrf)


def _form(action: str, csrf: str, inner: str) -> str:
    return f'<form method="post" action="{escape(action)}">{csrf_input(csrf)}{inner}<button>保存</button></form>'


def _error(problem: Problem, form: str) -> str:
    return flash(problem.message, "error") if problem.form == form else ""


def _select(name: str, choices: Sequence[Tuple[str, str]], chosen: str, optional: bool) -> str:
    options = [("", NONE_LABEL)] if optional else []
    options += [(code, f"{who}（{code}）") for code, who in choices]
    if chosen and chosen not in {code for code, _ in options}:
        options.append((chosen, chosen))  # what the admin typed, shown back as it was
    return (f'<select name="{escape(name)}">' + "".join(
        f'<option value="{escape(code)}"{" selected" if code == chosen else ""}>{escape(label)}</option>'
        for code, label in options) + "</select>")


def _buildings(csrf: str, o: Overview, problem: Problem) -> str:
    butlers = o.staff.get("butler", ())
    rows = "".join(_building(csrf, row, butlers, problem) for row in o.buildings)
    return ('<div class="card"><h2>楼栋与红管家</h2><p class="meta">换红管家时，这栋楼在原红管家手上未完成的工单'
            f'会转给新的红管家，居民和双方都会收到通知。</p>{rows}</div>')


def _building(csrf: str, row: BuildingRow, butlers, problem: Problem) -> str:
    form = f"building-{row.number}"
    chosen = problem.values.get("butler", row.butler) if problem.form == form else row.butler
    current = f'{escape(row.butler_name)}（{escape(row.butler)}）' if row.butler else "暂无，工单转给值班物业经理"
    tickets = f" · 未完成工单 {row.open_tickets} 张" if row.open_tickets else ""
    return (f'<div class="row"><h3>{escape(row.number)}栋</h3><div class="meta">现在：{current}{tickets}</div>'
            + _error(problem, form)
            + _form(f"/admin/routing/buildings/{row.number}", csrf,
                    f'<label>红管家{_select("butler", butlers, chosen, optional=True)}</label>') + '</div>')


def _roles(csrf: str, o: Overview, problem: Problem) -> str:
    fields = []
    for key in ROLE_KEYS:
        code, name = o.roles[key]
        chosen = problem.values.get(key, code) if problem.form == "roles" else code
        current = f'{escape(name)}（{escape(code)}）' if code else NONE_LABEL
        fields.append(f'<label>{escape(texts.label("roles", key))}<span class="meta"> 现在：{current}</span>'
                      f'{_select(key, o.staff.get(key, ()), chosen, optional=key not in REQUIRED_ROLES)}</label>')
    return ('<div class="card"><h2>派单角色</h2><p class="meta">值班物业经理接收没法派给楼栋的工单和紧急工单；'
            '党员调解室接收邻里纠纷（暂无时给值班物业经理）；代办员接收生存认证代办（暂无时给楼栋红管家）。</p>'
            + _error(problem, "roles") + _form("/admin/routing/roles", csrf, "".join(fields)) + '</div>')


def _reception(csrf: str, o: Overview, problem: Problem) -> str:
    cal = o.calendar
    typed = problem.values if problem.form == "reception" else {}
    days = typed.get("days", ",".join(str(day) for day in cal.days_of_month))
    hours, place = typed.get("hours", cal.hours), typed.get("place", cal.place)
    rule = typed.get("on_holiday", cal.on_holiday)
    rules = "".join(f'<option value="{escape(key)}"{" selected" if key == rule else ""}>{escape(label)}</option>'
                    for key, label in texts.labels("holiday_rules").items())
    summary = (f'每月{escape(reception.describe_days(cal.days_of_month))} {escape(reception.describe_hours(cal.hours))}'
               f'{"，" + escape(cal.place) if cal.place else ""}，{escape(texts.label("holiday_rules", cal.on_holiday))}')
    coming = "、".join(escape(day) for day in o.next_days)
    inner = (f'<label>每月几号（逗号隔开）<input type="text" name="days" value="{escape(days)}" required></label>'
             f'<label>时间<input type="text" name="hours" value="{escape(hours)}" placeholder="09:00-11:30" required>'
             f'</label><label>地点<input type="text" name="place" value="{escape(place)}" maxlength="100"></label>'
             f'<label>遇到节假日<select name="on_holiday">{rules}</select></label>')
    return (f'<div class="card"><h2>业主接待日</h2><div>{summary}</div><div class="meta">接下来：{coming}</div>'
            + _error(problem, "reception") + _form("/admin/routing/reception", csrf, inner) + '</div>')


def _limits(csrf: str, limits: Sequence[LimitRow], problem: Problem) -> str:
    return ('<div class="card"><h2>接单时限</h2><p class="meta">分钟按工作时间算；紧急情况（电梯困人、燃气等）'
            '不分昼夜按紧急时限。</p>' + "".join(_limit(csrf, row, problem) for row in limits) + '</div>')


def _limit(csrf: str, row: LimitRow, problem: Problem) -> str:
    form = f"limit-{row.request_type}"
    typed = problem.values if problem.form == form else {}
    inputs = "".join(
        f'<label>{label}<input type="text" name="{name}" value="{escape(str(typed.get(name, getattr(row, name))))}" '
        f'required></label>' for name, label in LIMIT_FIELDS)
    default = '<span class="badge">默认</span>' if row.built_in else ""
    return (f'<div class="row"><h3>{escape(texts.label("request_types", row.request_type))}{default}</h3>'
            + _error(problem, form)
            + _form(f"/admin/routing/time-limits/{row.request_type}", csrf, f'<div class="fields">{inputs}</div>')
            + '</div>')


def _changes(changes: Sequence[Tuple[str, str, str]]) -> str:
    items = "".join(f'<li>{escape(at)} {escape(who)}：{escape(what)}</li>' for at, who, what in changes)
    return (f'<div class="card"><h2>修改记录</h2><ol class="events">{items}</ol></div>' if items else
            '<div class="card"><h2>修改记录</h2><p class="meta">还没有在这里改过。</p></div>')
