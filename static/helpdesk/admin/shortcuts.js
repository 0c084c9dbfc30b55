/* Keyboard shortcuts of the agent console; none fires while typing in a field. */
"use strict";
(function () {
    var SHORTCUTS = [
        {key: "r", text: "Write a public reply", page: "ticket"},
        {key: "n", text: "Write an internal note", page: "ticket"},
        {key: "a", text: "Assign the ticket to me", page: "ticket"},
        {key: "Ctrl+Enter", text: "Send (in the message box)", page: "ticket"},
        {key: "/", text: "Search the queue", page: "queue"},
        {key: "?", text: "Show or hide this help", page: "any"}
    ];

    function typing(target) {
        if (!target || !target.tagName) { return false; }
        var tag = target.tagName.toLowerCase();
        if (target.isContentEditable || tag === "textarea" || tag === "select") { return true; }
        if (tag !== "input") { return false; }
        var type = (target.type || "text").toLowerCase();
        return ["checkbox", "radio", "button", "submit", "reset"].indexOf(type) === -1;
    }

    function page() {
        if (document.getElementById("reply-form")) { return "ticket"; }
        if (document.getElementById("result_list") || document.getElementById("changelist-search")) { return "queue"; }
        return "";
    }

    function help() {
        var dialog = document.getElementById("hd-shortcuts");
        if (!dialog) {
            dialog = document.createElement("dialog");
            dialog.id = "hd-shortcuts";
            dialog.className = "hd-shortcuts";
            dialog.setAttribute("aria-labelledby", "hd-shortcuts-title");
            var here = page();
            var rows = SHORTCUTS.filter(function (s) { return s.page === "any" || s.page === here; })
                .map(function (s) { return "<tr><td><kbd>" + s.key + "</kbd></td><td>" + s.text + "</td></tr>"; });
            dialog.innerHTML = '<h2 id="hd-shortcuts-title">Keyboard shortcuts</h2><table>' + rows.join("") +
                '</table><form method="dialog"><button class="button">Close</button></form>';
            document.body.appendChild(dialog);
        }
        if (dialog.open) { dialog.close(); } else { dialog.showModal(); }
    }

    function compose(mode) {
        var form = document.getElementById("reply-form");
        if (!form) { return false; }
        if (window.helpdeskSetComposerMode) { window.helpdeskSetComposerMode(mode, true); }
        var body = form.querySelector("textarea[name=body]");
        body.scrollIntoView({block: "center"});
        body.focus();
        return true;
    }

    function click(selector) {
        var button = document.querySelector(selector);
        if (!button) { return false; }
        button.click();
        return true;
    }

    var ACTIONS = {
        "r": function () { return compose("reply"); },
        "n": function () { return compose("note"); },
        "a": function () { return click(".hd-quick-actions button.hd-action-assign_me"); },
        "/": function () {
            var search = document.getElementById("searchbar");
            if (!search) { return false; }
            search.focus();
            return true;
        },
        "?": function () { help(); return true; }
    };

    document.addEventListener("keydown", function (event) {
        if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented || typing(event.target)) { return; }
        var open = document.getElementById("hd-shortcuts");
        if (open && open.open && event.key !== "?") { return; }
        var action = ACTIONS[event.key];
        if (action && action()) { event.preventDefault(); }
    });
})();
