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

  function start(serverUrl) {
    window.IntakeChat.init({
      serverUrl: serverUrl || sameHost(5005),
      title: "Questions about an IRS notice?",
      subtitle: "Harbor Tax Resolution · confidential",
      initialMessage:
        "Hi! I can tell you your deadline for an IRS levy notice. Which notice did you get (for example LT11 or Letter 1058), and what date is printed on it?",
      firmName: "Harbor Tax Resolution, (555) 010-0142",
      colors: { primary: "#1d4f7c" },
    });
    var openers = document.querySelectorAll("[data-open-chat]");
    for (var i = 0; i < openers.length; i++) {
      openers[i].addEventListener("click", function () { window.IntakeChat.open(); });
    }
  }

  var explicit = fromQuery();
  if (explicit) start(explicit);
  else fromService().then(start);
})();
