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

    // Queue cells show only the countdown; the ticket page adds it after the due time.
    function tick() {
        document.querySelectorAll("#result_list time.hd-sla[data-due]").forEach(function (el) {
            el.textContent = relative(el.dataset.due);
        });
        document.querySelectorAll(".hd-sla-timers time.hd-sla[data-due]").forEach(function (el) {
            var span = el.nextElementSibling;
            if (!span || !span.classList.contains("hd-sla-relative")) {
                span = document.createElement("span");
                span.className = "hd-sla-relative hd-muted";
                el.after(span);
            }
            span.textContent = "(" + relative(el.dataset.due) + ")";
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
