"""The admins' model page: retrain in the background, compare on the held-out messages, activate
(or refuse), restore. Escaped HTML like every console page; it refreshes itself while a
training or a switch runs."""

from __future__ import annotations

from datetime import datetime, tzinfo
from html import escape
from typing import Any, Dict, Optional

from bot import texts
from bot.console.access import StaffUser
from bot.console.pages import csrf_input, flash, layout
from bot.retraining.evaluation import Comparison
from bot.retraining.service import Overview

REFRESH_SECONDS = 3


def page(user: StaffUser, csrf: str, overview: Overview, tz: tzinfo, *, notice: str = "", error: str = "") -> str:
    latest = overview.latest
    training = latest is not None and latest["status"] not in ("done", "failed")
    body = (f'<h1>模型与训练</h1>{flash(notice, "notice")}{flash(error, "error")}'
            + _serving(overview, tz) + _training(csrf, latest, training, tz)
            + _comparison(csrf, overview) + _restore(csrf, overview) + _history(overview, tz))
    busy = training or bool(overview.switching)
    return layout("模型与训练", body, user, csrf, refresh=REFRESH_SECONDS if busy else 0)


def _when(iso: Optional[str], tz: tzinfo) -> str:
    """11月22日 09:25 in the compound's time zone (the records keep UTC)."""
    if not iso:
        return ""
    moment = datetime.fromisoformat(iso).astimezone(tz)
    return escape(f"{moment.month}月{moment.day}日 {moment:%H:%M}")


def _who(code: str) -> str:
    return "命令行" if code == "cli" else escape(code)


def _model(name: Optional[str]) -> str:
    return f'<code>{escape(name or "（无）")}</code>'


def _serving(overview: Overview, tz: tzinfo) -> str:
    if overview.serving is None:
        return (f'<div class="card"><h2>正在使用</h2>{flash("助手（Rasa）现在联系不上，请确认它在运行（make run）。", "error")}'
                f'<div class="meta">{escape(overview.unreachable)}</div></div>')
    recorded = overview.recorded
    since = (f'<div class="meta">{_when(recorded["at"], tz)} 由 {_who(recorded["by"])} 启用</div>'
             if recorded and recorded.get("model") == overview.active else "")
    switching = (f'<p class="notice">正在切换到 {_model(overview.switching)}：新模型在后台加载，'
                 '居民的消息照常由当前模型回答。</p>' if overview.switching else "")
    failed = overview.serving.get("last_error")
    return (f'<div class="card"><h2>正在使用</h2><div>{_model(overview.active)}</div>{since}{switching}'
            f'{flash("上次切换没有成功：" + failed, "error") if failed and not overview.switching else ""}</div>')


def _training(csrf: str, latest: Optional[Dict[str, Any]], running: bool, tz: tzinfo) -> str:
    if running:
        progress = int(latest["progress"])
        state = (f'<p><progress value="{progress}" max="100">{progress}%</progress> {progress}% · '
                 f'{escape(latest["stage"])}</p><div class="meta">{_when(latest["started_at"], tz)} 由 '
                 f'{_who(latest["by"])} 开始；训练时居民照常使用，可以离开本页。</div>')
        return f'<div class="card"><h2>重新训练</h2>{state}</div>'
    last = ""
    if latest and latest["status"] == "failed":
        last = flash(f'上次训练没有成功：{latest.get("error") or ""}', "error")
    elif latest:
        last = f'<div class="meta">上次训练：{_when(latest["finished_at"], tz)}，{_model(latest.get("model"))}</div>'
    return (f'<div class="card"><h2>重新训练</h2><p>用现在的训练数据（包括留言复核写进去的例句）训练一个新模型，'
            f'约需两三分钟，完成后自动用预留测试集给新旧模型打分。</p>{last}'
            f'<form method="post" action="/admin/models/train">{csrf_input(csrf)}<button>开始训练</button></form></div>')


def _comparison(csrf: str, overview: Overview) -> str:
    comparison, latest = overview.comparison, overview.latest
    if comparison is None or latest is None:
        return ""
    model = latest["model"]
    head = f'<div class="card"><h2>新旧模型对比</h2><div class="meta">预留测试集上各意图的 F1</div>{_table(comparison)}'
    if model == overview.active:
        return head + '<p class="meta">新模型就是正在使用的模型（训练数据没有变化）。</p></div>'
    return head + _activate_form(csrf, model, comparison, overview) + '</div>'


def _table(comparison: Comparison) -> str:
    def cell(value: Optional[float]) -> str:
        return "—" if value is None else f"{value:.3f}"
    rows = []
    for row in comparison.rows:
        change = "" if row.delta is None else f"{row.delta:+.3f}"
        cls = ' class="overdue"' if row.blocked else ""
        name = texts.label("intents", row.intent)
        rows.append(f'<tr{cls}><td>{"★ " if row.ticket else ""}{escape(name)}</td><td>{cell(row.active)}</td>'
                    f'<td>{cell(row.candidate)}</td><td>{change}</td></tr>')
    return (f'<table class="scores"><thead><tr><th>意图</th><th>当前模型</th><th>新模型</th><th>变化</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>'
            f'<div class="meta">★ 工单意图；四类工单平均 F1：{cell(comparison.active_macro)} → '
            f'{cell(comparison.candidate_macro)}；任一工单意图下降超过 {comparison.margin:.2f} 时默认不启用。</div>')


def _activate_form(csrf: str, model: str, comparison: Comparison, overview: Overview) -> str:
    if overview.serving is None or overview.switching:
        return ""
    hidden = f'{csrf_input(csrf)}<input type="hidden" name="model" value="{escape(model)}">'
    if comparison.passes and comparison.active_macro is not None:
        return (f'<form method="post" action="/admin/models/activate">{hidden}'
                f'<button>启用新模型</button></form>')
    names = "、".join(texts.label("intents", row.intent) for row in comparison.blocked)
    why = (f"{names} 的 F1 下降超过 {comparison.margin:.2f}，默认不启用。" if names
           else "当前模型没有评估结果，无法对比。")
    return (f'{flash(why, "error")}<form method="post" action="/admin/models/activate">{hidden}'
            f'<label><input type="checkbox" name="override" value="1" required> 我已看过对比，仍然启用</label>'
            f'<label>理由（会记录下来）<textarea name="reason" required maxlength="500"></textarea></label>'
            f'<button>仍然启用</button></form>')


def _restore(csrf: str, overview: Overview) -> str:
    if not overview.previous or overview.serving is None or overview.switching:
        return ""
    return (f'<div class="card"><h2>恢复</h2><p>新模型不好用？一键换回上一个模型 {_model(overview.previous)}。</p>'
            f'<form method="post" action="/admin/models/restore">{csrf_input(csrf)}'
            f'<button class="secondary">恢复上一个模型</button></form></div>')


def _history(overview: Overview, tz: tzinfo) -> str:
    if not overview.history:
        return ""
    items = "".join(
        f'<li>{_when(entry["at"], tz)} {_who(entry["by"])}：{_model(entry.get("previous"))} → {_model(entry["model"])}'
        + ("（恢复）" if entry.get("restore") else "")
        + (f'（强制启用：{escape(entry.get("reason") or "")}）' if entry.get("override") else "") + '</li>'
        for entry in overview.history)
    return f'<div class="card"><h2>切换记录</h2><ol class="events">{items}</ol></div>'
