/* The ticket page's "Help articles" panel: search published articles (the KB API, session-signed)
   and insert "Title: link" into the reply box at the cursor with tickets.js's helper (as macros' replies are). */
"use strict";
(function () {
    function row(title, url) {
        var li = document.createElement("li");
        var link = document.createElement("a");
        link.href = url;
        link.target = "_blank";
        link.rel = "noopener";
        link.textContent = title;
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button kb-insert";
        button.dataset.title = title;
        button.dataset.path = url;
        button.textContent = "Insert";
        li.append(link, " ", button);
        return li;
    }

    function setUp() {
        var panel = document.getElementById("kb-link-panel");
        var reply = document.querySelector("#reply-form textarea[name=body]");
        if (!panel || !reply) { return; }
        var list = panel.querySelector(".kb-link-results");
        var search = panel.querySelector("#kb-link-search");
        var timer = null;

        panel.addEventListener("click", function (event) {
            var button = event.target.closest(".kb-insert");
            if (!button) { return; }
            var url = new URL(button.dataset.path, window.location.origin).href;
            window.helpdeskInsertAtCursor(reply, button.dataset.title + ": " + url);
        });

        function lookUp() {
            var term = search.value.trim();
            if (term.length < 2) { return; }
            var url = panel.dataset.searchUrl + "?status=published&visibility=public&page_size=8&search=" + encodeURIComponent(term);
            fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
                .then(function (response) { return response.ok ? response.json() : { results: [] }; })
                .then(function (data) {
                    list.replaceChildren();
                    (data.results || []).forEach(function (item) { list.appendChild(row(item.title, item.url)); });
                    if (!list.children.length) {
                        var none = document.createElement("li");
                        none.className = "hd-muted";
                        none.textContent = "No published article matches.";
                        list.appendChild(none);
                    }
                })
                .catch(function () { /* offline: keep the list */ });
        }

        search.addEventListener("input", function () {
            window.clearTimeout(timer);
            timer = window.setTimeout(lookUp, 300);
        });
        search.addEventListener("keydown", function (event) {
            // Enter searches; it must not submit a form around the panel.
            if (event.key === "Enter") { event.preventDefault(); lookUp(); }
        });
    }

    document.addEventListener("DOMContentLoaded", setUp);
})();
