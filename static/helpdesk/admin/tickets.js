/* The agent console: live SLA countdowns, and canned responses inserted into the reply box. */
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

    function cannedResponses() {
        var data = document.getElementById("canned-responses");
        var picker = document.getElementById("id_canned");
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
            form.classList.toggle("hd-drafting-note", item.internal);
            // Inserted already: sending must not add the text a second time.
            picker.value = "";
        });
    }

    document.addEventListener("DOMContentLoaded", function () {
        tick();
        window.setInterval(tick, 30000);
        cannedResponses();
    });
})();
