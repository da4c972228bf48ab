// Inside the iframe: tell the page that embeds us how tall we are, so that its embed-resize.js
// sizes the iframe to fit (no scroll bar inside). Nothing else is sent.
(function () {
  "use strict";
  if (window.parent === window) {
    return;
  }
  var last = 0;
  function post() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ type: "ess-agenda:height", height: height }, "*");
    }
  }
  if (window.ResizeObserver) {
    new ResizeObserver(post).observe(document.documentElement);
  }
  window.addEventListener("load", post);
  post();
})();
