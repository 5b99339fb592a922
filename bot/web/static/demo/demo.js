// The demo site's widget configuration (kept out of inline script so a strict CSP works).
// A firm's own site sets a fixed serverUrl; the demo finds the Rasa server it runs with:
// ?rasa_port=NNNN (same host only), else /widget-config.json if the web service offers it,
// else port 5005 on this host.
(function () {
  "use strict";

  function sameHost(port) {
    return window.location.protocol + "//" + window.location.hostname + ":" + port;
  }

  function fromQuery() {
    var port = new URLSearchParams(window.location.search).get("rasa_port");
    return port && /^\d{2,5}$/.test(port) ? sameHost(port) : null;
  }

  function fromService() {
    return fetch("/widget-config.json", { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { return body && typeof body.serverUrl === "string" ? body.serverUrl : null; })
      .catch(function () { return null; });
  }

  // The firm's name and phone as the web service wrote them into the page (bot/firm.py, one
  // source); a page served without them filled asks /firm.json instead.
  function filled(value) {
    return typeof value === "string" && value.trim() && value.indexOf("{{") === -1 ? value.trim() : "";
  }

  function firmDetails() {
    var data = document.body.dataset;
    var fromPage = { name: filled(data.firmName), phone: filled(data.firmPhone) };
    if (fromPage.name) return Promise.resolve(fromPage);
    return fetch("/firm.json", { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (body) { return { name: filled(body.name), phone: filled(body.phone) }; })
      .catch(function () { return { name: "", phone: "" }; });
  }

  function start(serverUrl, firm) {
    window.IntakeChat.init({
      serverUrl: serverUrl || sameHost(5005),
      title: "Questions about an IRS notice?",
      subtitle: firm.name ? firm.name + " · confidential" : "Confidential",
      initialMessage:
        "Hi! I can tell you your deadline for an IRS levy notice. Which notice did you get (for example LT11 or Letter 1058), and what date is printed on it?",
      // The .ics names the firm with its phone ("Questions: <firm>, <phone>.").
      firmName: [firm.name, firm.phone].filter(Boolean).join(", "),
      colors: { primary: "#1d4f7c" },
    });
    var openers = document.querySelectorAll("[data-open-chat]");
    for (var i = 0; i < openers.length; i++) {
      openers[i].addEventListener("click", function () { window.IntakeChat.open(); });
    }
  }

  var explicit = fromQuery();
  Promise.all([explicit ? Promise.resolve(explicit) : fromService(), firmDetails()]).then(function (found) {
    start(found[0], found[1]);
  });
})();
