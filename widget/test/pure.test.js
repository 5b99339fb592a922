// The widget's pure parts under Node's own test runner (`npm test`; pytest runs it too).
import { test } from "node:test";
import assert from "node:assert/strict";

import { contrastRatio, readableTextOn } from "../src/colors.js";
import { deadlineIcs, escapeText, foldLine, icsFileName, parseIsoDate } from "../src/ics.js";
import { authorOf, entriesFromBotMessage } from "../src/messages.js";

const CARD = {
  type: "deadline_card",
  title: "Last day to request a Collection Due Process hearing",
  last_day: "2026-12-28",
  weekday: "Monday",
  days_left: 31,
  status: "open",
  notice: "LT11",
  notice_date: "2026-11-27",
};

test("contrast follows WCAG 2.x", () => {
  assert.equal(Math.round(contrastRatio("#000000", "#ffffff")), 21);
  assert.ok(contrastRatio("#1d4f7c", "#ffffff") >= 4.5);
  assert.equal(readableTextOn("#1d4f7c"), "#ffffff");
  assert.equal(readableTextOn("#f2b84b"), "#111111");
});

test("dates must exist", () => {
  assert.ok(parseIsoDate("2028-02-29"));
  assert.equal(parseIsoDate("2026-02-29"), null);
  assert.equal(parseIsoDate("2026-13-01"), null);
  assert.equal(parseIsoDate("12/28/2026"), null);
});

test("the .ics is an all-day event on the last day with its reminders", () => {
  const ics = deadlineIcs(CARD, { firmName: "Harbor Tax Resolution, (555) 010-0142", now: new Date("2026-11-27T15:04:05Z"), uid: "x@y" });
  const lines = ics.split("\r\n");
  assert.equal(lines[0], "BEGIN:VCALENDAR");
  assert.ok(lines.includes("DTSTART;VALUE=DATE:20261228"));
  assert.ok(lines.includes("DTEND;VALUE=DATE:20261229"));
  assert.ok(lines.includes("DTSTAMP:20261127T150405Z"));
  assert.ok(lines.includes("UID:x@y"));
  assert.equal(lines.filter((l) => l === "BEGIN:VALARM").length, 4); // a month ahead: 7, 3, 1 days and the day (ics_card.test.js)
  assert.ok(lines.every((l) => new TextEncoder().encode(l).length <= 75));
  const unfolded = ics.replace(/\r\n /g, "");
  assert.match(unfolded, /DESCRIPTION:Last day to request a Collection Due Process hearing for notice LT11 dated 2026-11-27\./);
  assert.match(unfolded, /Questions: Harbor Tax Resolution\\, \(555\) 010-0142\./); // commas escaped
  assert.ok(ics.endsWith("END:VCALENDAR\r\n"));
  assert.equal(icsFileName(CARD), "irs-hearing-deadline-2026-12-28.ics");
  assert.throws(() => deadlineIcs({ ...CARD, last_day: "soon" }));
});

test("RFC 5545 text escaping and folding", () => {
  assert.equal(escapeText("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
  const folded = foldLine("DESCRIPTION:" + "é".repeat(80));
  for (const line of folded.split("\r\n")) assert.ok(new TextEncoder().encode(line).length <= 75);
  assert.equal(folded.replace(/\r\n /g, ""), "DESCRIPTION:" + "é".repeat(80)); // no character split
});

test("bot messages become entries labelled by who the server says sent them", () => {
  assert.deepEqual(entriesFromBotMessage({ text: "Hi" }, 1), [
    { type: "message", from: "bot", name: undefined, text: "Hi", quickReplies: [], at: 1 },
  ]);
  const [withButtons] = entriesFromBotMessage({ text: "Call?", quick_replies: [{ title: "Yes", payload: "/affirm" }, { title: "" }] }, 1);
  assert.deepEqual(withButtons.quickReplies, [{ title: "Yes", payload: "/affirm" }]);
  const [fromAdvisor] = entriesFromBotMessage({ text: "Dana here", id: "17.5:0", sender: { kind: "advisor", name: "Dana" } }, 1);
  assert.equal(fromAdvisor.from, "advisor");
  assert.equal(fromAdvisor.name, "Dana");
  assert.equal(fromAdvisor.serverId, "17.5:0");
  // During a handoff the assistant still speaks for itself (the /restart refusal, "Dana has finished here").
  const [notice] = entriesFromBotMessage({ text: "Dana has finished here.", sender: { kind: "assistant" } }, 1);
  assert.equal(notice.from, "bot");
  assert.equal(authorOf({ text: "x", sender: { kind: "advisor", name: "  " } }).name, "Advisor");
  const [card] = entriesFromBotMessage({ custom: CARD }, 1);
  assert.equal(card.type, "deadline");
  const [joined] = entriesFromBotMessage({ custom: { type: "handoff", state: "joined", advisor: "Dana" } }, 1);
  assert.deepEqual(joined, { type: "handoff", state: "joined", advisor: "Dana", at: 1 });
  assert.deepEqual(entriesFromBotMessage({ custom: { type: "handoff", state: "dancing" } }, 1), []);
  assert.deepEqual(entriesFromBotMessage({ custom: { type: "deadline_card" } }, 1), []); // no last_day
  assert.deepEqual(entriesFromBotMessage("nonsense", 1), []);
  const [image] = entriesFromBotMessage({ attachment: { type: "image", payload: { src: "https://x/y.png" } } }, 1);
  assert.equal(image.src, "https://x/y.png");
});
