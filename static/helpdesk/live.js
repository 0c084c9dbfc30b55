/* Live alerts (tickets/live/stream.py): new alerts appear as notes in the corner without a reload,
   and on a console ticket page a line names the other agents who have it open.
   EventSource reconnects by itself and sends Last-Event-ID, so nothing is missed across a reconnect. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.EventSource) return;
  var presence = document.querySelector("[data-live-ticket]");
  var url = script.dataset.stream + (presence ? "?ticket=" + encodeURIComponent(presence.dataset.liveTicket) : "");
  var MAX_SHOWN = 5;
  var unread = 0;

  var region = document.createElement("section");
  region.className = "live-alerts";
  region.setAttribute("aria-label", "Live alerts");
  var badge = document.createElement("p");
  badge.className = "live-badge";
  badge.hidden = true;
  var list = document.createElement("ol");
  list.className = "live-list";
  list.setAttribute("role", "log");
  list.setAttribute("aria-live", "polite");
  region.appendChild(badge);
  region.appendChild(list);

  function mount() { document.body.appendChild(region); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  function showUnread() {
    badge.hidden = unread < 1;
    badge.textContent = unread === 1 ? "1 unread notification" : unread + " unread notifications";
  }

  function addAlert(alert) {
    var item = document.createElement("li");
    item.className = "live-alert live-kind-" + alert.kind;
    item.dataset.alertId = alert.id;
    var label = document.createElement("strong");
    label.textContent = alert.label;
    var link = document.createElement("a");
    link.href = alert.url;
    link.textContent = alert.title;
    var body = document.createElement("span");
    body.className = "live-body";
    body.textContent = alert.body;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "live-close";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "\u00d7";
    close.addEventListener("click", function () { item.remove(); });
    item.append(label, link, body, close);
    list.prepend(item);
    while (list.children.length > MAX_SHOWN) list.lastElementChild.remove();
  }

  var source = new EventSource(url);
  source.addEventListener("hello", function (event) {
    unread = JSON.parse(event.data).unread || 0;
    showUnread();
  });
  source.addEventListener("alert", function (event) {
    addAlert(JSON.parse(event.data));
    unread += 1;
    showUnread();
  });
  source.addEventListener("presence", function (event) {
    if (!presence) return;
    var viewers = JSON.parse(event.data).viewers || [];
    presence.hidden = viewers.length === 0;
    presence.textContent = viewers.length ? "Also viewing: " + viewers.join(", ") : "";
  });
  window.addEventListener("pagehide", function () { source.close(); });
})();
