/* The new-ticket form: help articles matching the subject, fetched as the customer types (debounced).
   Articles open in a new tab (the form keeps its draft); their links carry ?from=suggest so the
   knowledge base counts the suggestion as opened (the deflection report). Without JavaScript
   the form is unchanged. */
"use strict";
(function () {
    var WAIT_MS = 300, MIN_CHARS = 3;

    function setUp() {
        var box = document.getElementById("kb-suggestions");
        var form = box && box.closest("form");
        var subject = form && form.querySelector("input[name=subject]");
        if (!subject || !box.dataset.url) { return; }
        var field = subject.closest(".pt-field");
        if (field) { field.after(box); }
        var list = box.querySelector("ul");
        var timer = null, last = "", controller = null;

        function show(results) {
            list.replaceChildren();
            results.forEach(function (item) {
                var li = document.createElement("li");
                var link = document.createElement("a");
                link.href = item.url;
                link.target = "_blank";
                link.rel = "noopener";
                link.textContent = item.title;
                li.appendChild(link);
                if (item.excerpt) {
                    var excerpt = document.createElement("p");
                    excerpt.className = "pt-help";
                    excerpt.textContent = item.excerpt;
                    li.appendChild(excerpt);
                }
                list.appendChild(li);
            });
            box.hidden = results.length === 0;
        }

        function lookUp() {
            var term = subject.value.trim();
            if (term === last) { return; }
            last = term;
            if (term.length < MIN_CHARS) { show([]); return; }
            if (controller) { controller.abort(); }
            controller = new AbortController();
            fetch(box.dataset.url + "?q=" + encodeURIComponent(term), {
                headers: { "Accept": "application/json" },
                credentials: "same-origin",
                signal: controller.signal
            })
                .then(function (response) { return response.ok ? response.json() : { results: [] }; })
                .then(function (data) { show(data.results || []); })
                .catch(function () { /* aborted or offline: keep what is shown */ });
        }

        subject.addEventListener("input", function () {
            window.clearTimeout(timer);
            timer = window.setTimeout(lookUp, WAIT_MS);
        });
        if (subject.value) { lookUp(); }
    }

    document.addEventListener("DOMContentLoaded", setUp);
})();
