// Tearline console behaviour, kept small and served from the package itself.
// 1. The threat board polls for new fragments and swaps in fresh rows.
// 2. ACH rating selects submit their own form when changed (edit in place).
(function () {
  "use strict";
  function pollBoard() {
    var table = document.getElementById("board");
    var live = document.getElementById("live");
    if (!table || !live) { return; }
    var status = document.getElementById("live-status");
    var seen = live.getAttribute("data-fragments") + "/" + live.getAttribute("data-fused");
    function tick() {
      fetch(table.getAttribute("data-rows-url"), { credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) { throw new Error("status " + r.status); }
          var banner = [r.headers.get("X-Banner"), r.headers.get("X-Banner-Class")];
          return r.text().then(function (html) { return [html, banner]; });
        })
        .then(function (got) {
          document.getElementById("board-rows").innerHTML = got[0];
          ["banner-top", "banner-bottom"].forEach(function (id) {
            var el = document.getElementById(id);
            if (el && got[1][0]) { el.textContent = decodeURIComponent(got[1][0]); el.className = "banner " + got[1][1]; }
          });
          return fetch(live.getAttribute("data-updates-url") || "/console/updates",
                       { credentials: "same-origin" });
        })
        .then(function (r) { return r.json(); })
        .then(function (c) {
          var now = c.fragments + "/" + c.fused;
          if (now !== seen) {
            live.classList.add("fresh");
            status.textContent = "Updated: " + c.fragments + " fragment(s), " + c.fused +
              " fused, " + c.cases + " open case(s).";
          } else {
            status.textContent = "Up to date at " + new Date().toLocaleTimeString() + ".";
          }
        })
        .catch(function (e) { status.textContent = "Live updates paused (" + e.message + ")."; });
    }
    window.setInterval(tick, 10000);
  }
  function autosubmit() {
    var selects = document.querySelectorAll("select[data-autosubmit]");
    Array.prototype.forEach.call(selects, function (s) {
      s.addEventListener("change", function () { s.form.submit(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { pollBoard(); autosubmit(); });
})();
