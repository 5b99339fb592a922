// What the widget remembers on this device so a reload or a reconnect continues the chat:
// the conversation id (Rasa's session_id), what was shown, the time of the last bot message
// received (the server replays what came after it: an advisor's reply sent while the tab was
// closed), and the messages typed but not yet acknowledged by the server (sent again once
// online, so nothing typed offline is lost). Storage can be unavailable (blocked cookies,
// private modes): then it lives in memory for this page only.

const VERSION = 1;
const MAX_ENTRIES = 300;
const MAX_SEEN = 200; // server message ids remembered, so a replay never shows one twice

function pickStorage(kind) {
  try {
    const store = kind === "session" ? window.sessionStorage : window.localStorage;
    const probe = "__intake_chat_probe__";
    store.setItem(probe, "1");
    store.removeItem(probe);
    return store;
  } catch (error) {
    return null;
  }
}

export function emptyState() {
  return { version: VERSION, sessionId: null, entries: [], handoff: null, open: false, updatedAt: 0, lastAt: null, seen: [], outbox: [] };
}

// Fields added after version 1 was first stored get their defaults.
function complete(state) {
  return {
    ...emptyState(),
    ...state,
    seen: Array.isArray(state.seen) ? state.seen.slice(-MAX_SEEN) : [],
    outbox: Array.isArray(state.outbox) ? state.outbox.filter((m) => m && typeof m.id === "string" && typeof m.payload === "string") : [],
    lastAt: typeof state.lastAt === "number" ? state.lastAt : null,
  };
}

export class ConversationStore {
  constructor(serverUrl, kind = "local", historyHours = 24) {
    this.key = `intake-chat:v${VERSION}:${serverUrl}`;
    this.storage = pickStorage(kind);
    this.maxAgeMs = historyHours * 3600 * 1000;
    this.memory = null;
  }

  load(now = Date.now()) {
    let state = null;
    try {
      const raw = this.storage ? this.storage.getItem(this.key) : this.memory;
      state = raw ? JSON.parse(raw) : null;
    } catch (error) {
      state = null;
    }
    if (!state || state.version !== VERSION || !Array.isArray(state.entries)) return emptyState();
    // An unsent message keeps the conversation however old: it must still reach the firm.
    if (state.updatedAt && now - state.updatedAt > this.maxAgeMs && !(state.outbox && state.outbox.length)) {
      this.clear();
      return emptyState();
    }
    return complete(state);
  }

  save(state, now = Date.now()) {
    const trimmed = { ...state, entries: state.entries.slice(-MAX_ENTRIES), seen: (state.seen || []).slice(-MAX_SEEN), updatedAt: now };
    const raw = JSON.stringify(trimmed);
    try {
      if (this.storage) this.storage.setItem(this.key, raw);
      else this.memory = raw;
    } catch (error) {
      this.memory = raw; // quota exceeded: keep going in memory
    }
  }

  clear() {
    try {
      if (this.storage) this.storage.removeItem(this.key);
    } catch (error) {
      /* nothing to clear */
    }
    this.memory = null;
  }
}
