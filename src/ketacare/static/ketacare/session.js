// Warns two minutes before the idle sign-out, and lets the person stay signed in.
// Any page load or htmx request counts as activity, as it does on the server.
(function () {
  "use strict";
  var body = document.body;
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var box = document.getElementById("idle-warning");
  var stay = document.getElementById("idle-stay");
  if (!idleSeconds || !box || !stay) { return; }
  var warnBeforeSeconds = Math.min(120, Math.floor(idleSeconds / 2));
  var timer = null;

  function arm() {
    window.clearTimeout(timer);
    box.hidden = true;
    timer = window.setTimeout(function () {
      box.hidden = false;
      stay.focus();
    }, (idleSeconds - warnBeforeSeconds) * 1000);
  }

  stay.addEventListener("click", function () {
    var token = JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
    fetch(body.getAttribute("data-keep-alive-url"), {
      method: "POST",
      headers: { "X-CSRFToken": token },
      credentials: "same-origin"
    }).then(function (response) {
      if (response.ok) { arm(); } else { window.location.reload(); }
    });
  });
  document.body.addEventListener("htmx:afterRequest", arm);
  arm();
})();
