"""The console's pages: HTML with every value escaped, Simplified Chinese, one small stylesheet."""

from __future__ import annotations

from html import escape
from typing import List, Optional, Sequence, Tuple

from bot import texts
from bot.console.access import StaffUser
from bot.console.service import Detail, Row

STEP_LABELS = {"accept": "接单", "start": "开始处理", "resolve": "标记已处理", "transfer": "转交"}


def layout(title: str, body: str, user: Optional[StaffUser] = None, csrf: str = "", refresh: int = 0) -> str:
    """``refresh``: seconds after which the page reloads itself (a training or a switch running)."""
    who = ""
    if user is not None:
        admin = ('<a href="/admin/inbox">留言复核</a> <a href="/admin/models">模型</a> '
                 '<a href="/admin/dashboard">数据</a> <a href="/admin/routing">派单设置</a> ' if user.is_admin else "")
        who = (f'<span>{admin}{escape(texts.label("roles", user.role))} {escape(user.name)}</span>'
               f'<form class="inline" method="post" action="/logout">{csrf_input(csrf)}<button>退出</button></form>')
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            + (f'<meta http-equiv="refresh" content="{int(refresh)}">' if refresh else "")
            + f'<title>{escape(title)} · 红管家工作台</title><link rel="stylesheet" href="/static/console.css"></head>'
            f'<body><header><a href="/">红管家工作台</a>{who}</header><main>{body}</main></body></html>')


def csrf_input(token: str) -> str:
    return f'<input type="hidden" name="csrf" value="{escape(token)}">'


def login(csrf: str, problem: str = "", username: str = "", after: str = "/", wechat: bool = False) -> str:
    message = {"bad_credentials": "用户名或密码不对，请再试一次。",
               "too_many": "尝试次数太多了，请15分钟后再试。",
               "expired": "页面已过期，请重新登录。",
               "not_staff": "这个微信号还没有登记为工作人员，请联系管理员。",
               "wechat_failed": "微信登录没有成功，请再试一次，或者用密码登录。"}.get(problem, "")
    from urllib.parse import urlencode
    link = (f'<p class="card"><a href="/oauth/start?{escape(urlencode({"next": after}))}">用微信登录</a></p>'
            if wechat else "")
    body = (f'<h1>工作人员登录</h1>{flash(message, "error")}{link}'
            f'<form class="card" method="post" action="/login">{csrf_input(csrf)}'
            f'<input type="hidden" name="next" value="{escape(after)}">'
            f'<label>用户名<input type="text" name="username" value="{escape(username)}" autocomplete="username" required></label>'
            f'<label>密码<input type="password" name="password" autocomplete="current-password" required></label>'
            f'<button type="submit">登录</button></form>')
    return layout("登录", body)


def ticket_list(user: StaffUser, csrf: str, rows: Sequence[Row], show_all: bool) -> str:
    scope = "全部工单" if show_all else "待办工单"
    switch = '<a href="/">只看待办</a>' if show_all else '<a href="/?all=1">含已完成</a>'
    items = "".join(_row(row) for row in rows) or '<p class="card">现在没有要处理的工单。</p>'
    return layout(scope, f'<h1>{scope}（{len(rows)}）</h1><p class="meta">{switch}</p>{items}', user, csrf)


def _row(row: Row) -> str:
    return (f'<div class="card"><a href="/tickets/{escape(row.number)}">'
            f'<h2>{_badges(row)}{escape(row.location)}</h2>'
            f'<div>{escape(row.description[:80])}</div>'
            f'<div class="meta">{escape(row.number)} · {escape(texts.label("statuses", row.status))}'
            f'{" · " + escape(row.assignee) if row.assignee else ""}{_due(row)}</div></a></div>')


def _badges(row: Row) -> str:
    priority = texts.label("priorities", row.priority)
    kind = texts.label("request_types", row.request_type)
    cls = row.priority if row.priority in ("urgent", "high") else ""
    return f'<span class="badge {cls}">{escape(priority)}</span><span class="badge">{escape(kind)}</span>'


def _due(row: Row) -> str:
    if not row.due:
        return ""
    text = f" · 应在{escape(row.due)}前接单"
    return f'<span class="overdue">{text}（已超时）</span>' if row.overdue else text


def detail(user: StaffUser, csrf: str, d: Detail, colleagues: List[Tuple[str, str]], *,
           phone: Optional[str] = None, notice: str = "", error: str = "",
           session_days: Sequence[Tuple[str, str]] = ()) -> str:
    row = d.row
    base = f"/tickets/{escape(row.number)}"
    facts = [("位置", row.location), ("状态", texts.label("statuses", row.status)), ("负责人", row.assignee or "未派单")]
    if d.visit_time:
        facts.append(("上门时间", d.visit_time))
    if d.other_party:
        facts.append(("对方", d.other_party))
    if d.reporters > 1:
        facts.append(("反映户数", str(d.reporters)))
    if d.reception_date:
        facts.append(("接待日议程", d.reception_date))
    if d.routing_note:
        facts.append(("转派原因", d.routing_note))
    tags = "".join(f'<span class="badge tag">{escape(t)}</span>' for t in d.tags)
    if d.home_visit:
        tags += '<span class="badge tag">需上门</span>'
    shown = phone if phone is not None else d.phone_masked
    phone_html = (f'<div>居民电话：{escape(shown) or "未留"}'
                  + (f'<form class="inline" method="post" action="{base}/phone">{csrf_input(csrf)}'
                     f'<button class="secondary">查看完整号码</button></form>' if phone is None and d.phone_masked else "")
                  + '</div>')
    dispute = row.request_type == "noise_dispute"
    steps = "".join(f'<form class="inline" method="post" action="{base}/step">{csrf_input(csrf)}'
                    f'<input type="hidden" name="step" value="{s}"><button>{STEP_LABELS[s]}</button></form>'
                    for s in d.steps if s != "transfer" and not (dispute and s == "resolve"))
    mediation = ""
    if dispute and d.can_note and session_days:
        options = "".join(f'<option value="{escape(v)}">{escape(label)}</option>' for v, label in session_days)
        mediation = (f'<form class="card" method="post" action="{base}/session">{csrf_input(csrf)}'
                     f'<label>安排当面调解（接待日）<select name="day">{options}</select></label>'
                     f'<button>安排调解</button></form>')
    if dispute and "resolve" in d.steps:
        mediation += (f'<form class="card" method="post" action="{base}/step">{csrf_input(csrf)}'
                      f'<input type="hidden" name="step" value="resolve"><label>调解结果'
                      f'<textarea name="reason" rows="2" maxlength="500" required></textarea></label>'
                      f'<button>记录结果并结案</button></form>')
    transfer = ""
    if "transfer" in d.steps and colleagues:
        options = "".join(f'<option value="{escape(code)}">{escape(label)}</option>' for code, label in colleagues)
        transfer = (f'<form class="card" method="post" action="{base}/step">{csrf_input(csrf)}'
                    f'<input type="hidden" name="step" value="transfer"><label>转交给<select name="to">{options}'
                    f'</select></label><label>原因<input type="text" name="reason" maxlength="200" required></label>'
                    f'<button>转交</button></form>')
    note = (f'<form class="card" method="post" action="{base}/note">{csrf_input(csrf)}<label>备注'
            f'<textarea name="text" rows="2" maxlength="500" required></textarea></label><button>添加备注</button></form>'
            if d.can_note else "")
    events = "".join(f'<li>{escape(at)} {escape(status) + " · " if status else ""}{escape(who)}'
                     f'{"：" + escape(reason) if reason else ""}</li>'
                     for at, status, who, reason in d.events)
    body = (f'{flash(notice, "notice")}{flash(error, "error")}'
            f'<div class="card"><h1>{_badges(row)}{escape(row.number)}</h1>{tags}'
            f'<p>{escape(row.description)}</p>'
            + "".join(f'<div><span class="meta">{escape(k)}：</span>{escape(v)}</div>' for k, v in facts)
            + f'{_due(row)}{phone_html}<div>{steps}</div></div>{mediation}{transfer}{note}'
            f'{_photos(d, base, csrf)}<div class="card"><h2>处理记录</h2><ol class="events">{events}</ol></div>')
    return layout(row.number, body, user, csrf)


def _photos(d: Detail, base: str, csrf: str) -> str:
    """The ticket's photos (tap for the full one), and the upload form while it is open."""
    figures = "".join(
        f'<figure>{_image(p.src)}<figcaption>{escape(p.at)} {escape(p.who)}{"：" + escape(p.note) if p.note else ""}'
        f'</figcaption></figure>' for p in d.photos)
    shown = f'<div class="photos">{figures}</div>' if figures else ""
    upload = (f'<form method="post" action="{base}/photos" enctype="multipart/form-data">{csrf_input(csrf)}'
              f'<label>照片<input type="file" name="photo" accept="image/jpeg,image/png,image/webp" required></label>'
              f'<label>说明<input type="text" name="note" maxlength="500"></label><button>上传照片</button></form>'
              if d.can_note else "")
    return f'<div class="card"><h2>照片</h2>{shown}{upload}</div>' if shown or upload else ""


def _image(src: str) -> str:
    if not src:
        return '<div class="meta">照片无法显示</div>'
    return f'<a href="{escape(src)}"><img src="{escape(src)}" alt="照片" loading="lazy"></a>'


def inbox(user: StaffUser, csrf: str, items, intents, notice: str = "", error: str = "") -> str:
    def name(intent) -> str:
        return texts.label("intents", intent) if intent else "—"

    options = "".join(f'<option value="{escape(i)}">{escape(name(i))}</option>' for i in intents)
    cards = []
    for item in items:
        ranking = "、".join(f"{escape(name(r.name))} {r.confidence:.0%}" for r in item.ranking[:3])
        guess = item.resident_label or item.top_intent
        chose = f'<div class="meta">居民选了：{escape(name(item.resident_label))}</div>' if item.resident_label else ""
        ticket = (f'<div class="meta">已生成工单 <a href="/tickets/{escape(item.ticket_number)}">'
                  f'{escape(item.ticket_number)}</a></div>' if item.ticket_number else "")
        action = f"/admin/inbox/{item.id}"
        cards.append(
            f'<div class="card"><h2>{escape(item.text)}</h2><div class="meta">模型判断：{ranking or "无"}</div>'
            f'{chose}{ticket}'
            f'<form class="inline" method="post" action="{action}">{csrf_input(csrf)}'
            f'<input type="hidden" name="decision" value="accept"><button>采纳：{escape(name(guess))}</button></form>'
            f'<form class="inline" method="post" action="{action}">{csrf_input(csrf)}'
            f'<input type="hidden" name="decision" value="ignore"><button class="secondary">忽略</button></form>'
            f'<form method="post" action="{action}">{csrf_input(csrf)}<input type="hidden" name="decision" value="relabel">'
            f'<label>改为<select name="intent">{options}</select></label><button>改标</button></form></div>')
    body = (f'{flash(notice, "notice")}{flash(error, "error")}<h1>待复核的留言（{len(items)}）</h1>'
            f'<p class="meta">模型没把握的留言。采纳或改标的会写进训练数据，到“模型”页重新训练后生效；改标会把已生成的工单重新派给对的人。</p>'
            + ("".join(cards) or '<p class="card">没有待复核的留言。</p>'))
    return layout("留言复核", body, user, csrf)


def _bars(items, label=lambda k: k) -> str:
    """A horizontal bar chart as inline SVG (presentation attributes only: no styles, no script)."""
    if not items:
        return '<p class="meta">这个月没有数据。</p>'
    top = max(value for _, value in items) or 1
    row, width = 26, 320
    parts = [f'<svg viewBox="0 0 {width + 150} {row * len(items)}" width="100%" role="img">']
    for i, (key, value) in enumerate(items):
        y = i * row
        bar = max(2, int(width * value / top))
        parts.append(f'<text x="0" y="{y + 17}" font-size="14" fill="#444">{escape(label(key))}</text>'
                     f'<rect x="120" y="{y + 5}" width="{bar}" height="16" rx="3" fill="#c0392b"></rect>'
                     f'<text x="{124 + bar}" y="{y + 18}" font-size="13" fill="#222">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def dashboard(user: StaffUser, csrf: str, m, previous: str, following: str) -> str:
    def pct(part: int, whole: int) -> str:
        return f"{part / whole:.0%}" if whole else "—"

    month = f"{m.start.year}年{m.start.month}月"
    key = f"{m.start:%Y-%m}"
    summary = [("工单", str(m.total)), ("按时接单", f"{pct(m.accepted_in_time, m.accepted)}（{m.accepted_in_time}/{m.accepted}）"),
               ("接单用时中位数", f"{m.median_accept_minutes:.0f} 分钟" if m.median_accept_minutes is not None else "—"),
               ("处理完用时中位数", f"{m.median_resolve_hours:.1f} 小时" if m.median_resolve_hours is not None else "—"),
               ("邻里纠纷调解", f"{m.disputes_mediated}/{m.disputes}")]
    flags = {"red": "🚩 挂红旗", "yellow": "🟨 挂黄旗", "": ""}
    butlers = "".join(
        f'<tr><td>{escape(b.name)}</td><td>{b.tickets}</td><td>{b.rated}</td>'
        f'<td>{"—" if b.average is None else f"{b.average:.1f}"}</td>'
        f'<td>{"—" if b.on_time is None else f"{b.on_time:.0%}"}</td><td>{flags[b.flag]}</td></tr>'
        for b in m.butlers) or '<tr><td colspan="6">这个月还没有楼栋红管家的工单。</td></tr>'
    body = (f'<h1>{month}数据</h1><p class="meta"><a href="/admin/dashboard?month={previous}">上个月</a> · '
            f'<a href="/admin/dashboard?month={following}">下个月</a> · '
            f'<a href="/admin/dashboard.csv?month={key}">导出本月工单（CSV）</a></p>'
            '<div class="card">' + "".join(f'<div><span class="meta">{escape(k)}：</span>{escape(v)}</div>'
                                           for k, v in summary) + '</div>'
            f'<div class="card"><h2>按类型</h2>{_bars(m.by_type, lambda k: texts.label("request_types", k))}</div>'
            f'<div class="card"><h2>按状态</h2>{_bars(m.by_status, lambda k: texts.label("statuses", k))}</div>'
            f'<div class="card"><h2>按楼栋</h2>{_bars(m.by_building, lambda k: k if k == "—" else f"{k}栋")}</div>'
            '<div class="card"><h2>红管家满意度与红黄旗</h2><table width="100%"><tr><th>红管家</th><th>工单</th>'
            f'<th>评价数</th><th>平均分</th><th>按时接单</th><th></th></tr>{butlers}</table>'
            '<p class="meta">挂红旗：本月至少3个评价、平均4.5分以上且按时接单90%以上；挂黄旗：平均低于3.5分或按时接单不到70%。</p></div>'
            f'<div class="card"><h2>模型没把握的留言（每周）</h2>{_bars(m.unsure_per_week)}{_rates(m)}</div>')
    return layout(f"{month}数据", body, user, csrf)


def _rates(m) -> str:
    """Unsure messages as a share of the messages the model read, week by week."""
    rows = "".join(f'<tr><td>{escape(week)}</td><td>{unsure}</td><td>{read}</td>'
                   f'<td>{f"{unsure / read:.1%}" if read else "—"}</td></tr>'
                   for week, unsure, read in m.unsure_rate_per_week)
    if not rows:
        return ""
    return ('<table class="scores"><tr><th>周</th><th>没把握</th><th>收到的留言</th><th>比例</th></tr>'
            f'{rows}</table><p class="meta">收到的留言：居民经公众号发来、由模型判断的文字和语音。</p>')


def not_allowed(user: StaffUser, csrf: str) -> str:
    return layout("没有权限", '<p class="card">这个页面只有管理员能打开。<a href="/">返回</a></p>', user, csrf)


def not_found(user: Optional[StaffUser], csrf: str) -> str:
    return layout("找不到", '<p class="card">没有这张工单，或者它不归您处理。<a href="/">返回</a></p>', user, csrf)


def forbidden() -> str:
    return layout("无法完成", '<p class="card error">页面已过期或请求不完整，请返回重试。<a href="/">返回</a></p>')


def flash(text: str, cls: str) -> str:
    return f'<p class="{cls}">{escape(text)}</p>' if text else ""
