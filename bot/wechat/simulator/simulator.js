// The WeChat simulator's page: pick a person, talk to the account, see what WeChat delivered.
// The server signs and pushes (POST /api/send) and reads the fake WeChat API (GET /api/inbox).
"use strict";

const POLL_MS = 1500;
const TIME_GAP_S = 180; // WeChat shows the time when a chat resumes after a pause
const WORDS = {
  unavailable: "该公众号暂时无法提供服务，请稍后再试",
  noReply: "（公众号没有被动回复：回答会以客服消息送达）",
  clicked: "点击了菜单「{name}」",
  subscribed: "关注了公众号",
  templateTitle: "模板消息",
  details: "详情",
  whoami: "当前身份：{label}",
  firstHint: "这是模拟的微信公众号对话：直接打字，或点左下角 ☰ 用公众号菜单。",
  inboxFailed: "读取推送失败：{error}",
  sendFailed: "发送失败：{error}",
  toMenu: "切换到菜单",
  toKeyboard: "切换到键盘",
  pushed: "推送（{mode}）：", reply: "被动回复（第{attempts}次推送，{outcome}）：",
  plaintext: "明文模式", encrypted: "安全模式，已加密",
};

const state = { people: [], current: null, chats: {}, pending: {}, polling: false, menu: null };
const $ = (id) => document.getElementById(id);
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");

function chat(openid) {
  if (!state.chats[openid]) state.chats[openid] = { items: [], since: 0, lastTime: 0 };
  return state.chats[openid];
}

// -- rendering --------------------------------------------------------------------------------
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function avatarFor(item) {
  const person = state.people.find((p) => p.openid === item.openid);
  return item.mine ? (person ? person.name.slice(0, 1) : "我") : "红";
}

function render(item) {
  if (item.type === "note") {
    const note = element("div", `note ${item.style || ""}`);
    note.appendChild(element("span", "", item.text));
    return note;
  }
  if (item.type === "xml") return element("pre", "xml", item.text);
  const row = element("div", `row ${item.mine ? "mine" : "theirs"}`);
  row.appendChild(element("div", "avatar", avatarFor(item)));
  row.appendChild(item.type === "template" ? templateCard(item.message) : element("div", "bubble", item.text));
  if (item.kind) row.dataset.kind = item.kind;
  return row;
}

function templateCard(message) {
  const card = element("div", "card");
  card.dataset.kind = "template";
  card.appendChild(element("div", "card-title", WORDS.templateTitle));
  const list = element("dl");
  for (const field of message.fields) {
    list.appendChild(element("dt", "", field.label));
    list.appendChild(element("dd", "", field.value));
  }
  card.appendChild(list);
  if (message.url) {
    const link = element("div", "card-link");
    const anchor = element("a", "", WORDS.details + " ›");
    anchor.href = message.url;
    anchor.target = "_blank";
    anchor.rel = "noopener";
    link.appendChild(anchor);
    card.appendChild(link);
  }
  return card;
}

function add(openid, item, at) {
  const target = chat(openid);
  const seconds = at || Date.now() / 1000;
  if (item.type !== "xml" && seconds - target.lastTime > TIME_GAP_S) {
    const time = new Date(seconds * 1000).toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit" });
    target.items.push({ type: "note", style: "time", text: time });
  }
  if (item.type !== "xml") target.lastTime = seconds;
  target.items.push({ ...item, openid });
  if (openid === state.current) showChat();
}

function showChat() {
  const box = $("messages");
  box.replaceChildren(...chat(state.current).items.map(render));
  box.scrollTop = box.scrollHeight;
}

// -- people -----------------------------------------------------------------------------------
async function loadPeople() {
  const answer = await (await fetch("/api/people")).json();
  state.people = answer.people;
  for (const kind of ["resident", "staff"]) {
    const list = $(kind === "resident" ? "residents" : "staff");
    list.replaceChildren(...state.people.filter((p) => p.kind === kind).map((person) => {
      const button = element("button", "", person.label);
      button.type = "button";
      button.dataset.openid = person.openid;
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", () => select(person.openid));
      const item = element("li");
      item.appendChild(button);
      return item;
    }));
  }
  $("people-problem").hidden = !answer.problem;
  $("people-problem").textContent = answer.problem || "";
}

function select(openid) {
  state.current = openid;
  const person = state.people.find((p) => p.openid === openid);
  for (const button of document.querySelectorAll(".people button")) {
    button.setAttribute("aria-pressed", String(button.dataset.openid === openid));
  }
  $("whoami").textContent = fill(WORDS.whoami, { label: person ? person.label : openid });
  for (const id of ["input", "send"]) $(id).disabled = false;
  if (!chat(openid).items.length) add(openid, { type: "note", text: WORDS.firstHint });
  showChat();
  updateTyping();
  poll();
}

// -- sending ----------------------------------------------------------------------------------
async function send(payload, shown) {
  const openid = state.current;
  if (!openid) return;
  if (shown) add(openid, shown);
  state.pending[openid] = (state.pending[openid] || 0) + 1;
  updateTyping();
  try {
    const response = await fetch("/api/send", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ openid, ...payload }),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error || response.status);
    showDelivery(openid, answer);
  } catch (error) {
    add(openid, { type: "note", style: "error", text: fill(WORDS.sendFailed, { error: error.message }) });
  } finally {
    state.pending[openid] -= 1;
    updateTyping();
  }
}

function showDelivery(openid, answer) {
  const mode = answer.encrypted ? WORDS.encrypted : WORDS.plaintext;
  add(openid, { type: "xml", text: fill(WORDS.pushed, { mode }) + "\n" + answer.request_xml });
  if (answer.outcome === "reply") {
    add(openid, { type: "text", mine: false, kind: "passive", text: answer.reply.text });
  } else if (answer.outcome === "success" || answer.outcome === "empty") {
    add(openid, { type: "xml", text: WORDS.noReply });
  } else {
    add(openid, { type: "note", style: "error", text: WORDS.unavailable });
  }
  const detail = answer.reply_xml || answer.detail || answer.outcome;
  add(openid, { type: "xml", text: fill(WORDS.reply, answer) + "\n" + detail });
}

function updateTyping() {
  $("typing").hidden = !(state.current && state.pending[state.current] > 0);
}

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("input").value.trim();
  if (!text || !state.current) return;
  $("input").value = "";
  send({ kind: "text", text }, { type: "text", mine: true, text });
});

$("subscribe").addEventListener("click", () => {
  if (state.current) send({ kind: "subscribe" }, { type: "note", text: WORDS.subscribed });
});

$("dev").addEventListener("change", (event) => {
  document.body.classList.toggle("dev", event.target.checked);
});

// -- the account's menu -------------------------------------------------------------------------
async function loadMenu() {
  state.menu = await (await fetch("/api/menu")).json();
  $("menu").replaceChildren(...state.menu.button.map((button) => {
    const node = element("button", button.sub_button ? "has-sub" : "", button.name);
    node.type = "button";
    node.addEventListener("click", (event) => {
      if (button.sub_button) openSubmenu(button, event.currentTarget);
      else click(button);
    });
    return node;
  }));
}

function openSubmenu(button, anchor) {
  const submenu = $("submenu");
  if (!submenu.hidden && submenu.dataset.owner === button.name) {
    submenu.hidden = true;
    return;
  }
  submenu.replaceChildren(...button.sub_button.map((sub) => {
    const node = element("button", "", sub.name);
    node.type = "button";
    node.addEventListener("click", () => click(sub));
    return node;
  }));
  submenu.dataset.owner = button.name;
  submenu.hidden = false;
  const phone = anchor.closest(".phone").getBoundingClientRect();
  const place = anchor.getBoundingClientRect();
  submenu.style.left = `${place.left - phone.left + place.width / 2 - submenu.offsetWidth / 2}px`;
}

function click(button) {
  $("submenu").hidden = true;
  send({ kind: "click", key: button.key }, { type: "note", text: fill(WORDS.clicked, button) });
}

$("toggle").addEventListener("click", () => {
  const toMenu = $("menu").hidden;
  $("menu").hidden = !toMenu;
  $("composer").hidden = toMenu;
  $("submenu").hidden = true;
  $("toggle").textContent = toMenu ? "⌨" : "☰";
  $("toggle").title = toMenu ? WORDS.toKeyboard : WORDS.toMenu;
  $("toggle").setAttribute("aria-label", $("toggle").title);
});

// -- the inbox: customer-service and template messages from the fake WeChat API ------------------
async function poll() {
  const openid = state.current;
  if (!openid || state.polling || state.pending[openid] > 0) return; // the passive reply comes first
  state.polling = true;
  try {
    const target = chat(openid);
    const response = await fetch(`/api/inbox?openid=${encodeURIComponent(openid)}&since=${target.since}`);
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error || response.status);
    for (const message of answer.messages) {
      const item = message.kind === "template"
        ? { type: "template", mine: false, kind: "template", message }
        : { type: "text", mine: false, kind: "customer_service", text: message.text };
      add(openid, item, message.at);
    }
    target.since = Math.max(target.since, answer.latest);
    $("status").textContent = "";
  } catch (error) {
    $("status").textContent = fill(WORDS.inboxFailed, { error: error.message });
  } finally {
    state.polling = false;
  }
}

loadPeople().catch((error) => { $("status").textContent = error.message; });
loadMenu().catch((error) => { $("status").textContent = error.message; });
setInterval(poll, POLL_MS);
