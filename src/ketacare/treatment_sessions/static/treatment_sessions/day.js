/* The treatment-day screens: a countdown to the next esketamine device, the intervention
   quick-fill buttons, and a pause of the live poll while someone types in it. The server's
   rules are what count; this only helps the eye. No inline script: CSP. */
(function () {
  "use strict";

  // htmx settles the `style` attribute of swapped elements by setting it inline, which the
  // CSP (style-src 'self') refuses: settle classes and sizes only.
  if (window.htmx) {
    window.htmx.config.attributesToSettle = ["class", "width", "height"];
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // A countdown counts the seconds the server gave from when the element appeared, with the
  // browser's monotonic clock: a tablet whose wall clock is off still counts right.
  function tick() {
    var now = performance.now();
    document.querySelectorAll("[data-countdown-seconds]").forEach(function (el) {
      var seconds = parseInt(el.getAttribute("data-countdown-seconds"), 10);
      if (isNaN(seconds)) { return; }
      if (!el.dataset.base) {
        el.dataset.base = el.textContent;
        el.dataset.shownAt = String(now);
      }
      var left = Math.ceil(seconds - (now - parseFloat(el.dataset.shownAt)) / 1000);
      if (left <= 0) {
        el.textContent = "Allowed now";
        el.classList.add("ready");
      } else {
        el.textContent = el.dataset.base + " — wait " + Math.floor(left / 60) + ":" + pad(left % 60);
      }
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);

  // Quick-fill chips: fill named fields of the chip's form from its JSON.
  document.addEventListener("click", function (event) {
    var chip = event.target.closest("[data-fill]");
    if (!chip) { return; }
    var form = chip.closest("form");
    var values;
    try { values = JSON.parse(chip.getAttribute("data-fill")); } catch (e) { return; }
    Object.keys(values).forEach(function (name) {
      var input = form.querySelector("[name='" + name + "']");
      if (input) { input.value = values[name]; }
    });
    var amount = form.querySelector("[name='amount']");
    if (amount) { amount.focus(); }
  });

  // Do not replace the live part while someone is typing an acknowledgement in it.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var el = event.detail.elt;
    if (!el || el.getAttribute("data-poll") !== "live") { return; }
    var active = document.activeElement;
    if (active && el.contains(active) && active.tagName === "INPUT" && active.value) {
      event.preventDefault();
    }
  });
})();
