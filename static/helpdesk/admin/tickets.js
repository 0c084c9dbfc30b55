/* The agent console: live SLA countdowns and relative times, the composer's mode, macros' replies and previews. */
"use strict";
(function () {
    function words(ms) {
        var minutes = Math.floor(Math.abs(ms) / 60000);
        var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
        if (days) { return days + "d " + hours + "h"; }
        if (hours) { return hours + "h " + mins + "m"; }
        return mins + "m";
    }

    function relative(due) {
        var left = new Date(due).getTime() - Date.now();
        return left >= 0 ? "in " + words(left) : words(left) + " late";
    }

    // "3 h ago" as display.ago_words says it; past two weeks the server's date stays.
    function ago(when) {
        var ms = Date.now() - new Date(when).getTime(), minutes = Math.floor(Math.abs(ms) / 60000);
        var amount;
        if (minutes < 1) { return "just now"; }
        if (minutes < 60) { amount = minutes + " min"; }
        else if (minutes < 1440) { amount = Math.floor(minutes / 60) + " h"; }
        else if (minutes < 14 * 1440) { amount = Math.floor(minutes / 1440) + " d"; }
        else { return null; }
        return ms >= 0 ? amount + " ago" : "in " + amount;
    }

    // SLA countdowns (the due time itself is the title) and relative times, kept current.
    function tick() {
        document.querySelectorAll("time.hd-sla[data-due]").forEach(function (el) {
            el.textContent = relative(el.dataset.due);
        });
        document.querySelectorAll("time.hd-ago[datetime]").forEach(function (el) {
            var words = ago(el.getAttribute("datetime"));
            if (words) { el.textContent = words; }
        });
    }

    function insertAtCursor(textarea, text) {
        var start = textarea.selectionStart || 0, end = textarea.selectionEnd || 0, value = textarea.value;
        var before = value.slice(0, start), after = value.slice(end);
        var joiner = before && !before.endsWith("\n") ? "\n" : "";
        textarea.value = before + joiner + text + after;
        var caret = (before + joiner + text).length;
        textarea.setSelectionRange(caret, caret);
        textarea.focus();
    }
    // Shared with the ticket page's other pickers (kb.js: help article links).
    window.helpdeskInsertAtCursor = insertAtCursor;

    function setSelect(select, value) {
        if (!select || !value) { return; }
        if (Array.prototype.some.call(select.options, function (o) { return o.value === value; })) {
            select.value = value;
        }
    }

    // The composer's mode (public reply or internal note), defaulting to the one used last.
    var MODE_KEY = "helpdesk.composerMode";
    var PLACEHOLDERS = {reply: "Write a reply…", note: "Write an internal note: only staff see it…"};

    function setComposerMode(mode, remember) {
        var form = document.getElementById("reply-form");
        if (!form || !PLACEHOLDERS[mode]) { return; }
        var radio = form.querySelector("input[name=mode][value=" + mode + "]");
        if (radio) { radio.checked = true; }
        var body = form.querySelector("textarea[name=body]");
        if (body) { body.placeholder = PLACEHOLDERS[mode]; }
        if (remember) {
            try { window.localStorage.setItem(MODE_KEY, mode); } catch (e) { /* private mode: not remembered */ }
        }
    }
    window.helpdeskSetComposerMode = setComposerMode;

    function composer() {
        var form = document.getElementById("reply-form");
        if (!form) { return; }
        var body = form.querySelector("textarea[name=body]");
        var stored = null;
        try { stored = window.localStorage.getItem(MODE_KEY); } catch (e) { stored = null; }
        // A draft sent back by the server (an error, a collision) keeps the mode it was sent in.
        var checked = form.querySelector("input[name=mode]:checked");
        if (body && body.value.trim() === "" && stored) {
            setComposerMode(stored, false);
        } else if (checked) {
            setComposerMode(checked.value, false);
        }
        form.querySelectorAll("input[name=mode]").forEach(function (radio) {
            radio.addEventListener("change", function () { setComposerMode(radio.value, true); });
        });
        // Ctrl+Enter (or Cmd+Enter) sends from the message box.
        if (body) {
            body.addEventListener("keydown", function (event) {
                if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
                    event.preventDefault();
                    form.querySelector("button.hd-send").click();
                }
            });
        }
    }

    function macroReplies() {
        var data = document.getElementById("macro-replies");
        var picker = document.getElementById("id_reply_macro");
        var form = document.getElementById("reply-form");
        if (!data || !picker || !form) { return; }
        var byId = {};
        JSON.parse(data.textContent).forEach(function (item) { byId[String(item.id)] = item; });
        picker.addEventListener("change", function () {
            var item = byId[picker.value];
            if (!item) { return; }
            insertAtCursor(form.querySelector("textarea[name=body]"), item.body);
            setSelect(form.querySelector("select[name=status]"), item.status);
            setSelect(form.querySelector("select[name=priority]"), item.priority);
            setComposerMode(item.internal ? "note" : "reply", false);
            // Inserted already: sending must not add the text a second time.
            picker.value = "";
        });
    }

    // "Apply macro": only the chosen macro's preview shows (without JavaScript, all of them do).
    function macroPreviews() {
        var picker = document.getElementById("id_apply_macro");
        if (!picker) { return; }
        var previews = document.querySelectorAll(".hd-macro-preview");
        function show() {
            previews.forEach(function (preview) { preview.hidden = preview.dataset.macro !== picker.value; });
        }
        picker.addEventListener("change", show);
        show();
    }

    document.addEventListener("DOMContentLoaded", function () {
        tick();
        window.setInterval(tick, 30000);
        composer();
        macroReplies();
        macroPreviews();
    });
})();
