// Pure helpers of the advisor dashboard: time words in the firm's zone, the event-stream parser,
// the tab title, opt-out and presence words, the alert texts, the queue's query. No DOM, no
// network, so the browser tests can check each one directly (window.AdvisorLib).
"use strict";

(function (root) {
  const TITLE = "Queue - Advisor";
  const BACKOFF_FIRST_MS = 1000;
  const BACKOFF_MAX_MS = 30000;

  // --- time in the firm's zone ----------------------------------------------------------------
  // A clock says every time with its zone: the firm's IANA zone and label from /firm.json
  // ("3:04 pm ET"); without them (or with a zone this browser does not know) the browser's own
  // zone and its short name ("3:04 pm CET").
  function makeClock(firm) {
    if (firm && typeof firm.timezone === "string" && firm.timezone) {
      try {
        new Intl.DateTimeFormat("en-US", { timeZone: firm.timezone });
        return { zone: firm.timezone, label: firm.zone_label || null };
      } catch (error) { /* unknown to this browser: fall back below */ }
    }
    return { zone: undefined, label: null };
  }

  function _parts(ms, clock, options) {
    const parts = {};
    for (const part of new Intl.DateTimeFormat("en-US", { ...options, timeZone: clock.zone }).formatToParts(new Date(ms))) {
      parts[part.type] = part.value;
    }
    return parts;
  }

  function _dayKey(ms, clock) {
    const p = _parts(ms, clock, { year: "numeric", month: "2-digit", day: "2-digit" });
    return `${p.year}-${p.month}-${p.day}`;
  }

  // "3:04 pm ET" today, "Dec 3, 3:04 pm ET" another day, "Dec 3, 2025, 3:04 pm ET" another year
  // (today and this year as the project clock, nowMs, sees them in the same zone).
  function formatTime(iso, clock, nowMs) {
    if (!iso) return "";
    const ms = typeof iso === "number" ? iso : Date.parse(iso);
    if (Number.isNaN(ms)) return "";
    const options = { hour: "numeric", minute: "2-digit", hour12: true };
    if (!clock.label) options.timeZoneName = "short";
    const p = _parts(ms, clock, options);
    const zone = clock.label || p.timeZoneName || "";
    let text = `${p.hour}:${p.minute} ${(p.dayPeriod || "").toLowerCase()}`.trim();
    if (zone) text += ` ${zone}`;
    const now = nowMs === undefined ? Date.now() : nowMs;
    if (_dayKey(ms, clock) !== _dayKey(now, clock)) {
      const d = _parts(ms, clock, { year: "numeric", month: "short", day: "numeric" });
      const n = _parts(now, clock, { year: "numeric" });
      text = `${d.month} ${d.day}, ${d.year !== n.year ? `${d.year}, ` : ""}${text}`;
    }
    return text;
  }

  // --- server-sent events read from a fetch body ------------------------------------------------
  // Feed it decoded text as it arrives; it returns the complete events ({event, data}) and keeps
  // the rest. Comment lines (": ping") only count as signs of life.
  class SseParser {
    constructor() {
      this.buffer = "";
      this.event = "";
      this.data = [];
    }

    push(text) {
      this.buffer += text;
      const out = [];
      let newline;
      while ((newline = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = this.buffer.slice(0, newline);
        const width = this.buffer.startsWith("\r\n", newline) ? 2 : 1;
        // A lone \r at the very end may be the first half of \r\n: wait for more.
        if (width === 1 && this.buffer[newline] === "\r" && newline === this.buffer.length - 1) break;
        this.buffer = this.buffer.slice(newline + width);
        if (line === "") {
          if (this.data.length) out.push({ event: this.event || "message", data: this.data.join("\n") });
          this.event = "";
          this.data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "event") this.event = value;
        else if (field === "data") this.data.push(value);
      }
      return out;
    }
  }

  // 1 s, 2 s, 4 s ... up to 30 s, each with up to 20% taken off so many dashboards do not
  // reconnect in step after a restart.
  function backoffMs(attempt, random) {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, attempt));
    return Math.round(base * (1 - 0.2 * (random === undefined ? Math.random() : random)));
  }

  // --- what the page says ------------------------------------------------------------------------
  function titleFor(waiting) {
    return waiting > 0 ? `(${waiting}) ${TITLE}` : TITLE;
  }

  // When the taxpayer opted out of texts, if they have not opted back in since; else null.
  function optedOutAt(taxpayer) {
    if (!taxpayer || !taxpayer.opted_out_at) return null;
    const out = Date.parse(taxpayer.opted_out_at);
    const back = taxpayer.opted_in_at ? Date.parse(taxpayer.opted_in_at) : NaN;
    return !Number.isNaN(back) && back >= out ? null : taxpayer.opted_out_at;
  }

  // Presence exists for the chat widget only (SMS and the REST channel have none).
  function presence(taxpayer, channel, clock, nowMs) {
    if (channel !== "socketio" || !taxpayer) return null;
    if (taxpayer.online) return { state: "online", text: "Online now" };
    if (taxpayer.seen_at) return { state: "offline", text: `Offline, last seen ${formatTime(taxpayer.seen_at, clock, nowMs)}` };
    return { state: "unknown", text: "Not seen online" };
  }

  function unreadWords(count) {
    return `${count} new message${count === 1 ? "" : "s"}`;
  }

  // What a browser notification says; urgent cases stay on screen until dismissed.
  function caseAlert(kind, data) {
    const urgent = Boolean(data && data.priority === "urgent");
    if (kind === "taxpayer_message") {
      return {
        title: `${urgent ? "URGENT: " : ""}${data.name ? `${data.name} wrote` : "New message"} (case #${data.case_id})`,
        body: (data.preview || "The taxpayer wrote.").slice(0, 120),
        tag: `message-${data.case_id}`, requireInteraction: urgent, urgent,
      };
    }
    const name = (data && data.name) || "a taxpayer";
    return {
      title: urgent ? `URGENT case waiting: ${name}` : `New case: ${name}`,
      body: urgent ? `Case #${data.case_id}, urgent priority: claim it now.`
        : `Case #${data.case_id}, ${data.priority} priority, waiting for an advisor.`,
      tag: `case-${data.case_id}`, requireInteraction: urgent, urgent,
    };
  }

  // --- the queue's query --------------------------------------------------------------------------
  const VIEWS = {
    pending: { status: "pending" },
    mine: { status: "active", assignee: "me" },
    active: { status: "active" },
    resolved: { status: "resolved" },
    all: { status: "all" },
  };

  // The list's filters as query parameters (the CSV export sends the same ones).
  function queueParams(view, filters) {
    const chosen = VIEWS[view] || VIEWS.pending;
    const params = new URLSearchParams({ status: chosen.status });
    if (chosen.assignee) params.set("assignee", chosen.assignee);
    if (filters && filters.priority) params.set("priority", filters.priority);
    if (filters && filters.channel) params.set("channel", filters.channel);
    const q = filters && filters.q ? filters.q.trim() : "";
    if (q) params.set("q", q);
    return params;
  }

  // The file name a download should get: the server's Content-Disposition, else a dated default.
  function downloadName(disposition, nowMs) {
    const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition || "");
    if (match) {
      const name = decodeURIComponent(match[1]).replace(/[\\/]/g, "_").trim();
      if (name) return name;
    }
    return `handoffs-${new Date(nowMs === undefined ? Date.now() : nowMs).toISOString().slice(0, 10)}.csv`;
  }

  root.AdvisorLib = Object.freeze({
    makeClock, formatTime, SseParser, backoffMs, titleFor, optedOutAt, presence, unreadWords,
    caseAlert, queueParams, downloadName, VIEWS,
  });
})(typeof window !== "undefined" ? window : globalThis);
