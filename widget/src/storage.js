// What the widget remembers on this device so a reload or a reconnect continues the chat:
// the conversation id (Rasa's session_id) and what was shown. Rasa does not replay history
// to a socket, so the widget keeps its own copy. Storage can be unavailable (blocked
// cookies, private modes): then it lives in memory for this page only.

const VERSION = 1;
const MAX_ENTRIES = 300;

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
  return { version: VERSION, sessionId: null, entries: [], handoff: null, open: false, updatedAt: 0 };
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
    if (state.updatedAt && now - state.updatedAt > this.maxAgeMs) {
      this.clear();
      return emptyState();
    }
    return state;
  }

  save(state, now = Date.now()) {
    const trimmed = { ...state, entries: state.entries.slice(-MAX_ENTRIES), updatedAt: now };
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
