/* tidtam: the alignment assistant's "use as the primary link" buttons fill the primary link field in place.
   Without this file each button posts the form back with `pick_node`, and the page comes back with the field set. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.align-pick");
    if (!button) return;
    var select = document.getElementById("id_primary_node");
    var value = button.getAttribute("data-node");
    if (!select || !value || !select.querySelector('option[value="' + value + '"]')) return; // let the form post it
    event.preventDefault();
    select.value = value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    var panel = button.closest(".align-panel");
    if (panel) {
      panel.querySelectorAll(".align-pick").forEach(function (other) {
        other.removeAttribute("aria-pressed");
        other.classList.remove("align-picked");
      });
    }
    button.setAttribute("aria-pressed", "true");
    button.classList.add("align-picked");
    select.focus();
  });
})();
