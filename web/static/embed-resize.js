// For partner sites: sizes each <iframe data-ess-agenda> to the height its agenda posts. Only
// messages from this script's own origin, and from one of those iframes, are listened to.
(function () {
  "use strict";
  var script = document.currentScript;
  var origin = script ? new URL(script.src).origin : null;
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== origin || !data || data.type !== "ess-agenda:height") {
      return;
    }
    var height = Number(data.height);
    if (!isFinite(height) || height <= 0) {
      return;
    }
    document.querySelectorAll("iframe[data-ess-agenda]").forEach(function (frame) {
      if (frame.contentWindow === event.source) {
        frame.style.height = Math.min(Math.ceil(height), 20000) + "px";
        frame.setAttribute("height", String(Math.min(Math.ceil(height), 20000)));
      }
    });
  });
})();
