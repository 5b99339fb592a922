// The deadline card and its .ics reminders (src/card.js, src/ics.js) under Node's test runner.
import { test } from "node:test";
import assert from "node:assert/strict";

import { cardFacts, countedOn } from "../src/card.js";
import { deadlineIcs, reminders } from "../src/ics.js";

const CARD = {
  type: "deadline_card",
  last_day: "2026-11-30",
  weekday: "Monday",
  days_left: 3,
  status: "open",
  notice: "Letter 1058",
  notice_date: "2026-10-30",
  as_of: "2026-11-27",
};
const DAY = new Date(Date.UTC(2026, 10, 30));
const local = (y, m, d, h, min = 0) => new Date(y, m - 1, d, h, min); // the device's clock

function triggers(ics) {
  return ics.replace(/\r\n /g, "").split("\r\n").filter((l) => l.startsWith("TRIGGER"));
}

test("with 3 days left no reminder is in the past, and the ones ahead remain", () => {
  // Friday Nov 27, 10 am: the 7-day reminder (Nov 23) and the 3-day one (9 am today) are gone.
  const ics = deadlineIcs(CARD, { now: local(2026, 11, 27, 10), uid: "x@y" });
  assert.deepEqual(triggers(ics), ["TRIGGER:-PT15H", "TRIGGER:PT8H"]); // Sunday 9 am, Monday 8 am
  assert.match(ics.replace(/\r\n /g, ""), /Tomorrow is the last day/);
});

test("every reminder written is ahead of the download", () => {
  for (const now of [local(2026, 11, 1, 12), local(2026, 11, 23, 8), local(2026, 11, 27, 8, 59), local(2026, 11, 29, 20)]) {
    for (const r of reminders(DAY, now)) {
      const m = /^TRIGGER:(-)?P(?:(\d+)D)?(?:T(\d+)H)?$/.exec(r.trigger);
      assert.ok(m, r.trigger);
      const offsetHours = (m[1] ? -1 : 1) * ((+(m[2] || 0)) * 24 + +(m[3] || 0));
      const at = new Date(2026, 10, 30, offsetHours);
      assert.ok(at > now, `${r.trigger} at ${at} is not after ${now}`);
    }
  }
  assert.equal(reminders(DAY, local(2026, 11, 1, 12)).length, 4);
});

test("on the last day after 8 am one reminder still comes, a quarter of an hour later", () => {
  const now = local(2026, 11, 30, 14, 0);
  const [only, ...rest] = reminders(DAY, now);
  assert.equal(rest.length, 0);
  const soon = new Date(now.getTime() + 15 * 60 * 1000).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  assert.equal(only.trigger, `TRIGGER;VALUE=DATE-TIME:${soon}`);
  assert.match(only.text, /postmarked today/);
  // Too late for any reminder: a quarter of an hour would be past the day.
  assert.deepEqual(reminders(DAY, local(2026, 11, 30, 23, 50)), []);
});

test("the card says the notice as the taxpayer knows it, its date and the day it was counted", () => {
  const lines = cardFacts(CARD);
  assert.equal(lines[0], "Letter 1058 dated October 30, 2026");
  assert.match(lines[1], /^Counted on November 27, 2026/);
  assert.equal(countedOn({ counted_on: "2026-11-27" }), "2026-11-27"); // cards stored before the rename
  assert.deepEqual(cardFacts({ last_day: "2026-11-30" }), []);
  assert.deepEqual(cardFacts({ notice_date: "2026-10-30", as_of: "soon" }), ["Your notice dated October 30, 2026"]);
});

test("the firm named in the .ics is the one the widget is configured with", () => {
  const ics = deadlineIcs(CARD, { firmName: "Acme Tax, (555) 777-0000", now: local(2026, 11, 1, 12), uid: "x@y" });
  assert.match(ics.replace(/\r\n /g, ""), /Questions: Acme Tax\\, \(555\) 777-0000\./);
});
