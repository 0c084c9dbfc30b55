/*
 * Date presets on the reports page: buttons carrying data-preset-from / data-preset-to fill the
 * form's from and to fields and submit it. The dates come from the server (reports/presets.py):
 * its time zone decides what "today" is, as it does for the figures.
 */
(function () {
  "use strict";

  function start() {
    document.querySelectorAll("[data-preset-from]").forEach(function (button) {
      button.addEventListener("click", function () {
        var form = button.form || button.closest("form");
        if (!form) return;
        form.elements.from.value = button.getAttribute("data-preset-from");
        form.elements.to.value = button.getAttribute("data-preset-to");
        if (form.requestSubmit) form.requestSubmit();
        else form.submit();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
