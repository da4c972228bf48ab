// Optional: a "copy" button next to each feed address. Everything works without it.
(function () {
  "use strict";
  if (!navigator.clipboard) {
    return;
  }
  var lang = document.documentElement.lang;
  var labels = lang === "en" ? ["Copy", "Copied"] : ["Copier", "Copié"];
  document.querySelectorAll("input[data-copy], textarea[data-copy]").forEach(function (input) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--small";
    button.textContent = labels[0];
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = labels[1];
      });
    });
    input.insertAdjacentElement("afterend", button);
    input.addEventListener("focus", function () {
      input.select();
    });
  });
})();
