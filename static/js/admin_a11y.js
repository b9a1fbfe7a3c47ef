/* Staff admin: names for the controls Django's own JavaScript widgets draw without one.
 *
 * - the autocomplete (select2) draws a combobox whose name is the selected value, empty on an
 *   add page: name it from the label of the <select> it replaces;
 * - the two-list selector (filter_horizontal) puts an aria-label on a bare <span> (its
 *   magnifying glass), which ARIA forbids: make it the image it is;
 * - a date and time field (SplitDateTimeWidget) has one label for two inputs: name each.
 * Run once the widgets are drawn (after ``load``: jQuery's ready handlers, which draw them,
 * may run after it) and on each inline row added.
 */
(function () {
  "use strict";

  function labelText(id) {
    var label = id && document.querySelector('label[for="' + id + '"]');
    return label ? label.textContent.replace(/\s*:\s*$/, "").trim() : "";
  }

  function nameWidgets(root) {
    root.querySelectorAll(".select2-container").forEach(function (container) {
      var select = container.previousElementSibling;
      var name = select && labelText(select.id);
      if (!name) { return; }
      container.querySelectorAll('[role="combobox"], [role="textbox"]').forEach(function (control) {
        control.removeAttribute("aria-labelledby");
        control.setAttribute("aria-label", name);
      });
    });
    root.querySelectorAll("span.help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
    root.querySelectorAll("p.datetime").forEach(function (pair) {
      var inputs = pair.querySelectorAll("input");
      if (inputs.length !== 2) { return; }
      var name = labelText(inputs[0].id) || labelText(inputs[0].id.replace(/_0$/, ""));
      if (!inputs[0].hasAttribute("aria-label")) { inputs[0].setAttribute("aria-label", name + " (date)"); }
      if (!inputs[1].hasAttribute("aria-label")) { inputs[1].setAttribute("aria-label", name + " (heure)"); }
    });
  }

  window.addEventListener("load", function () { window.setTimeout(function () { nameWidgets(document); }, 0); });
  document.addEventListener("formset:added", function (event) { nameWidgets(event.target); });
})();
