/* Approval inbox: a "select all" button for the bulk approval (the page works without it). */
(function () {
  "use strict";

  function reveal() {
    document.querySelectorAll("[data-select-all]").forEach(function (button) { button.hidden = false; });
  }

  document.addEventListener("DOMContentLoaded", reveal);
  document.addEventListener("htmx:afterSwap", reveal);
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-select-all]");
    if (!button) return;
    var boxes = document.querySelectorAll('input[type="checkbox"][form="' + button.dataset.selectAll + '"]');
    var all = Array.prototype.every.call(boxes, function (box) { return box.checked; });
    boxes.forEach(function (box) { box.checked = !all; });
  });
})();
