// The advisor dashboard. Every piece of case data is untrusted (taxpayers type it, the bot
// repeats it): it only ever reaches the page through textContent / text nodes, never as HTML.
"use strict";

(() => {
  const TOKEN_KEY = "advisorToken";
  const QUEUE_REFRESH_MS = 10000;
  const CASE_REFRESH_MS = 5000;
  const FILTERS = {
    pending: { status: "pending" },
    mine: { status: "active", assignee: "me" },
    active: { status: "active" },
    resolved: { status: "resolved" },
  };
  const REASONS = {
    risk: "High levy risk",
    user_requested: "Asked for a person",
    fallback: "Assistant could not understand",
  };

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    me: null,
    filter: "pending",
    cases: [],
    total: 0,
    selected: null,
    detail: null,
    lastLive: null,
    skew: 0,
    advisors: [],
    busy: false,
  };

  const $ = (id) => document.getElementById(id);

  // --- DOM helper: text only ------------------------------------------------------------------
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  // --- API --------------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  async function api(path, { method = "GET", body } = {}) {
    const headers = { Authorization: `Bearer ${state.token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, {
        method, headers, cache: "no-store",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError("The queue service cannot be reached. Check your connection.", 0);
    }
    let data = null;
    try { data = await response.json(); } catch (error) { data = null; }
    if (response.status === 401) {
      signOut("Your token is not valid (any more). Sign in again.");
      throw new ApiError("not signed in", 401);
    }
    if (!response.ok) {
      throw new ApiError((data && data.error) || `The service answered HTTP ${response.status}.`, response.status);
    }
    return data;
  }

  // --- messages to the advisor --------------------------------------------------------------------
  let noticeTimer = null;
  function notify(message, kind = "info") {
    const notice = $("notice");
    notice.textContent = message;
    notice.className = `notice ${kind}`;
    notice.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { notice.hidden = true; }, kind === "error" ? 12000 : 6000);
  }

  // --- time words -----------------------------------------------------------------------------------
  const now = () => Date.now() + state.skew;

  function span(ms) {
    const minutes = Math.round(Math.abs(ms) / 60000);
    if (minutes < 1) return "under a minute";
    if (minutes < 60) return `${minutes} min`;
    const hours = Math.floor(minutes / 60);
    if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
    return `${Math.floor(hours / 24)} days`;
  }

  function formatDate(iso) {
    if (!iso) return "";
    const date = new Date(`${iso}T12:00:00Z`);
    return date.toLocaleDateString("en-US", { weekday: "short", month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });
  }

  function formatTime(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleString("en-US", { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
  }

  function deadlineWords(item) {
    if (!item.cdp_deadline) return { text: "No CDP deadline known", level: "none" };
    const days = item.deadline_days_left;
    const date = formatDate(item.cdp_deadline);
    if (days === null || days === undefined) return { text: `CDP deadline ${date}`, level: "none" };
    if (days < 0) return { text: `CDP deadline passed ${-days} day${days === -1 ? "" : "s"} ago (${date})`, level: "passed" };
    if (days === 0) return { text: `CDP deadline is TODAY (${date})`, level: "close" };
    if (days === 1) return { text: `CDP deadline tomorrow (${date})`, level: "close" };
    return { text: `CDP deadline in ${days} days (${date})`, level: days <= 7 ? "close" : "far" };
  }

  function slaWords(item) {
    if (item.sla.state === "met") return { text: "First response in time", level: "met" };
    const due = Date.parse(item.sla.due);
    if (item.sla.state === "breached" && (item.first_reply_created_at || item.resolved_at)) {
      return { text: "First response was late", level: "breached" };
    }
    if (item.status === "resolved") return { text: "Resolved", level: "met" };
    const left = due - now();
    if (left > 0) return { text: `Respond within ${span(left)}`, level: left < 15 * 60000 ? "soon" : "ok" };
    return { text: `SLA breached ${span(left)} ago`, level: "breached" };
  }

  // --- sign in / out ----------------------------------------------------------------------------------
  async function signIn(token) {
    state.token = token;
    const me = await api("/api/me");
    state.me = me;
    sessionStorage.setItem(TOKEN_KEY, token);
    $("who").textContent = `Signed in as ${me.name}`;
    $("sign-out").hidden = false;
    $("signin").hidden = true;
    $("app").hidden = false;
    try { state.advisors = (await api("/api/advisors")).advisors; } catch (error) { state.advisors = []; }
    await loadQueue();
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    state.me = null;
    state.selected = null;
    state.detail = null;
    $("who").textContent = "";
    $("sign-out").hidden = true;
    $("app").hidden = true;
    $("signin").hidden = false;
    $("signin-error").textContent = message || "";
    $("token").value = "";
    $("token").focus();
  }

  // --- the queue ---------------------------------------------------------------------------------------
  async function loadQueue() {
    if (!state.token) return;
    const filter = FILTERS[state.filter];
    const params = new URLSearchParams({ status: filter.status, limit: "200" });
    if (filter.assignee) params.set("assignee", filter.assignee);
    try {
      const data = await api(`/api/handoffs?${params}`);
      state.skew = Date.parse(data.server_time) - Date.now();
      state.cases = data.cases;
      state.total = data.total;
      renderQueue();
    } catch (error) {
      if (error.status !== 401) $("queue-status").textContent = error.message;
    }
  }

  function renderQueue() {
    const list = clear($("queue"));
    const shown = state.cases.length;
    $("queue-status").textContent = shown === 0 ? "No cases here." :
      `${state.total} case${state.total === 1 ? "" : "s"}${state.total > shown ? ` (first ${shown} shown)` : ""}, most urgent first.`;
    for (const item of state.cases) {
      const deadline = deadlineWords(item);
      const sla = slaWords(item);
      const name = item.contact.name || "Name not given";
      const row = el("button", {
        type: "button",
        class: `case-row${state.selected === item.id ? " selected" : ""}`,
        "aria-current": state.selected === item.id ? "true" : null,
        "data-case-id": item.id,
        onclick: () => openCase(item.id),
      },
      el("span", { class: "row-top" },
        el("span", { class: `badge prio-${item.priority}`, text: item.priority }),
        el("span", { class: "row-name", text: name }),
        el("span", { class: `chip status-${item.status}`, text: item.status })),
      el("span", { class: "row-mid muted" },
        [REASONS[item.reason] || item.reason, item.notice_code, item.channel].filter(Boolean).join(" · ")),
      el("span", { class: "row-bottom" },
        el("span", { class: `deadline dl-${deadline.level}`, text: deadline.text }),
        el("span", { class: `chip sla-${sla.level}`, text: sla.text }),
        el("span", { class: "muted", text: item.assignee ? `with ${item.assignee.name}` : `waiting ${span(now() - Date.parse(item.waiting_since))}` })));
      list.append(el("li", null, row));
    }
  }

  function setFilter(name) {
    state.filter = name;
    for (const button of document.querySelectorAll("[data-filter]")) {
      button.setAttribute("aria-pressed", String(button.dataset.filter === name));
    }
    loadQueue();
  }

  // --- one case ------------------------------------------------------------------------------------------
  async function openCase(id) {
    state.selected = id;
    state.lastLive = null;
    $("reply-text").value = "";
    $("note-text").value = "";
    document.body.classList.add("show-case");
    renderQueue();
    await refreshCase();
    $("case").scrollIntoView({ block: "start" });
  }

  function closeCase() {
    state.selected = null;
    state.detail = null;
    document.body.classList.remove("show-case");
    $("case").hidden = true;
    $("case-empty").hidden = false;
    renderQueue();
  }

  async function refreshCase() {
    if (!state.selected) return;
    const id = state.selected;
    try {
      const detail = await api(`/api/handoffs/${id}`);
      if (state.selected !== id) return;
      state.skew = Date.parse(detail.server_time) - Date.now();
      state.detail = detail;
      renderCase();
    } catch (error) {
      if (error.status === 404) {
        notify("That case no longer exists.", "error");
        closeCase();
      } else if (error.status !== 401) {
        notify(error.message, "error");
      }
    }
  }

  function mine(item) {
    return Boolean(item.assignee && state.me && item.assignee.id === state.me.id);
  }

  async function act(path, body, success) {
    if (state.busy) return;
    state.busy = true;
    const buttons = Array.from(document.querySelectorAll("#case button"));
    for (const button of buttons) button.disabled = true;
    try {
      const result = await api(`/api/handoffs/${state.selected}/${path}`, { method: "POST", body: body || {} });
      if (result && result.live) state.lastLive = result.live;
      if (success) notify(typeof success === "function" ? success(result) : success, "ok");
      return result;
    } catch (error) {
      if (error.status !== 401) notify(error.message, "error");
      return null;
    } finally {
      state.busy = false;
      for (const button of buttons) button.disabled = false;
      await Promise.all([refreshCase(), loadQueue()]);
    }
  }

  function section(title, ...content) {
    return el("section", { class: "card" }, el("h3", { text: title }), ...content);
  }

  function facts(pairs) {
    const list = el("dl", { class: "facts" });
    for (const [label, value] of pairs) {
      if (value === null || value === undefined || value === "") continue;
      list.append(el("dt", { text: label }), el("dd", null, value));
    }
    return list;
  }

  function factValue(value) {
    if (value === null || value === undefined) return "—";
    if (typeof value === "string") return value;
    if (typeof value === "boolean") return value ? "yes" : "no";
    if (Array.isArray(value) && value.every((v) => typeof v !== "object")) return value.join(", ");
    return JSON.stringify(value);
  }

  function contactLink(contact) {
    if (contact.method === "phone" && contact.phone) {
      const digits = contact.phone.replace(/[^0-9+]/g, "");
      return el("a", { href: `tel:${digits}`, text: contact.phone });
    }
    if (contact.method === "email" && contact.email) {
      return el("a", { href: `mailto:${encodeURIComponent(contact.email).replace("%40", "@")}`, text: contact.email });
    }
    return "—";
  }

  function messageList(messages, emptyText) {
    if (!messages || messages.length === 0) return el("p", { class: "muted", text: emptyText });
    const list = el("ol", { class: "messages" });
    for (const message of messages) {
      const sender = message.sender || {};
      let who = "System";
      if (message.message_type === "incoming") who = "Taxpayer";
      else if (sender.type === "advisor") who = sender.name || "Advisor";
      else if (sender.type === "bot") who = "Assistant";
      const kind = message.private ? "note" : message.message_type;
      list.append(el("li", { class: `message ${kind}` },
        el("span", { class: "message-meta" },
          el("span", { class: "message-who", text: message.private ? `${who} (private note)` : who }),
          el("time", { datetime: message.created_at || "", text: formatTime(message.created_at) })),
        el("span", { class: "message-text", text: message.content })));
    }
    return list;
  }

  function renderCase() {
    const item = state.detail;
    $("case-empty").hidden = true;
    $("case").hidden = false;
    const isMine = mine(item);
    const deadline = deadlineWords(item);
    const sla = slaWords(item);

    clear($("case-header")).append(
      el("h2", { text: item.contact.name || "Name not given" }),
      el("p", { class: "badges" },
        el("span", { class: `badge prio-${item.priority}`, text: `${item.priority} priority` }),
        el("span", { class: `chip status-${item.status}`, text: item.status }),
        el("span", { class: `chip sla-${sla.level}`, text: sla.text })),
      el("p", { class: "muted" },
        `Case #${item.id} · ${REASONS[item.reason] || item.reason} · ${item.channel} · conversation ${item.conversation_id}`),
      el("p", { class: "muted", text: item.assignee ? `Held by ${item.assignee.name}` : "Nobody holds this case yet" }));

    const actions = clear($("case-actions"));
    if (item.status === "pending" && !item.assignee) {
      actions.append(el("button", { type: "button", class: "primary", id: "claim", text: "Claim",
        onclick: () => act("claim", {}, (r) => (r.live && r.live.bot_paused ? "Claimed. The bot is paused; the taxpayer was told you joined." : "Claimed.")) }));
    }
    if (isMine && item.status !== "resolved") {
      const snoozeChoice = el("select", { id: "snooze-minutes", "aria-label": "Snooze for" },
        el("option", { value: "30", text: "30 minutes" }), el("option", { value: "60", text: "1 hour" }),
        el("option", { value: "240", text: "4 hours" }), el("option", { value: "1440", text: "1 day" }));
      actions.append(el("span", { class: "inline" }, snoozeChoice,
        el("button", { type: "button", id: "snooze", text: "Snooze",
          onclick: () => act("snooze", { minutes: Number(snoozeChoice.value) }, "Snoozed.") })));
    }
    if ((isMine || (item.status === "pending" && !item.assignee)) && item.status !== "resolved") {
      actions.append(el("button", { type: "button", id: "resolve", class: "danger", text: "Resolve",
        onclick: () => {
          if (window.confirm("Resolve this case? The bot takes the conversation back.")) act("resolve", {}, "Resolved.");
        } }));
    }
    if (item.assignee && item.status !== "resolved") {
      const others = state.advisors.filter((a) => a.id !== item.assignee.id);
      if (others.length) {
        const choice = el("select", { id: "reassign-to", "aria-label": "Reassign to" },
          others.map((a) => el("option", { value: String(a.id), text: a.name })));
        actions.append(el("span", { class: "inline" }, choice,
          el("button", { type: "button", id: "reassign", text: "Reassign",
            onclick: () => act("reassign", { advisor_id: Number(choice.value) }, "Reassigned.") })));
      }
    }

    const live = $("case-live");
    const lines = [];
    if (item.status !== "resolved" && item.assignee) {
      lines.push(item.bot_paused ? "The bot is paused: the taxpayer is talking to a person."
        : "The bot is NOT paused for this conversation; it will be paused before your first reply.");
    }
    if (state.lastLive && state.lastLive.error) lines.push(`Live channel: ${state.lastLive.error}`);
    live.hidden = lines.length === 0;
    clear(live).append(...lines.map((line) => el("p", { text: line })));

    const risk = item.risk;
    const factorList = el("ol", { class: "factors" },
      risk.factors.map((factor) => el("li", null,
        el("span", { class: "factor-reason", text: factor.reason }),
        el("span", { class: "factor-meta muted", text: `${factor.points >= 0 ? "+" : ""}${factor.points} points · ${factor.source}` }))));
    const transcript = item.transcript ? messageList(item.transcript.messages, "No messages yet.")
      : el("p", { class: "error", text: `Transcript unavailable: ${item.transcript_error || "unknown reason"}` });

    clear($("case-body")).append(
      section("Summary", el("p", { class: "summary", text: item.summary })),
      section("Contact", facts([
        ["Name", item.contact.name],
        ["Preferred", item.contact.method],
        ["Reach at", contactLink(item.contact)],
        ["Best time", item.contact.best_time],
        ["Consent to contact", item.contact.consent ? "yes" : "NO — do not call or email"],
      ])),
      section("Notice and deadline", facts([
        ["Notice", item.notice_code || "unknown"],
        ["Notice date", item.notice_date ? formatDate(item.notice_date) : "unknown"],
        ["Deadline", el("span", { class: `deadline dl-${deadline.level}`, text: deadline.text })],
        ["Waiting since", formatTime(item.waiting_since)],
        ["First response due", formatTime(item.first_response_due)],
      ])),
      section(`Levy risk: ${risk.level} (score ${risk.score})`, factorList,
        risk.unknown && risk.unknown.length ? el("p", { class: "muted", text: `Not known yet: ${risk.unknown.join(", ")}` }) : null),
      section("What the conversation gathered", facts(Object.entries(item.facts || {}).map(([k, v]) => [k.replace(/_/g, " "), factValue(v)]))),
      section("Transcript", transcript),
      section("Notes and activity", messageList(item.messages, "Nothing yet.")),
      el("details", { class: "card audit" }, el("summary", { text: "Audit trail" }),
        el("ol", null, item.audit.map((entry) => el("li", null,
          el("time", { datetime: entry.created_at, text: formatTime(entry.created_at) }),
          ` ${entry.actor_name} (${entry.actor_type}): ${entry.action}`)))));

    const canReply = isMine && (item.status === "open" || item.status === "snoozed");
    $("reply-form").hidden = !canReply;
    $("reply-channel").textContent = canReply ? `(sent through ${item.channel})` : "";
    $("note-form").hidden = item.status === "resolved";
  }

  // --- wiring ------------------------------------------------------------------------------------------------
  function wire() {
    $("signin-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const token = $("token").value.trim();
      if (!token) { $("signin-error").textContent = "Enter your advisor token."; return; }
      $("signin-error").textContent = "";
      try { await signIn(token); } catch (error) {
        if (error.status !== 401) $("signin-error").textContent = error.message;
      }
    });
    $("sign-out").addEventListener("click", () => signOut(""));
    $("refresh").addEventListener("click", () => loadQueue());
    $("back").addEventListener("click", closeCase);
    for (const button of document.querySelectorAll("[data-filter]")) {
      button.addEventListener("click", () => setFilter(button.dataset.filter));
    }
    $("reply-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = $("reply-text").value.trim();
      if (!text) return;
      const sent = await act("reply", { content: text }, "Reply sent to the taxpayer.");
      if (sent) $("reply-text").value = "";
    });
    $("note-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = $("note-text").value.trim();
      if (!text) return;
      const added = await act("notes", { content: text }, "Note added.");
      if (added) $("note-text").value = "";
    });
    setInterval(() => { if (state.token && document.visibilityState === "visible") loadQueue(); }, QUEUE_REFRESH_MS);
    setInterval(() => {
      const typing = document.activeElement && document.activeElement.tagName === "TEXTAREA";
      if (state.token && state.selected && !state.busy && !typing && document.visibilityState === "visible") refreshCase();
    }, CASE_REFRESH_MS);
  }

  async function start() {
    wire();
    if (state.token) {
      try { await signIn(state.token); return; } catch (error) {
        if (error.status !== 401) { $("signin-error").textContent = error.message; }
      }
    }
    signOut($("signin-error").textContent);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
