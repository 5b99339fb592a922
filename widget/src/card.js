// The deadline as a card: date, weekday, days left, and the calendar download.
import { deadlineIcs, icsFileName, parseIsoDate } from "./ics.js";
import { icon } from "./icons.js";

const LONG_DATE = new Intl.DateTimeFormat("en-US", {
  weekday: "long",
  year: "numeric",
  month: "long",
  day: "numeric",
  timeZone: "UTC",
});
const SHORT_DATE = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });

export function longDate(iso) {
  const date = parseIsoDate(iso);
  return date ? LONG_DATE.format(date) : iso;
}

export function shortDate(iso) {
  const date = parseIsoDate(iso);
  return date ? SHORT_DATE.format(date) : iso;
}

export function localIsoToday(now = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export function daysLeftText(card) {
  const n = Number(card.days_left);
  if (card.status === "passed" || n < 0) return "This date has passed";
  if (card.status === "last_day_today" || n === 0) return "Today is the last day";
  if (n === 1) return "1 day left";
  return Number.isFinite(n) ? `${n} days left` : "";
}

// "Counted on" is the day the assistant counted (the server's clock, INTAKE_TODAY); older
// cards carried it as counted_on.
export function countedOn(card) {
  return card.as_of || card.counted_on || "";
}

export function cardFacts(card) {
  const lines = [];
  if (card.notice || card.notice_date) {
    const notice = card.notice || "Your notice";
    lines.push(card.notice_date ? `${notice} dated ${shortDate(card.notice_date)}` : notice);
  }
  const counted = countedOn(card);
  if (parseIsoDate(counted)) {
    const later = counted !== localIsoToday() ? ", so count from that day" : "";
    lines.push(`Counted on ${shortDate(counted)}${later}`);
  }
  return lines;
}

function el(doc, tag, className, text) {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function downloadIcs(doc, card, firmName) {
  const blob = new Blob([deadlineIcs(card, { firmName })], { type: "text/calendar;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const a = doc.createElement("a");
  a.href = url;
  a.download = icsFileName(card);
  a.style.display = "none";
  doc.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function renderDeadlineCard(doc, card, { firmName = "", idSuffix = "" } = {}) {
  const urgent = card.status !== "open" || Number(card.days_left) <= 7;
  const article = el(doc, "article", `ic-card${urgent ? " ic-card-urgent" : ""}${card.status === "passed" ? " ic-card-passed" : ""}`);
  const headingId = `ic-card-title-${idSuffix}`;
  article.setAttribute("aria-labelledby", headingId);
  article.appendChild(el(doc, "p", "ic-card-kicker", "Your deadline"));
  const heading = el(doc, "h3", "ic-card-title", card.title || "Last day to request a Collection Due Process hearing");
  heading.id = headingId;
  article.appendChild(heading);

  const dateLine = el(doc, "p", "ic-card-date");
  const time = el(doc, "time", "", longDate(card.last_day));
  time.setAttribute("datetime", card.last_day);
  dateLine.appendChild(time);
  article.appendChild(dateLine);

  article.appendChild(el(doc, "p", "ic-card-left", daysLeftText(card)));

  // Where the date comes from: the notice and the date printed on it, and the day the days
  // were counted (a card shown again later still says which day its count is for).
  for (const line of cardFacts(card)) article.appendChild(el(doc, "p", "ic-card-meta", line));
  if (card.status === "passed" && card.equivalent_hearing_last_day) {
    article.appendChild(
      el(doc, "p", "ic-card-meta", `You may still ask for an equivalent hearing until ${longDate(card.equivalent_hearing_last_day)}.`),
    );
  }
  if (card.status !== "passed" && parseIsoDate(card.last_day)) {
    const button = el(doc, "button", "ic-card-ics");
    button.type = "button";
    button.append(icon(doc, "calendar"), doc.createTextNode("Add the deadline to my calendar"));
    button.addEventListener("click", () => downloadIcs(doc, card, firmName));
    article.appendChild(button);
  }
  return article;
}
