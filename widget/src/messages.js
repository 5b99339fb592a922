// What arrives on the socket's bot event, turned into entries the view draws and the store
// keeps. Shapes (docs/channels.md): {text}, {text, quick_replies}, {text, buttons},
// {attachment}, {custom: {type: "deadline_card" | "handoff", ...}}.

function replies(list) {
  if (!Array.isArray(list)) return [];
  return list
    .filter((r) => r && typeof r.title === "string" && r.title.trim())
    .map((r) => ({ title: r.title.trim(), payload: typeof r.payload === "string" && r.payload ? r.payload : r.title.trim() }));
}

export function entriesFromBotMessage(message, handoff, now = Date.now()) {
  if (!message || typeof message !== "object") return [];
  const entries = [];
  const advisor = handoff && handoff.state === "joined" ? handoff.advisor || "Advisor" : null;
  const author = advisor ? { kind: "advisor", name: advisor } : { kind: "bot" };
  const quickReplies = replies(message.quick_replies || message.buttons);
  if (typeof message.text === "string" && message.text.trim()) {
    entries.push({ type: "message", from: author.kind, name: author.name, text: message.text, quickReplies, at: now });
  } else if (quickReplies.length) {
    entries.push({ type: "message", from: author.kind, name: author.name, text: "", quickReplies, at: now });
  }
  const attachment = message.attachment;
  if (attachment && attachment.type === "image" && attachment.payload && typeof attachment.payload.src === "string") {
    entries.push({ type: "image", from: author.kind, src: attachment.payload.src, at: now });
  }
  const custom = message.custom;
  if (custom && typeof custom === "object") {
    if (custom.type === "deadline_card" && typeof custom.last_day === "string") {
      entries.push({ type: "deadline", card: custom, at: now });
    } else if (custom.type === "handoff" && (custom.state === "joined" || custom.state === "left")) {
      entries.push({ type: "handoff", state: custom.state, advisor: typeof custom.advisor === "string" ? custom.advisor : "", at: now });
    } else if (typeof custom.text === "string" && custom.text.trim()) {
      entries.push({ type: "message", from: author.kind, name: author.name, text: custom.text, quickReplies: [], at: now });
    }
  }
  return entries;
}
