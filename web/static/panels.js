// Optional: the folded filter and subscription panels open by themselves on wide screens, where
// they sit beside the list. Without this script they stay folded and open with a click.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 52.01rem)");
  function apply() {
    document.querySelectorAll("details[data-open-wide]").forEach(function (panel) {
      panel.open = wide.matches;
    });
  }
  apply();
  wide.addEventListener("change", apply);
})();
