// The advisor dashboard. Every piece of case data is untrusted (taxpayers type it, the bot
// repeats it): it only ever reaches the page through textContent / text nodes, never as HTML.
// Changes arrive by push (GET /api/stream, read with fetch because EventSource cannot send the
// bearer header); a slow safety poll catches anything a dropped stream missed.
"use strict";

(() => {
  const L = window.AdvisorLib;
  const TOKEN_KEY = "advisorToken";
  const SOUND_KEY = "advisorSound";
  const SAFETY_POLL_MS = 60000; // while the stream is up
  const FALLBACK_POLL_MS = 15000; // while it is down
  const POLL_CHECK_MS = 5000;
  const STREAM_SILENCE_MS = 45000; // the server pings every 15 s: three missed pings = dead
  const STREAM_HEALTHY_MS = 10000; // a stream that lived this long resets the back-off
  const SEARCH_DELAY_MS = 300;
  const REASONS = {
    risk: "High levy risk",
    user_requested: "Asked for a person",
    fallback: "Assistant could not understand",
  };
  const CHANNELS = { socketio: "chat", sms: "SMS", rest: "API" };

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    me: null,
    clock: L.makeClock(null),
    filter: "pending",
    filters: { priority: "", channel: "", q: "" },
    cases: [],
    total: 0,
    waiting: 0,
    selected: null,
    detail: null,
    lastLive: null,
    renderedCase: null, // the case the view was last drawn for (to keep the transcript's scroll)
    skew: 0,
    advisors: [],
    busy: false,
    fresh: new Set(), // cases pushed since this page opened, until looked at
    stream: null, // { controller, live }
    lastQueueLoad: 0,
    lastCaseLoad: 0,
    caseStale: false, // a change to the open case arrived while the tab was hidden
    sound: localStorage.getItem(SOUND_KEY) !== "off",
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

  async function request(path, { method = "GET", body, signal } = {}) {
    const headers = { Authorization: `Bearer ${state.token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, {
        method, headers, cache: "no-store", signal,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new ApiError("The queue service cannot be reached. Check your connection.", 0);
    }
    if (response.status === 401) {
      signOut("Your token is not valid (any more). Sign in again.");
      throw new ApiError("not signed in", 401);
    }
    return response;
  }

  async function errorOf(response) {
    let data = null;
    try { data = await response.json(); } catch (error) { data = null; }
    return new ApiError((data && data.error) || `The service answered HTTP ${response.status}.`, response.status);
  }

  async function api(path, options) {
    const response = await request(path, options);
    if (!response.ok) throw await errorOf(response);
    try { return await response.json(); } catch (error) { return null; }
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
  const formatTime = (iso) => L.formatTime(iso, state.clock, now());

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

  // --- the firm (its time zone for every time shown) --------------------------------------------------
  async function loadFirm() {
    try {
      const response = await fetch("/firm.json", { cache: "no-store" });
      if (!response.ok) return;
      const firm = await response.json();
      state.clock = L.makeClock(firm);
      if (firm && firm.name) $("firm-name").textContent = firm.name;
    } catch (error) { /* the browser's own zone, named, is the fallback */ }
  }

  // --- alerts: notification, sound, title ---------------------------------------------------------------
  let audio = null;

  // Browsers start sound only after a gesture: the first click or key on the page unlocks it.
  function unlockAudio() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      if (!audio) audio = new Context();
      if (audio.state === "suspended") audio.resume().catch(() => {});
    } catch (error) { audio = null; }
  }

  // A short chime made on the spot (no audio file): two notes, four for an urgent case.
  function chime(urgent) {
    if (!state.sound || !audio) return;
    if (audio.state === "suspended") audio.resume().catch(() => {});
    const notes = urgent ? [660, 880, 660, 880] : [660, 880];
    let start = audio.currentTime + 0.02;
    for (const frequency of notes) {
      const tone = audio.createOscillator();
      const volume = audio.createGain();
      tone.type = "sine";
      tone.frequency.value = frequency;
      volume.gain.setValueAtTime(0.0001, start);
      volume.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
      volume.gain.exponentialRampToValueAtTime(0.0001, start + 0.18);
      tone.connect(volume).connect(audio.destination);
      tone.start(start);
      tone.stop(start + 0.2);
      start += 0.22;
    }
  }

  function canNotify() {
    return "Notification" in window;
  }

  function renderAlertControls() {
    const signedIn = Boolean(state.me);
    const button = $("enable-alerts");
    const words = $("alerts-state");
    const permission = canNotify() ? Notification.permission : "unsupported";
    button.hidden = !signedIn || permission !== "default";
    words.hidden = !signedIn || permission === "default";
    words.textContent = {
      granted: "Alerts on",
      denied: "Alerts blocked in the browser's site settings",
      unsupported: "No browser alerts here: watch the tab title",
    }[permission] || "";
    $("sound").hidden = !signedIn;
    $("sound").setAttribute("aria-pressed", String(state.sound));
    $("sound").textContent = state.sound ? "Sound on" : "Sound off";
  }

  async function enableAlerts() {
    unlockAudio();
    if (!canNotify()) { renderAlertControls(); return; }
    try { await Notification.requestPermission(); } catch (error) { /* answered below */ }
    renderAlertControls();
    if (Notification.permission === "granted") notify("Alerts are on: new cases and messages on your cases pop up here.", "ok");
  }

  function showNotification(alert, caseId) {
    if (!canNotify() || Notification.permission !== "granted") return;
    try {
      const shown = new Notification(alert.title, {
        // renotify: a second message on the same case alerts again rather than replacing quietly
        body: alert.body, tag: alert.tag, renotify: true, requireInteraction: alert.requireInteraction,
      });
      shown.onclick = () => {
        window.focus();
        openCase(caseId);
        shown.close();
      };
    } catch (error) {
      // Chrome on Android allows notifications only from a service worker; sound and title still tell.
    }
  }

  function alertFor(kind, data) {
    const item = state.cases.find((c) => c.id === data.case_id);
    const name = data.name || (item && item.contact.name) || null;
    const alert = L.caseAlert(kind, { ...data, name });
    const looking = document.visibilityState === "visible" && document.hasFocus() && state.selected === data.case_id;
    if (!looking) showNotification(alert, data.case_id);
    chime(alert.urgent);
    $("announce").textContent = `${alert.title}. ${alert.body}`; // for screen readers, who see no pop-up
  }

  function updateTitle() {
    document.title = L.titleFor(state.me ? state.waiting : 0);
  }

  // --- the push stream -------------------------------------------------------------------------------------
  function setStreamState(text, live) {
    const node = $("stream-state");
    node.hidden = !state.me;
    node.textContent = text;
    node.className = `stream-state ${live ? "stream-live" : "stream-down"}`;
    if (state.stream) state.stream.live = live;
  }

  function sleep(ms, signal) {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
    });
  }

  async function runStream(controller) {
    let attempt = 0;
    const signal = controller.signal;
    while (!signal.aborted) {
      let openedAt = 0;
      let watchdog = null;
      try {
        const response = await request("/api/stream", { signal });
        if (!response.ok || !response.body) throw await errorOf(response);
        openedAt = Date.now();
        setStreamState("Live", true);
        // Whatever happened while the stream was down is read once now.
        scheduleQueueLoad();
        if (state.selected) refreshCaseWhenSeen();
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        const parser = new L.SseParser();
        let lastByte = Date.now();
        watchdog = setInterval(() => {
          if (Date.now() - lastByte > STREAM_SILENCE_MS) reader.cancel().catch(() => {});
        }, POLL_CHECK_MS);
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          lastByte = Date.now();
          for (const event of parser.push(decoder.decode(value, { stream: true }))) onStreamEvent(event);
        }
      } catch (error) {
        if (signal.aborted || error.status === 401) return;
      } finally {
        clearInterval(watchdog);
      }
      if (signal.aborted) return;
      if (openedAt && Date.now() - openedAt > STREAM_HEALTHY_MS) attempt = 0;
      const delay = L.backoffMs(attempt);
      attempt += 1;
      setStreamState(`Reconnecting in ${Math.ceil(delay / 1000)} s`, false);
      await sleep(delay, signal);
    }
  }

  function startStream() {
    stopStream();
    const controller = new AbortController();
    state.stream = { controller, live: false };
    setStreamState("Connecting", false);
    runStream(controller);
  }

  function stopStream() {
    if (state.stream) state.stream.controller.abort();
    state.stream = null;
    $("stream-state").hidden = true;
  }

  function findCase(id) {
    return [state.detail, ...state.cases].filter((c) => c && c.id === id);
  }

  function onStreamEvent({ event, data }) {
    let payload;
    try { payload = JSON.parse(data); } catch (error) { return; }
    if (!payload || typeof payload.case_id !== "number") return;
    const id = payload.case_id;
    if (event === "case_created") {
      state.fresh.add(id);
      alertFor("case_created", payload);
      scheduleQueueLoad();
    } else if (event === "case_updated") {
      scheduleQueueLoad();
      if (state.selected === id) refreshCaseWhenSeen();
    } else if (event === "taxpayer_message") {
      const forMe = Boolean(state.me && payload.assignee_id === state.me.id);
      if (forMe) alertFor("taxpayer_message", payload);
      for (const item of findCase(id)) {
        item.taxpayer = { ...(item.taxpayer || {}), unread: ((item.taxpayer || {}).unread || 0) + 1,
          last_message_at: new Date(now()).toISOString() };
      }
      renderQueue();
      scheduleQueueLoad();
      if (state.selected === id) refreshCaseWhenSeen();
    } else if (event === "presence") {
      const stamp = new Date(now()).toISOString();
      for (const item of findCase(id)) {
        const before = item.taxpayer || {};
        item.taxpayer = { ...before, online: Boolean(payload.online), seen_at: payload.online ? before.seen_at : stamp };
      }
      renderQueue();
      if (state.detail && state.detail.id === id) renderTaxpayerLine();
    }
  }

  // Reading the case as its holder marks its messages read: only do it when the advisor can see it.
  function refreshCaseWhenSeen() {
    if (document.visibilityState === "visible") refreshCase();
    else state.caseStale = true;
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
    renderAlertControls();
    try { state.advisors = (await api("/api/advisors")).advisors; } catch (error) { state.advisors = []; }
    await loadQueue();
    startStream();
  }

  function signOut(message) {
    stopStream();
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    state.me = null;
    state.selected = null;
    state.detail = null;
    state.cases = [];
    state.fresh.clear();
    $("who").textContent = "";
    $("sign-out").hidden = true;
    $("app").hidden = true;
    $("signin").hidden = false;
    $("signin-error").textContent = message || "";
    $("token").value = "";
    $("token").focus();
    renderAlertControls();
    updateTitle();
  }

  // --- the queue ---------------------------------------------------------------------------------------
  let queueLoads = 0;
  let queueTimer = null;

  // Several events in a burst (a claim changes a case twice) cost one load.
  function scheduleQueueLoad() {
    clearTimeout(queueTimer);
    queueTimer = setTimeout(loadQueue, 150);
  }

  function filtering() {
    return Boolean(state.filters.priority || state.filters.channel || state.filters.q.trim());
  }

  async function loadQueue() {
    if (!state.token) return;
    const mine = ++queueLoads;
    const params = L.queueParams(state.filter, state.filters);
    params.set("limit", "200");
    // The title counts every waiting case, whatever the list shows.
    const listIsWaiting = state.filter === "pending" && !filtering();
    try {
      const [data, waiting] = await Promise.all([
        api(`/api/handoffs?${params}`),
        listIsWaiting ? null : api("/api/handoffs?status=pending&limit=1"),
      ]);
      if (mine !== queueLoads) return; // a newer load (other filters) answers instead
      state.skew = Date.parse(data.server_time) - Date.now();
      state.cases = data.cases;
      state.total = data.total;
      state.waiting = listIsWaiting ? data.total : waiting.total;
      state.lastQueueLoad = Date.now();
      updateTitle();
      renderQueue();
    } catch (error) {
      if (mine === queueLoads && error.status !== 401) $("queue-status").textContent = error.message;
    }
  }

  function taxpayerFlags(item, compact) {
    const flags = [];
    const taxpayer = item.taxpayer || {};
    const out = L.optedOutAt(taxpayer);
    if (out) {
      flags.push(el("span", { class: "chip optout", text: compact ? `Opted out of texts ${formatTime(out)}`
        : `Opted out of texts (STOP) at ${formatTime(out)}` }));
    }
    const seen = L.presence(taxpayer, item.channel, state.clock, now());
    // A row says nothing for a taxpayer never seen online: every case made by another system would.
    if (seen && !(compact && seen.state === "unknown")) flags.push(el("span", { class: `presence presence-${seen.state}`, text: seen.text }));
    if (taxpayer.unread > 0) {
      flags.push(el("span", { class: "chip unread", text: L.unreadWords(taxpayer.unread) }));
    }
    return flags;
  }

  function renderQueue() {
    const list = clear($("queue"));
    const shown = state.cases.length;
    $("queue-status").textContent = shown === 0 ? (filtering() ? "No cases match these filters." : "No cases here.") :
      `${state.total} case${state.total === 1 ? "" : "s"}${filtering() ? " match" : ""}` +
      `${state.total > shown ? ` (first ${shown} shown)` : ""}, most urgent first.`;
    for (const item of state.cases) {
      const deadline = deadlineWords(item);
      const sla = slaWords(item);
      const name = item.contact.name || "Name not given";
      const fresh = state.fresh.has(item.id);
      const classes = ["case-row", `row-${item.priority}`];
      if (state.selected === item.id) classes.push("selected");
      if (fresh) classes.push("row-new");
      const flags = taxpayerFlags(item, true);
      const row = el("button", {
        type: "button",
        class: classes.join(" "),
        "aria-current": state.selected === item.id ? "true" : null,
        "data-case-id": item.id,
        onclick: () => openCase(item.id),
      },
      el("span", { class: "row-top" },
        el("span", { class: `badge prio-${item.priority}`, text: item.priority }),
        fresh ? el("span", { class: "chip new", text: "New" }) : null,
        el("span", { class: "row-name", text: name }),
        el("span", { class: `chip status-${item.status}`, text: item.status })),
      el("span", { class: "row-mid muted" },
        [REASONS[item.reason] || item.reason, item.notice_code, CHANNELS[item.channel] || item.channel].filter(Boolean).join(" · ")),
      flags.length ? el("span", { class: "row-flags" }, flags) : null,
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

  // --- CSV export: fetched with the bearer header, handed to the browser as a file -----------------------
  async function exportCsv() {
    const button = $("export-csv");
    button.disabled = true;
    try {
      const response = await request(`/api/handoffs.csv?${L.queueParams(state.filter, state.filters)}`);
      if (!response.ok) throw await errorOf(response);
      const blob = await response.blob();
      const name = L.downloadName(response.headers.get("Content-Disposition"), now());
      const url = URL.createObjectURL(blob);
      const link = el("a", { href: url, download: name, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 30000);
      notify(`Downloaded ${name}.`, "ok");
    } catch (error) {
      if (error.status !== 401) notify(`The export failed: ${error.message}`, "error");
    } finally {
      button.disabled = false;
    }
  }

  // --- one case ------------------------------------------------------------------------------------------
  async function openCase(id) {
    state.selected = id;
    state.lastLive = null;
    state.fresh.delete(id);
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
    state.caseStale = false;
    try {
      const detail = await api(`/api/handoffs/${id}`);
      if (state.selected !== id) return;
      state.skew = Date.parse(detail.server_time) - Date.now();
      state.detail = detail;
      state.lastCaseLoad = Date.now();
      // Opening it as the holder read its messages: the queue row says so without another load.
      const row = state.cases.find((c) => c.id === id);
      if (row && detail.taxpayer) row.taxpayer = { ...detail.taxpayer };
      renderCase();
      renderQueue();
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
    if (state.busy) return null;
    state.busy = true;
    const buttons = Array.from(document.querySelectorAll("#case button")).filter((b) => !b.disabled);
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

  // Who really sent each message: the taxpayer, an advisor by name, the assistant, or the system.
  function sender(message, taxpayerName) {
    const from = message.sender || {};
    if (message.message_type === "incoming" || from.type === "taxpayer" || from.type === "contact") {
      return { who: taxpayerName ? `${taxpayerName} (taxpayer)` : "Taxpayer", kind: "taxpayer" };
    }
    if (from.type === "advisor") return { who: `${from.name || "An advisor"} (advisor)`, kind: "advisor" };
    if (from.type === "bot") return { who: "Assistant", kind: "assistant" };
    return { who: "System", kind: "system" };
  }

  function messageList(messages, emptyText, taxpayerName) {
    if (!messages || messages.length === 0) return el("p", { class: "muted", text: emptyText });
    const list = el("ol", { class: "messages" });
    for (const message of messages) {
      const { who, kind } = sender(message, taxpayerName);
      const type = message.private ? "note" : message.message_type;
      list.append(el("li", { class: `message ${type} from-${kind}` },
        el("span", { class: "message-meta" },
          el("span", { class: "message-who", text: message.private ? `${who}, private note` : who }),
          el("time", { datetime: message.created_at || "", text: formatTime(message.created_at) })),
        el("span", { class: "message-text", text: message.content })));
    }
    return list;
  }

  function renderTaxpayerLine() {
    const item = state.detail;
    const line = clear($("case-taxpayer"));
    const taxpayer = item.taxpayer || {};
    const flags = taxpayerFlags(item, false);
    const out = L.optedOutAt(taxpayer);
    if (!out && taxpayer.opted_in_at && taxpayer.opted_out_at) {
      flags.push(el("span", { class: "chip", text: `Texted START at ${formatTime(taxpayer.opted_in_at)}: texts allowed again` }));
    }
    if (taxpayer.last_message_at) {
      flags.push(el("span", { class: "muted", text: `Last wrote ${formatTime(taxpayer.last_message_at)}` }));
    }
    line.hidden = flags.length === 0;
    line.append(...flags);
  }

  function renderReplyBox(item, isMine) {
    const canReply = isMine && (item.status === "open" || item.status === "snoozed");
    const out = item.channel === "sms" ? L.optedOutAt(item.taxpayer) : null;
    const blocked = $("reply-blocked");
    $("reply-form").hidden = !canReply;
    $("reply-channel").textContent = canReply ? `(sent through ${CHANNELS[item.channel] || item.channel})` : "";
    blocked.hidden = !(canReply && out);
    blocked.textContent = out ? `Replies are off: the taxpayer texted STOP at ${formatTime(out)}, so texts to them are ` +
      "blocked. Call or email them instead (Contact, below)." : "";
    $("reply-text").disabled = Boolean(out);
    $("reply-send").disabled = Boolean(out);
    if (out) $("reply-text").setAttribute("aria-describedby", "reply-blocked");
    else $("reply-text").removeAttribute("aria-describedby");
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
        `Case #${item.id} · ${REASONS[item.reason] || item.reason} · ${CHANNELS[item.channel] || item.channel} · conversation ${item.conversation_id}`),
      el("p", { class: "muted", text: item.assignee ? `Held by ${item.assignee.name}` : "Nobody holds this case yet" }));
    renderTaxpayerLine();

    const actions = clear($("case-actions"));
    const working = item.status === "open" || item.status === "snoozed";
    // The assistant never heard from this taxpayer (a case posted by another system, or an SMS
    // conversation the assistant no longer has): there is nothing to hand back or rejoin.
    const talking = !item.transcript || item.transcript.messages.some((m) => m.message_type === "incoming");
    if (item.status === "pending" && !item.assignee) {
      actions.append(el("button", { type: "button", class: "primary", id: "claim", text: "Claim",
        onclick: () => act("claim", {}, (r) => (r.live && r.live.bot_paused ? "Claimed. The bot is paused; the taxpayer was told you joined." : "Claimed.")) }));
    }
    if (isMine && working && talking && item.bot_paused) {
      actions.append(el("button", { type: "button", id: "handback", text: "Hand back to the assistant",
        onclick: () => act("handback", {}, "Handed back to the assistant. The case stays yours; Rejoin to talk to the taxpayer again.") }));
    }
    if (isMine && working && talking && !item.bot_paused) {
      actions.append(el("button", { type: "button", id: "rejoin", class: "primary", text: "Rejoin",
        onclick: () => act("rejoin", {}, "You're back in the conversation; the assistant is paused and the taxpayer was told.") }));
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
    if (item.status !== "resolved" && item.assignee && !talking) {
      lines.push("The assistant has no conversation with this taxpayer: reach them by phone or email (Contact, below).");
    } else if (item.status !== "resolved" && item.assignee) {
      lines.push(item.bot_paused ? "The bot is paused: the taxpayer is talking to a person."
        : "The assistant is answering the taxpayer (the bot is not paused). Rejoin to talk to them yourself; " +
          "a reply also pauses the bot first.");
    }
    if (state.lastLive && state.lastLive.error) lines.push(`Live channel: ${state.lastLive.error}`);
    live.hidden = lines.length === 0;
    clear(live).append(...lines.map((line) => el("p", { text: line })));

    const risk = item.risk;
    const factorList = el("ol", { class: "factors" },
      risk.factors.map((factor) => el("li", null,
        el("span", { class: "factor-reason", text: factor.reason }),
        el("span", { class: "factor-meta muted", text: `${factor.points >= 0 ? "+" : ""}${factor.points} points · ${factor.source}` }))));
    const transcript = item.transcript ? messageList(item.transcript.messages, "No messages yet.", item.contact.name)
      : el("p", { class: "error", text: `Transcript unavailable: ${item.transcript_error || "unknown reason"}` });
    // A long conversation scrolls in its own box, newest at the bottom, so the reply box stays
    // close; a box the advisor scrolled up in stays where they left it.
    const oldBox = document.querySelector("#case-body .transcript-box");
    const keepScroll = oldBox && state.renderedCase === item.id &&
      oldBox.scrollTop + oldBox.clientHeight < oldBox.scrollHeight - 8 ? oldBox.scrollTop : null;
    const box = el("div", { class: "transcript-box", tabindex: "0", role: "region", "aria-label": "Transcript" }, transcript);

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
      section("Transcript", box));
    box.scrollTop = keepScroll === null ? box.scrollHeight : keepScroll;
    state.renderedCase = item.id;
    clear($("case-more")).append(
      section("Notes and activity", messageList(item.messages, "Nothing yet.", item.contact.name)),
      el("details", { class: "card audit" }, el("summary", { text: "Audit trail" }),
        el("ol", null, item.audit.map((entry) => el("li", null,
          el("time", { datetime: entry.created_at, text: formatTime(entry.created_at) }),
          ` ${entry.actor_name} (${entry.actor_type}): ${entry.action}`)))));

    renderReplyBox(item, isMine);
    $("note-form").hidden = item.status === "resolved";
  }

  // --- wiring ------------------------------------------------------------------------------------------------
  let searchTimer = null;

  function readFilters() {
    state.filters = {
      priority: $("filter-priority").value,
      channel: $("filter-channel").value,
      q: $("filter-q").value,
    };
  }

  function safetyPoll() {
    if (!state.token || document.visibilityState !== "visible") return;
    const every = state.stream && state.stream.live ? SAFETY_POLL_MS : FALLBACK_POLL_MS;
    if (Date.now() - state.lastQueueLoad >= every) loadQueue();
    const typing = document.activeElement && document.activeElement.tagName === "TEXTAREA";
    if (state.selected && !state.busy && !typing && (state.caseStale || Date.now() - state.lastCaseLoad >= every)) refreshCase();
  }

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
    $("enable-alerts").addEventListener("click", enableAlerts);
    $("sound").addEventListener("click", () => {
      state.sound = !state.sound;
      localStorage.setItem(SOUND_KEY, state.sound ? "on" : "off");
      unlockAudio();
      renderAlertControls();
    });
    $("export-csv").addEventListener("click", exportCsv);
    for (const button of document.querySelectorAll("[data-filter]")) {
      button.addEventListener("click", () => setFilter(button.dataset.filter));
    }
    for (const id of ["filter-priority", "filter-channel"]) {
      $(id).addEventListener("change", () => { readFilters(); loadQueue(); });
    }
    $("filter-q").addEventListener("input", () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => { readFilters(); loadQueue(); }, SEARCH_DELAY_MS);
    });
    $("queue-filters").addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(searchTimer);
      readFilters();
      loadQueue();
    });
    $("reply-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = $("reply-text").value.trim();
      if (!text || $("reply-text").disabled) return;
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
    // The first gesture on the page lets the alert sound play later.
    for (const kind of ["pointerdown", "keydown"]) document.addEventListener(kind, unlockAudio, { capture: true });
    document.addEventListener("visibilitychange", safetyPoll);
    setInterval(safetyPoll, POLL_CHECK_MS);
  }

  async function start() {
    wire();
    updateTitle();
    await loadFirm();
    if (state.token) {
      try { await signIn(state.token); return; } catch (error) {
        if (error.status !== 401) { $("signin-error").textContent = error.message; }
      }
    }
    signOut($("signin-error").textContent);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
