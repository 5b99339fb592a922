// The chat widget a firm embeds with one script tag and one small config object:
//
//   <script>window.IntakeChatConfig = { serverUrl: "https://chat.firm.example", title: "…" };</script>
//   <script src="https://chat.firm.example/static/widget/widget.js" defer></script>
//
// (or data-* attributes on the script tag, or IntakeChat.init({...}); docs/channels.md).
import { configFromScript, resolveConfig } from "./config.js";
import { Connection } from "./connection.js";
import { entriesFromBotMessage } from "./messages.js";
import { ConversationStore, emptyState } from "./storage.js";
import { View } from "./view.js";

const TYPING_TIMEOUT_MS = 20000;
const script = document.currentScript;

function newMessageId() {
  const random = window.crypto && window.crypto.randomUUID ? window.crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return random.replace(/[^A-Za-z0-9_-]/g, "");
}

class IntakeChatWidget {
  constructor(config) {
    this.config = config;
    this.store = new ConversationStore(config.serverUrl, config.storage, config.historyHours);
    this.state = this.store.load();
    this.view = new View(config, {
      onToggle: () => this.setOpen(this.view.panel.hidden),
      onClose: () => this.setOpen(false),
      onSend: (payload, shown) => this.send(payload, shown),
      onRestart: () => this.restart(),
    });
    this.connection = new Connection({
      serverUrl: config.serverUrl,
      socketPath: config.socketPath,
      getSessionId: () => this.state.sessionId,
      getSince: () => this.state.lastAt,
      onSession: (id) => this.confirmSession(id),
      onMessage: (message) => this.receive(message),
      onStatus: (status) => {
        this.connectionStatus = status;
        this.view.setStatus(status, this.state.handoff);
        if (status !== "online") this.setTyping(false);
      },
      onReady: () => this.flushOutbox(),
    });
    this.typingTimer = null;
    this.flushing = false;
  }

  start() {
    this.view.mount();
    this.greetIfNew();
    for (const entry of this.state.entries) this.view.append(entry);
    this.view.makeLive();
    this.view.setHandoff(this.state.handoff);
    this.showLastQuickReplies();
    const open = this.config.container ? true : this.config.open || this.state.open;
    this.view.setOpen(open, { focus: false });
    // A returning conversation reconnects at once, so an advisor's message can reach it, and
    // a message typed before a reload or while offline is sent.
    if (open || this.state.sessionId || this.state.outbox.length) this.connection.open();
  }

  greetIfNew() {
    if (!this.state.entries.length && this.config.initialMessage) {
      this.state.entries.push({ type: "message", from: "bot", text: this.config.initialMessage, quickReplies: [], at: Date.now(), local: true });
      this.persist();
    }
  }

  persist() {
    this.store.save(this.state);
  }

  setOpen(open) {
    this.state.open = open;
    this.persist();
    this.view.setOpen(open);
    if (open) this.connection.open();
  }

  confirmSession(id) {
    if (this.state.sessionId && this.state.sessionId !== id) {
      // The server did not accept the stored conversation: what is shown belongs to another.
      // What was typed and never acknowledged is kept and goes to the new conversation.
      const outbox = this.state.outbox;
      this.state = { ...emptyState(), open: this.state.open };
      this.view.clearLog();
      this.greetIfNew();
      for (const message of outbox) this.state.entries.push({ type: "message", from: "user", text: message.shown, quickReplies: [], at: message.at, clientId: message.id, status: "pending" });
      this.state.outbox = outbox;
      for (const entry of this.state.entries) this.view.append(entry);
      this.view.setHandoff(null);
    }
    this.state.sessionId = id;
    this.persist();
  }

  add(entry) {
    this.state.entries.push(entry);
    this.view.append(entry);
  }

  get advisorHere() {
    return Boolean(this.state.handoff && this.state.handoff.state === "joined");
  }

  send(payload, shown) {
    const id = newMessageId();
    const at = Date.now();
    // Kept on the device until the server acknowledges it: a reload or a lost connection
    // does not lose it.
    this.state.outbox.push({ id, payload, shown, at });
    this.add({ type: "message", from: "user", text: shown, quickReplies: [], at, clientId: id, status: "pending" });
    this.view.setQuickReplies([]);
    this.persist();
    this.flushOutbox();
  }

  // Sends what waits, oldest first, one at a time so the order is kept.
  async flushOutbox() {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.state.outbox.length && this.connection.ready) {
        const message = this.state.outbox[0];
        this.view.setSending(message.id, "sending");
        if (!this.advisorHere) this.setTyping(true);
        let ack;
        try {
          ack = await this.connection.send(message.id, message.payload);
        } catch (error) {
          break; // offline or no answer: it stays queued and goes with the next connection
        }
        this.state.outbox = this.state.outbox.filter((m) => m.id !== message.id);
        this.markSent(message.id);
        // The turn's replies arrived before the acknowledgement: no more dots to wait for.
        this.setTyping(false);
        if (ack && ack.advisor_live) this.view.setSending(message.id, "seen-by-advisor", this.state.handoff && this.state.handoff.advisor);
        this.persist();
      }
    } finally {
      this.flushing = false;
      for (const message of this.state.outbox) this.view.setSending(message.id, "pending");
      if (this.state.outbox.length && this.connection.ready) setTimeout(() => this.flushOutbox(), 5000);
    }
  }

  markSent(clientId) {
    const entry = this.state.entries.find((e) => e.clientId === clientId);
    if (entry) delete entry.status;
    this.view.setSending(clientId, "sent");
  }

  setTyping(on) {
    clearTimeout(this.typingTimer);
    const show = on && this.connectionStatus === "online";
    this.view.showTyping(show);
    if (show) this.typingTimer = setTimeout(() => this.view.showTyping(false), TYPING_TIMEOUT_MS);
  }

  receive(message) {
    if (message && typeof message.id === "string") {
      if (this.state.seen.includes(message.id)) return; // replayed and live at once
      this.state.seen.push(message.id);
      if (this.state.seen.length > 400) this.state.seen.splice(0, 200);
    }
    if (message && typeof message.at === "number" && !(this.state.lastAt >= message.at)) this.state.lastAt = message.at;
    const entries = entriesFromBotMessage(message);
    if (!entries.length) {
      this.persist();
      return;
    }
    this.setTyping(false);
    for (const entry of entries) {
      if (entry.type === "handoff") {
        this.state.handoff = { state: entry.state, advisor: entry.advisor };
        this.view.setHandoff(this.state.handoff);
        this.view.setStatus(this.connectionStatus || "online", this.state.handoff);
      }
      this.add(entry);
    }
    this.showLastQuickReplies();
    this.view.markUnread();
    this.persist();
  }

  showLastQuickReplies() {
    const last = this.state.entries[this.state.entries.length - 1];
    this.view.setQuickReplies(last && last.type === "message" && last.from !== "user" ? last.quickReplies || [] : []);
  }

  restart() {
    const unsent = this.state.outbox.length ? " A message not yet sent will be lost." : "";
    if (!window.confirm(`Start a new conversation? What is shown here will be cleared from this device.${unsent}`)) return;
    this.store.clear();
    this.state = { ...emptyState(), open: true };
    this.view.clearLog();
    this.view.setHandoff(null);
    this.greetIfNew();
    for (const entry of this.state.entries) this.view.append(entry);
    // A new socket asks for a new conversation id.
    this.connection.close();
    this.connection.open();
    this.view.input.focus();
  }
}

let instance = null;

function init(rawConfig) {
  if (instance) return instance;
  const { config, warnings } = resolveConfig(rawConfig);
  for (const warning of warnings) console.warn(`IntakeChat: ${warning}`);
  instance = new IntakeChatWidget(config);
  const begin = () => instance.start();
  if (document.body) begin();
  else document.addEventListener("DOMContentLoaded", begin, { once: true });
  return instance;
}

window.IntakeChat = {
  init,
  open: () => instance && instance.setOpen(true),
  close: () => instance && instance.setOpen(false),
};

const fromScript = configFromScript(script);
const fromGlobal = window.IntakeChatConfig && typeof window.IntakeChatConfig === "object" ? window.IntakeChatConfig : null;
if (fromGlobal || Object.keys(fromScript).length) init({ ...fromScript, ...(fromGlobal || {}) });
