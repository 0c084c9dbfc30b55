/*
 * The rule builder's editors (rule-builder.js uses them): a condition's value and an action's settings as
 * labelled controls of the right kind (a select of the desk's teams, agents, ... by name; checkboxes for
 * "is one of"; an amount and a unit for minutes; text otherwise), each with a read() of its JSON value.
 * ``window.helpdeskRuleEditors(data)`` makes them over the page's choices (automations/admin.py).
 */
(function () {
  "use strict";

  window.helpdeskRuleEditors = function (data) {
    var counter = 0;
    var UNITS = [["minutes", 1, "minutes"], ["hours", 60, "hours"], ["days", 1440, "days"]];
    var IDS = { team: true, agent: true, organization: true, calendar: true, endpoint: true };
    var NO_VALUE = { is_set: true, is_empty: true };
    var MANY = { "in": true, not_in: true };

    function uid(prefix) {
      counter += 1;
      return "rb-" + prefix + "-" + counter;
    }

    function el(tag, attrs, children) {
      var node = document.createElement(tag);
      Object.keys(attrs || {}).forEach(function (name) {
        if (name === "text") node.textContent = attrs[name];
        else if (name === "className") node.className = attrs[name];
        else if (attrs[name] !== null && attrs[name] !== undefined && attrs[name] !== false) node.setAttribute(name, attrs[name]);
      });
      (children || []).forEach(function (child) { if (child) node.append(child); });
      return node;
    }

    // A control with its label (visually hidden when the row makes it plain) in one cell.
    function cell(control, text, quiet) {
      if (!control.id) control.id = uid("c");
      var label = el("label", { "for": control.id, text: text, className: quiet ? "hd-rb-sr" : "hd-rb-label" });
      return el("span", { className: "hd-rb-cell" }, [label, control]);
    }

    function option(value, text, selected) {
      var node = el("option", { value: String(value), text: text });
      node.selected = !!selected;
      return node;
    }

    function choiceSelect(pairs, value, extra) {
      var select = el("select", extra || {});
      var found = false;
      pairs.forEach(function (pair) {
        var same = value !== undefined && value !== null && String(pair[0]) === String(value);
        found = found || same;
        select.append(option(pair[0], pair[1], same));
      });
      if (!found && value !== undefined && value !== null && value !== "") {
        select.append(option(value, value + " (not in the list)", true));
      }
      return select;
    }

    function fieldNamed(name) {
      return data.fields.find(function (one) { return one.name === name; });
    }

    function idOrText(kind, raw) {
      if (IDS[kind] && /^\d+$/.test(raw)) return Number(raw);
      return raw;
    }

    function insertAtCursor(area, text) {
      var start = area.selectionStart || 0;
      var end = area.selectionEnd || 0;
      area.value = area.value.slice(0, start) + text + area.value.slice(end);
      area.selectionStart = area.selectionEnd = start + text.length;
      area.focus();
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }

    function placeholderButtons(area) {
      var list = el("span", { className: "hd-rb-placeholders" }, [el("span", { text: "Insert: " })]);
      data.placeholders.forEach(function (pair) {
        var button = el("button", { type: "button", className: "button hd-rb-small", title: pair[1], text: "{" + pair[0] + "}" });
        button.setAttribute("aria-label", "Insert {" + pair[0] + "}, " + pair[1]);
        button.addEventListener("click", function () { insertAtCursor(area, "{" + pair[0] + "}"); });
        list.append(button);
      });
      return list;
    }

    // --- Values --------------------------------------------------------------------------------
    // Each editor is {node, read()}; ``kind`` is what the field's value is (conditions.py's Field.values,
    // a custom field's type, or a list of choices named in data.choices).

    function minutesEditor(value) {
      var unit = UNITS[0];
      if (typeof value === "number" && value > 0) {
        unit = UNITS.slice().reverse().find(function (one) { return value % one[1] === 0; }) || UNITS[0];
      }
      var number = el("input", { type: "number", min: "0", step: "any", inputmode: "decimal", className: "hd-rb-number" });
      number.value = typeof value === "number" ? String(value / unit[1]) : "";
      var units = choiceSelect(UNITS.map(function (one) { return [one[0], one[2]]; }), unit[0]);
      return {
        node: el("span", { className: "hd-rb-value" }, [cell(number, "Amount", true), cell(units, "Unit", true)]),
        read: function () {
          if (number.value === "") return null;
          var factor = UNITS.find(function (one) { return one[0] === units.value; })[1];
          return Math.round(Number(number.value) * factor);
        },
      };
    }

    function checkboxGroup(pairs, values, legend) {
      var chosen = (Array.isArray(values) ? values : [values]).map(String);
      var boxes = [];
      var group = el("fieldset", { className: "hd-rb-checks" }, [el("legend", { className: "hd-rb-sr", text: legend })]);
      pairs.forEach(function (pair) {
        var box = el("input", { type: "checkbox", value: String(pair[0]), id: uid("x") });
        box.checked = chosen.indexOf(String(pair[0])) !== -1;
        boxes.push(box);
        group.append(el("label", { "for": box.id }, [box, " " + pair[1]]));
      });
      return { node: group, boxes: boxes };
    }

    function valueEditor(field, op, value) {
      if (!field || NO_VALUE[op]) return { node: null, read: function () { return undefined; } };
      var kind = field.values;
      if (kind === "minutes") return minutesEditor(value);
      var pairs = null;
      if (kind === "dropdown") pairs = field.choices.map(function (one) { return [one, one]; });
      else if (kind === "checkbox") pairs = [["true", "Yes"], ["false", "No"]];
      else if (kind in data.choices) pairs = data.choices[kind];
      if (pairs && MANY[op]) {
        var checks = checkboxGroup(pairs, value === undefined ? [] : value, field.label + " values");
        return {
          node: el("span", { className: "hd-rb-value" }, [checks.node]),
          read: function () {
            return checks.boxes.filter(function (box) { return box.checked; }).map(function (box) { return idOrText(kind, box.value); });
          },
        };
      }
      if (pairs) {
        var current = Array.isArray(value) ? value[0] : value;
        if (kind === "checkbox" && typeof current === "boolean") current = String(current);
        var select = choiceSelect(pairs, current);
        return {
          node: el("span", { className: "hd-rb-value" }, [cell(select, "Value", true)]),
          read: function () {
            if (kind === "checkbox") return select.value === "true";
            return idOrText(kind, select.value);
          },
        };
      }
      // Free input: text, a number, a date, or an id when there are too many to list.
      var type = kind === "number" || kind in IDS ? "number" : kind === "date" ? "date" : "text";
      var input = el("input", { type: type, className: type === "text" ? "vTextField" : "hd-rb-number", step: type === "number" ? "any" : null });
      input.value = value === undefined || value === null ? "" : String(value);
      var words = kind in IDS ? field.label + " id" : "Value";
      return {
        node: el("span", { className: "hd-rb-value" }, [cell(input, words, true)]),
        read: function () {
          if (type === "number" && input.value !== "" && isFinite(Number(input.value))) return Number(input.value);
          return input.value;
        },
      };
    }

    // --- Actions' settings ---------------------------------------------------------------------

    function textArea(value, rows) {
      var area = el("textarea", { rows: String(rows || 3), className: "vLargeTextField hd-rb-text" });
      area.value = value || "";
      return area;
    }

    function nothingToChoose(text, value) {
      return { nodes: [el("span", { className: "hd-rb-warning", text: text })], read: function () { return value; } };
    }

    var ACTION_EDITORS = {
      tags: function (action) {
        var input = el("input", { type: "text", className: "vTextField", placeholder: "vip, acme" });
        input.value = Array.isArray(action.value) ? action.value.join(", ") : action.value || "";
        return {
          nodes: [cell(input, "Tags, separated by commas")],
          read: function () {
            return { value: input.value.split(",").map(function (one) { return one.trim(); }).filter(Boolean) };
          },
        };
      },
      comment: function (action) {
        var body = textArea(action.body, 4);
        var internal = el("input", { type: "checkbox", id: uid("c") });
        internal.checked = !!action.internal;
        return {
          nodes: [
            cell(body, "Text"),
            placeholderButtons(body),
            el("span", { className: "hd-rb-cell hd-rb-inline" }, [
              internal, el("label", { "for": internal.id, text: " Internal note (only staff see it; otherwise a public reply, emailed to the requester)" }),
            ]),
          ],
          read: function () { return { body: body.value, internal: internal.checked }; },
        };
      },
      notify: function (action) {
        var recipients = Array.isArray(action.recipients) ? action.recipients : [];
        var roles = checkboxGroup(data.recipients, recipients.filter(function (one) { return typeof one === "string"; }), "Who to tell");
        roles.node.querySelector("legend").className = "hd-rb-label";
        var ids = recipients.filter(function (one) { return typeof one === "number"; });
        var people = el("select", { multiple: "multiple", size: String(Math.min(6, Math.max(3, data.choices.agent.length))) });
        data.choices.agent.forEach(function (pair) { people.append(option(pair[0], pair[1], ids.indexOf(pair[0]) !== -1)); });
        ids.forEach(function (id) {
          if (!data.choices.agent.some(function (pair) { return pair[0] === id; })) people.append(option(id, id + " (not in the list)", true));
        });
        var message = textArea(action.message, 3);
        return {
          nodes: [
            roles.node,
            cell(people, "And these people (Ctrl or ⌘ to choose several)"),
            cell(message, "Message"),
            placeholderButtons(message),
          ],
          read: function () {
            var chosen = roles.boxes.filter(function (box) { return box.checked; }).map(function (box) { return box.value; });
            Array.prototype.forEach.call(people.selectedOptions, function (node) { chosen.push(Number(node.value)); });
            return { recipients: chosen, message: message.value };
          },
        };
      },
      set_field: function (action) {
        var custom = data.fields.filter(function (one) { return one.name.indexOf("cf:") === 0; });
        var pairs = custom.map(function (one) { return [one.name.slice(3), one.label]; });
        if (!pairs.length) return nothingToChoose("No custom fields are active.", { key: "", value: null });
        var select = choiceSelect(pairs, action.key);
        var holder = el("span", { className: "hd-rb-holder" });
        var editor;
        function showValue(current) {
          var field = fieldNamed("cf:" + select.value);
          editor = valueEditor(field, "is", current);
          holder.replaceChildren();
          if (editor.node) holder.append(editor.node);
        }
        showValue(action.value);
        select.addEventListener("change", function () { showValue(undefined); });
        return {
          nodes: [cell(select, "Custom field"), holder],
          read: function () { return { key: select.value, value: editor.read() === undefined ? null : editor.read() }; },
        };
      },
      endpoint: function (action) {
        if (!data.choices.endpoint.length) return nothingToChoose("No webhook endpoints yet: add one under Webhooks.", { endpoint: null });
        var select = choiceSelect(data.choices.endpoint, action.endpoint);
        return {
          nodes: [cell(select, "Webhook endpoint")],
          read: function () { return { endpoint: idOrText("endpoint", select.value) }; },
        };
      },
    };

    function simpleEditor(kind, action) {
      if (!kind) return { nodes: [], read: function () { return {}; } };
      var select = choiceSelect(data.choices[kind] || [], action.value);
      return {
        nodes: [cell(select, "Value", true)],
        read: function () { return { value: idOrText(kind, select.value) }; },
      };
    }

    function actionEditor(kind, action) {
      return (ACTION_EDITORS[kind] || simpleEditor.bind(null, kind))(action);
    }

    return {
      uid: uid, el: el, cell: cell, option: option, fieldNamed: fieldNamed,
      valueEditor: valueEditor, actionEditor: actionEditor, MANY: MANY,
    };
  };
})();
