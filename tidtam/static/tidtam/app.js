/* tidtam: small progressive enhancements on top of htmx. Everything works without this file. */
(function () {
  "use strict";

  function container(button) {
    return document.getElementById(button.getAttribute("aria-controls"));
  }

  function setOpen(button, open) {
    var box = container(button);
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (box) box.hidden = !open;
  }

  // Tree disclosure buttons: the first click loads the children with htmx; later clicks only show or hide them.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var button = event.detail.elt;
    if (!button.classList || !button.classList.contains("tree-toggle")) return;
    var box = container(button);
    if (box && box.hasAttribute("data-loaded")) {
      event.preventDefault();
    } else {
      button.setAttribute("aria-busy", "true");
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var button = event.detail.elt;
    if (button.classList && button.classList.contains("tree-toggle")) button.removeAttribute("aria-busy");
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var button = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!button || !button.classList || !button.classList.contains("tree-toggle")) return;
    container(button).setAttribute("data-loaded", "");
    setOpen(button, true);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.tree-toggle");
    if (!button) return;
    var box = container(button);
    if (box && box.hasAttribute("data-loaded")) {
      setOpen(button, button.getAttribute("aria-expanded") !== "true");
    }
  });
})();
