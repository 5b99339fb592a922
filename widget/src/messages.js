// What arrives on the socket's bot event, turned into entries the view draws and the store
// keeps. Shapes (docs/channels.md): {text}, {text, quick_replies}, {text, buttons},
// {attachment}, {custom: {type: "deadline_card" | "handoff", ...}}; each may carry `at` (the
// stored event's time, the replay cursor), `id` and `sender` ({kind: "assistant"} or
// {kind: "advisor", name}), which alone says who wrote it.

function replies(list) {
  if (!Array.isArray(list)) return [];
  return list
    .filter((r) => r && typeof r.title === "string" && r.title.trim())
    .map((r) => ({ title: r.title.trim(), payload: typeof r.payload === "string" && r.payload ? r.payload : r.title.trim() }));
}

// Who wrote a message: the server says; a server that does not (older) is the assistant.
export function authorOf(message) {
  const sender = message && message.sender;
  if (sender && sender.kind === "advisor") {
    const name = typeof sender.name === "string" && sender.name.trim() ? sender.name.trim() : "Advisor";
    return { kind: "advisor", name };
  }
  return { kind: "bot" };
}

export function entriesFromBotMessage(message, now = Date.now()) {
  if (!message || typeof message !== "object") return [];
  const entries = [];
  const author = authorOf(message);
  const base = { at: now };
  if (typeof message.id === "string") base.serverId = message.id;
  const quickReplies = replies(message.quick_replies || message.buttons);
  if (typeof message.text === "string" && message.text.trim()) {
    entries.push({ ...base, type: "message", from: author.kind, name: author.name, text: message.text, quickReplies });
  } else if (quickReplies.length) {
    entries.push({ ...base, type: "message", from: author.kind, name: author.name, text: "", quickReplies });
  }
  const attachment = message.attachment;
  if (attachment && attachment.type === "image" && attachment.payload && typeof attachment.payload.src === "string") {
    entries.push({ ...base, type: "image", from: author.kind, src: attachment.payload.src });
  }
  const custom = message.custom;
  if (custom && typeof custom === "object") {
    if (custom.type === "deadline_card" && typeof custom.last_day === "string") {
      entries.push({ ...base, type: "deadline", card: custom });
    } else if (custom.type === "handoff" && (custom.state === "joined" || custom.state === "left")) {
      entries.push({ ...base, type: "handoff", state: custom.state, advisor: typeof custom.advisor === "string" ? custom.advisor : "" });
    } else if (typeof custom.text === "string" && custom.text.trim()) {
      entries.push({ ...base, type: "message", from: author.kind, name: author.name, text: custom.text, quickReplies: [] });
    }
  }
  return entries;
}
