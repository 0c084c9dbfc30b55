/* Live alerts (tickets/live/stream.py): new alerts appear as notes in the corner without a reload, the
   header counts the unread ones, and on a console ticket page a line names the other agents who have it open.
   EventSource reconnects by itself and sends Last-Event-ID, so nothing is missed across a reconnect.
   Opening or dismissing a note marks it read through the API (/api/v1/notifications/). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.EventSource) return;
  var API = "/api/v1/notifications/";
  var MAX_SHOWN = 5;
  var presence = document.querySelector("[data-live-ticket]");
  var KEY = "helpdesk-live-after";
  var params = [];
  if (presence) params.push("ticket=" + encodeURIComponent(presence.dataset.liveTicket));
  // Moving from page to page in one tab: the next page's stream resumes where this one stopped,
  // so an alert that came in between is not lost (only for a recent hand-over, never a stale one).
  var saved = null;
  try { saved = JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (error) { saved = null; }
  if (saved && saved.id && Date.now() - saved.at < 60000) params.push("after=" + encodeURIComponent(saved.id));
  var url = script.dataset.stream + (params.length ? "?" + params.join("&") : "");
  var unread = 0;
  var lastId = "";

  function remember(id) {
    if (id) lastId = id;
    try { sessionStorage.setItem(KEY, JSON.stringify({ id: lastId, at: Date.now() })); } catch (error) { /* private mode */ }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function csrf() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function post(path) {
    return fetch(API + path, {
      method: "POST", credentials: "same-origin", keepalive: true,
      headers: { "X-CSRFToken": csrf(), "Accept": "application/json" },
    }).catch(function () { /* the count corrects itself at the next page */ });
  }

  // The unread count, in the header: the console's user tools, or the portal's navigation.
  var badge = el("span", "live-unread");
  badge.hidden = true;
  var count = el("span", "live-unread-count");
  var readAll = el("button", "live-read-all", "mark all read");
  readAll.type = "button";
  readAll.addEventListener("click", function () {
    post("read-all");
    setUnread(0);
    list.replaceChildren();
  });
  badge.append(count, " ", readAll);

  function setUnread(value) {
    unread = Math.max(0, value);
    badge.hidden = unread < 1;
    count.textContent = unread === 1 ? "1 unread alert" : unread + " unread alerts";
  }

  var region = el("section", "live-alerts");
  region.setAttribute("aria-label", "Live alerts");
  var list = el("ol", "live-list");
  list.setAttribute("role", "log");
  list.setAttribute("aria-live", "polite");
  region.appendChild(list);

  function mount() {
    var tools = document.getElementById("user-tools");
    var nav = document.querySelector(".pt-nav ul");
    if (tools) {
      tools.prepend(badge, " ");
    } else if (nav) {
      var item = el("li");
      item.appendChild(badge);
      nav.insertBefore(item, nav.querySelector(".pt-nav-user"));
    } else {
      region.prepend(badge);
    }
    document.body.appendChild(region);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  function addAlert(alert) {
    var item = el("li", "live-alert live-kind-" + alert.kind);
    item.dataset.alertId = alert.id;
    var link = el("a", "", alert.title);
    link.href = alert.url;
    var close = el("button", "live-close", "\u00d7");
    close.type = "button";
    close.setAttribute("aria-label", "Dismiss");
    function read() {
      if (item.dataset.read) return;
      item.dataset.read = "1";
      post(alert.id + "/read");
      setUnread(unread - 1);
    }
    link.addEventListener("click", read);
    close.addEventListener("click", function () { read(); item.remove(); });
    item.append(el("strong", "", alert.label), link, el("span", "live-body", alert.body), close);
    list.prepend(item);
    while (list.children.length > MAX_SHOWN) list.lastElementChild.remove();
  }

  var source = new EventSource(url);
  source.addEventListener("hello", function (event) {
    remember(event.lastEventId);
    setUnread(JSON.parse(event.data).unread || 0);
  });
  source.addEventListener("alert", function (event) {
    remember(event.lastEventId);
    addAlert(JSON.parse(event.data));
    setUnread(unread + 1);
  });
  source.addEventListener("presence", function (event) {
    if (!presence) return;
    var viewers = JSON.parse(event.data).viewers || [];
    presence.hidden = viewers.length === 0;
    presence.textContent = viewers.length ? "Also viewing: " + viewers.join(", ") : "";
  });
  window.addEventListener("pagehide", function () {
    source.close();
    if (lastId) remember(lastId);
  });
})();
