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
      onSession: (id) => this.confirmSession(id),
      onMessage: (message) => this.receive(message),
      onStatus: (status) => {
        this.connectionStatus = status;
        this.view.setStatus(status, this.state.handoff);
      },
    });
    this.typingTimer = null;
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
    // A returning conversation reconnects at once, so an advisor's message can reach it.
    if (open || this.state.sessionId) this.connection.open();
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
      this.state = { ...emptyState(), open: this.state.open };
      this.view.clearLog();
      this.greetIfNew();
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

  send(payload, shown) {
    this.add({ type: "message", from: "user", text: shown, quickReplies: [], at: Date.now() });
    this.view.setQuickReplies([]);
    this.persist();
    this.connection.send(payload);
    if (!(this.state.handoff && this.state.handoff.state === "joined")) this.setTyping(true);
  }

  setTyping(on) {
    clearTimeout(this.typingTimer);
    this.view.showTyping(on);
    if (on) this.typingTimer = setTimeout(() => this.view.showTyping(false), TYPING_TIMEOUT_MS);
  }

  receive(message) {
    const entries = entriesFromBotMessage(message, this.state.handoff);
    if (!entries.length) return;
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
    if (!window.confirm("Start a new conversation? What is shown here will be cleared from this device.")) return;
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
