// "Add the deadline to my calendar": an RFC 5545 all-day event built from the deadline card,
// in the browser (no server round trip, nothing stored server-side).

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseIsoDate(value) {
  const m = ISO_DATE.exec(String(value || ""));
  if (!m) return null;
  const date = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  // Reject 2026-02-31 and friends: the parts must survive the round trip.
  if (date.getUTCFullYear() !== +m[1] || date.getUTCMonth() !== +m[2] - 1 || date.getUTCDate() !== +m[3]) return null;
  return date;
}

function basicDate(date) {
  return date.toISOString().slice(0, 10).replace(/-/g, "");
}

function stamp(now) {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

// RFC 5545 3.3.11: backslash, semicolon, comma and newline are escaped in TEXT values.
export function escapeText(text) {
  return String(text).replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\r?\n/g, "\\n");
}

// RFC 5545 3.1: lines longer than 75 octets are folded (CRLF + one space), never inside a
// UTF-8 sequence.
export function foldLine(line) {
  const encoder = new TextEncoder();
  const out = [];
  let current = "";
  let octets = 0;
  for (const char of line) {
    const size = encoder.encode(char).length;
    const limit = out.length === 0 ? 75 : 74; // continuation lines start with a space
    if (octets + size > limit) {
      out.push(current);
      current = "";
      octets = 0;
    }
    current += char;
    octets += size;
  }
  out.push(current);
  return out.join("\r\n ");
}

export function deadlineIcs(card, { firmName = "", now = new Date(), uid = null } = {}) {
  const day = parseIsoDate(card.last_day);
  if (!day) throw new Error("the deadline card has no valid last_day");
  const next = new Date(day.getTime() + 86400000);
  const notice = card.notice ? `notice ${card.notice}` : "your IRS notice";
  const dated = card.notice_date ? ` dated ${card.notice_date}` : "";
  const title = card.title || "Last day to request a Collection Due Process hearing";
  const summary = `${title} (IRS)`;
  // Facts 1.1 and 1.5: Form 12153, postmarked by the last day (IRC 7502), to the address on the notice.
  const description = [
    `Last day to request a Collection Due Process hearing for ${notice}${dated}.`,
    "Send Form 12153 to the address on the notice so it is postmarked by this day; certified mail gives you proof of the date.",
    firmName ? `Questions: ${firmName}.` : "",
    "This reminder is not legal advice.",
  ]
    .filter(Boolean)
    .join(" ");
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Intake assistant//Deadline card//EN",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    "BEGIN:VEVENT",
    `UID:${uid || `cdp-${basicDate(day)}-${Math.random().toString(36).slice(2, 10)}@intake-chat`}`,
    `DTSTAMP:${stamp(now)}`,
    `DTSTART;VALUE=DATE:${basicDate(day)}`,
    `DTEND;VALUE=DATE:${basicDate(next)}`,
    `SUMMARY:${escapeText(summary)}`,
    `DESCRIPTION:${escapeText(description)}`,
    "TRANSP:TRANSPARENT",
    "BEGIN:VALARM",
    "ACTION:DISPLAY",
    "TRIGGER:-P7D",
    `DESCRIPTION:${escapeText("7 days left to request your IRS hearing")}`,
    "END:VALARM",
    "BEGIN:VALARM",
    "ACTION:DISPLAY",
    "TRIGGER:-P1D",
    `DESCRIPTION:${escapeText("Tomorrow is the last day to request your IRS hearing")}`,
    "END:VALARM",
    "END:VEVENT",
    "END:VCALENDAR",
  ];
  return lines.map(foldLine).join("\r\n") + "\r\n";
}

export function icsFileName(card) {
  return `irs-hearing-deadline-${String(card.last_day).replace(/[^0-9-]/g, "")}.ics`;
}
