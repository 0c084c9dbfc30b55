// Custom fields of a ticket form: show only those of the chosen category.
// An input with data-categories="3 7" belongs to those categories (empty: every ticket).
// The server decides what is valid; without this script every field shows, and the ones
// of other categories are ignored when left empty.
(function () {
  "use strict";
  function update(form) {
    var select = form.querySelector("select[name=category]");
    if (!select) return;
    form.querySelectorAll("[data-categories]").forEach(function (input) {
      var ids = input.getAttribute("data-categories").split(" ").filter(Boolean);
      var row = input.closest(".pt-field, .form-row") || input.parentElement;
      // style, not the hidden attribute: a row's own display (a checkbox row is flex) would win over it.
      row.style.display = ids.length > 0 && ids.indexOf(select.value) === -1 ? "none" : "";
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      var select = form.querySelector("select[name=category]");
      if (!select || !form.querySelector("[data-categories]")) return;
      select.addEventListener("change", function () { update(form); });
      update(form);
    });
  });
})();
