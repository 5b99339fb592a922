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

// Reminders before the last day, at 9 am the days before and 8 am on the day (floating
// local time, as the all-day event is). Only those still ahead are written: a calendar shows a
// reminder already in the past at once, or never. With none left (the last day, after 8 am),
// one comes a quarter of an hour after the download, so little time left still gets one.
const REMINDERS = [
  { before: "-P6DT15H", daysBefore: 7, hour: 9, text: "7 days left to request your IRS hearing" },
  { before: "-P2DT15H", daysBefore: 3, hour: 9, text: "3 days left to request your IRS hearing: mail Form 12153 soon" },
  { before: "-PT15H", daysBefore: 1, hour: 9, text: "Tomorrow is the last day to request your IRS hearing" },
  { before: "PT8H", daysBefore: 0, hour: 8, text: "Today is the last day to request your IRS hearing: it must be postmarked today" },
];
const SOON_MS = 15 * 60 * 1000;

export function reminders(day, now = new Date()) {
  const kept = REMINDERS.filter((r) => {
    // The reminder's moment in the device's local time (the floating time a calendar uses).
    const at = new Date(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() - r.daysBefore, r.hour);
    return at.getTime() > now.getTime();
  }).map((r) => ({ trigger: `TRIGGER:${r.before}`, text: r.text }));
  const endOfDay = new Date(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + 1);
  if (kept.length === 0 && now.getTime() + SOON_MS < endOfDay.getTime()) {
    kept.push({
      trigger: `TRIGGER;VALUE=DATE-TIME:${stamp(new Date(now.getTime() + SOON_MS))}`,
      text: "Today is the last day to request your IRS hearing: it must be postmarked today",
    });
  }
  return kept;
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
  const alarms = reminders(day, now).flatMap((r) => [
    "BEGIN:VALARM",
    "ACTION:DISPLAY",
    r.trigger,
    `DESCRIPTION:${escapeText(r.text)}`,
    "END:VALARM",
  ]);
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
    ...alarms,
    "END:VEVENT",
    "END:VCALENDAR",
  ];
  return lines.map(foldLine).join("\r\n") + "\r\n";
}

export function icsFileName(card) {
  return `irs-hearing-deadline-${String(card.last_day).replace(/[^0-9-]/g, "")}.ics`;
}
