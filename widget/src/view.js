// The widget's DOM, inside a shadow root so the firm's page styles cannot break it (and its
// styles cannot leak into the page). No HTML strings with message content: text.js builds
// text nodes and links.
import css from "./widget.css";
import { renderDeadlineCard } from "./card.js";
import { icon } from "./icons.js";
import { renderText } from "./text.js";

const STATUS_TEXT = {
  connecting: "Connecting…",
  offline: "You're offline. Messages you type will be sent when you're back.",
};

// What a message of yours shows until the server has it (storage.js keeps it until then).
const SENDING_TEXT = {
  pending: "Not sent yet: it will be sent when you're back online",
  sending: "Sending…",
};

// The CSS breakpoint at which the open chat covers the whole screen (widget.css).
const FULL_SCREEN = "(max-width: 480px)";
const FOCUSABLE = "button:not([disabled]):not([hidden]), textarea:not([disabled]), a[href], [tabindex]:not([tabindex='-1'])";

function el(doc, tag, attrs = {}, text) {
  const node = doc.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "className") node.className = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

export class View {
  constructor(config, handlers) {
    this.config = config;
    this.handlers = handlers;
    this.doc = document;
    this.counter = 0;
  }

  mount() {
    const doc = this.doc;
    const { colors } = this.config;
    this.host = el(doc, "div", { id: "intake-chat", "data-intake-chat": "" });
    const root = this.host.attachShadow({ mode: "open" });
    this.root = root;
    const style = el(doc, "style");
    style.textContent = css;
    root.appendChild(style);

    const inline = Boolean(this.config.container);
    this.frame = el(doc, "div", { className: `ic-root${inline ? " ic-inline" : ""}` });
    const vars = {
      "--ic-primary": colors.primary,
      "--ic-on-primary": colors.primaryText,
      "--ic-bg": colors.background,
      "--ic-text": colors.text,
    };
    for (const [key, value] of Object.entries(vars)) this.frame.style.setProperty(key, value);
    root.appendChild(this.frame);

    this.launcher = el(doc, "button", { type: "button", className: "ic-launcher", "aria-expanded": "false", "aria-controls": "ic-panel" });
    this.launcher.appendChild(icon(doc, "chat", "ic-icon ic-launcher-icon"));
    this.launcher.appendChild(el(doc, "span", { className: "ic-launcher-label" }, this.config.launcherLabel));
    this.unread = el(doc, "span", { className: "ic-unread", hidden: true }, "New message");
    this.launcher.appendChild(this.unread);
    this.launcher.addEventListener("click", () => this.handlers.onToggle());
    if (inline) this.launcher.hidden = true;
    this.frame.appendChild(this.launcher);

    this.panel = el(doc, "section", { className: "ic-panel", id: "ic-panel", role: "region", "aria-labelledby": "ic-title", hidden: !inline });
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !inline) {
        event.stopPropagation();
        this.handlers.onClose();
      } else if (event.key === "Tab" && !inline && this.coversScreen()) {
        this.keepFocusInside(event);
      }
    });

    const header = el(doc, "header", { className: "ic-header" });
    const heading = el(doc, "div", { className: "ic-heading" });
    heading.appendChild(el(doc, "h2", { id: "ic-title", className: "ic-title" }, this.config.title));
    this.status = el(doc, "p", { className: "ic-status", role: "status" }, this.config.subtitle);
    heading.appendChild(this.status);
    header.appendChild(heading);
    this.restartButton = el(doc, "button", { type: "button", className: "ic-header-button ic-restart" }, "New chat");
    this.restartButton.setAttribute("aria-label", "Start a new conversation");
    this.restartButton.addEventListener("click", () => this.handlers.onRestart());
    header.appendChild(this.restartButton);
    if (!inline) {
      this.closeButton = el(doc, "button", { type: "button", className: "ic-header-button ic-close", "aria-label": "Close chat" }, "✕");
      this.closeButton.addEventListener("click", () => this.handlers.onClose());
      header.appendChild(this.closeButton);
    }
    this.panel.appendChild(header);

    this.advisorBar = el(doc, "p", { className: "ic-advisor-bar", hidden: true });
    this.panel.appendChild(this.advisorBar);

    // The log is filled from history first and made live afterwards, so a reload does not
    // read the whole conversation out again.
    this.log = el(doc, "div", { className: "ic-log", role: "log", "aria-label": "Conversation", tabindex: "0" });
    this.panel.appendChild(this.log);

    this.typing = el(doc, "div", { className: "ic-typing", hidden: true });
    this.typing.appendChild(el(doc, "span", { className: "ic-dots", "aria-hidden": "true" }, "•••"));
    this.typing.appendChild(el(doc, "span", { className: "sr-only" }, "The assistant is typing"));
    this.panel.appendChild(this.typing);

    this.replies = el(doc, "div", { className: "ic-replies", role: "group", "aria-label": "Suggested replies", hidden: true });
    this.panel.appendChild(this.replies);

    this.form = el(doc, "form", { className: "ic-form" });
    const label = el(doc, "label", { for: "ic-input", className: "sr-only" }, "Type your message");
    this.input = el(doc, "textarea", { id: "ic-input", className: "ic-input", rows: "1", maxlength: "2000", placeholder: "Type your message…", autocomplete: "off" });
    this.input.addEventListener("input", () => this.fitInput());
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    this.send = el(doc, "button", { type: "submit", className: "ic-send" }, "Send");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.form.append(label, this.input, this.send);
    this.panel.appendChild(this.form);
    this.panel.appendChild(
      el(doc, "p", { className: "ic-note" }, "Please don't type your Social Security number or bank account details here."),
    );
    this.frame.appendChild(this.panel);

    (this.config.container || doc.body).appendChild(this.host);
  }

  fitInput() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight + 2, 120)}px`;
  }

  submit() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.fitInput();
    this.handlers.onSend(text, text);
  }

  coversScreen() {
    return Boolean(window.matchMedia && window.matchMedia(FULL_SCREEN).matches);
  }

  // Full screen, the chat is a modal dialog: Tab cycles inside it, and the page behind it is
  // inert (neither focusable nor read out) until it closes.
  keepFocusInside(event) {
    const items = [...this.panel.querySelectorAll(FOCUSABLE)].filter((node) => node.offsetParent !== null || node === this.root.activeElement);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    const active = this.root.activeElement;
    if (event.shiftKey && (active === first || !this.panel.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !this.panel.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  }

  setPageInert(inert) {
    if (inert) {
      if (this.inerted) return;
      this.inerted = [...this.doc.body.children].filter((node) => node !== this.host && !node.inert && node.tagName !== "SCRIPT");
      for (const node of this.inerted) {
        node.inert = true;
        node.setAttribute("aria-hidden", "true");
      }
    } else if (this.inerted) {
      for (const node of this.inerted) {
        node.inert = false;
        node.removeAttribute("aria-hidden");
      }
      this.inerted = null;
    }
  }

  setOpen(open, { focus = true } = {}) {
    if (this.config.container) return;
    this.setPageInert(open && this.coversScreen());
    if (open) this.panel.setAttribute("aria-modal", this.coversScreen() ? "true" : "false");
    this.panel.hidden = !open;
    this.launcher.setAttribute("aria-expanded", String(open));
    this.frame.classList.toggle("ic-open", open);
    if (open) {
      this.unread.hidden = true;
      this.scrollToEnd();
      if (focus) this.input.focus();
    } else if (focus) {
      this.launcher.focus();
    }
  }

  makeLive() {
    this.log.setAttribute("aria-live", "polite");
    this.log.setAttribute("aria-relevant", "additions");
  }

  setStatus(status, handoff) {
    const text = STATUS_TEXT[status];
    if (text) this.status.textContent = text;
    else if (handoff && handoff.state === "joined") this.status.textContent = `You're chatting with ${handoff.advisor || "an advisor"}`;
    else this.status.textContent = this.config.subtitle;
    this.frame.dataset.connection = status;
  }

  setHandoff(handoff) {
    const joined = handoff && handoff.state === "joined";
    this.frame.dataset.handoff = joined ? "joined" : handoff && handoff.state === "left" ? "left" : "none";
    this.advisorBar.hidden = !joined;
    this.advisorBar.textContent = joined ? `${handoff.advisor || "An advisor"} (advisor) has joined the chat` : "";
  }

  // A message of yours: pending (offline, queued), sending, sent, or seen-by-advisor.
  setSending(clientId, status, advisor) {
    const node = this.log.querySelector(`[data-client-id="${CSS.escape(clientId)}"]`);
    const label = node && node.querySelector(".ic-sending");
    if (!label) return;
    node.dataset.status = status;
    if (status === "seen-by-advisor") {
      label.textContent = `${advisor || "Your advisor"} has your message`;
      label.hidden = false;
    } else {
      label.textContent = SENDING_TEXT[status] || "";
      label.hidden = !SENDING_TEXT[status];
    }
  }

  showTyping(on) {
    this.typing.hidden = !on;
    requestAnimationFrame(() => this.scrollToEnd());
  }

  markUnread() {
    if (this.panel.hidden) this.unread.hidden = false;
  }

  clearLog() {
    this.log.textContent = "";
    this.setQuickReplies([]);
  }

  setQuickReplies(replies) {
    this.replies.textContent = "";
    this.replies.hidden = !replies.length;
    // The replies take room from the log: keep its last message in view.
    requestAnimationFrame(() => this.scrollToEnd());
    for (const reply of replies) {
      const button = el(this.doc, "button", { type: "button", className: "ic-reply" }, reply.title);
      button.addEventListener("click", () => {
        this.setQuickReplies([]);
        this.handlers.onSend(reply.payload, reply.title);
        this.input.focus();
      });
      this.replies.appendChild(button);
    }
  }

  append(entry) {
    const doc = this.doc;
    let node;
    if (entry.type === "message") {
      const from = entry.from === "user" ? "user" : entry.from === "advisor" ? "advisor" : "bot";
      node = el(doc, "div", { className: `ic-msg ic-from-${from}` });
      const who = from === "user" ? "You" : from === "advisor" ? `${entry.name || "Advisor"} (advisor)` : "Assistant";
      if (from === "advisor") node.appendChild(el(doc, "span", { className: "ic-name" }, who));
      else node.appendChild(el(doc, "span", { className: "sr-only" }, `${who}: `));
      const body = el(doc, "div", { className: "ic-bubble" });
      body.appendChild(renderText(doc, entry.text));
      if (entry.text) node.appendChild(body);
      if (from === "user" && entry.clientId) {
        node.dataset.clientId = entry.clientId;
        const state = el(doc, "span", { className: "ic-sending", hidden: !entry.status }, SENDING_TEXT[entry.status] || "");
        node.appendChild(state);
      }
    } else if (entry.type === "deadline") {
      node = el(doc, "div", { className: "ic-msg ic-from-bot ic-has-card" });
      node.appendChild(renderDeadlineCard(doc, entry.card, { firmName: this.config.firmName, idSuffix: String(++this.counter) }));
    } else if (entry.type === "handoff") {
      const name = entry.advisor || "An advisor";
      const text = entry.state === "joined" ? `${name} (advisor) joined the chat` : `${name} left the chat. The assistant is back.`;
      node = el(doc, "p", { className: `ic-event ic-event-${entry.state}` }, text);
    } else if (entry.type === "image") {
      node = el(doc, "div", { className: "ic-msg ic-from-bot" });
      if (/^https?:\/\//.test(entry.src)) node.appendChild(el(doc, "img", { src: entry.src, alt: "Image from the assistant", className: "ic-image" }));
    } else {
      return;
    }
    this.log.appendChild(node);
    this.scrollToEnd();
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }
}
