/*
 * The automation rule builder: conditions and actions as rows of selects and inputs in words, over
 * the rule form's JSON fields. The JSON textareas stay the source of truth: every change in the
 * builder rewrites them, the server validates them as it always did (its "Condition 2: ..." and
 * "Action 1: ..." messages are shown on the rows they name), and without JavaScript they are the form.
 * "Edit as JSON" shows a textarea again for what the builder cannot show.
 * The fields, operators, actions and the desk's choices come from the page (automations/admin.py).
 */
(function () {
  "use strict";

  var data;
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

  // --- Lists of rows -------------------------------------------------------------------------

  function List(textarea, noun, makeRow, kind) {
    var list = this;
    var row = textarea.closest(".form-row");
    var label = row.querySelector("label[for='" + textarea.id + "']");
    var title = label ? label.textContent.replace(/:\s*$/, "") : noun;
    this.textarea = textarea;
    this.noun = noun;
    this.makeRow = makeRow;
    this.kind = kind;
    this.rows = [];
    this.help = row.querySelector(".help");
    this.items = el("ol", { className: "hd-rb-rows" });
    this.empty = el("p", { className: "hd-rb-empty", text: noun === "action" ? "No actions yet." : "No conditions." });
    this.note = el("p", { className: "hd-rb-note", role: "status" });
    this.add = el("button", { type: "button", className: "button", text: "Add " + (noun === "action" ? "an action" : "a condition") });
    this.rawButton = el("button", { type: "button", className: "button hd-rb-small", text: "Edit as JSON" });
    this.root = el("div", { className: "hd-rb", role: "group", id: "rb-" + textarea.name }, [
      this.items, this.empty, el("div", { className: "hd-rb-tools" }, [this.add, this.rawButton]), this.note,
    ]);
    this.label = label;
    if (label) {
      label.id = label.id || uid("title");
      this.root.setAttribute("aria-labelledby", label.id);
    } else {
      this.root.setAttribute("aria-label", title);
    }
    textarea.after(this.root);
    this.add.addEventListener("click", function () {
      var made = list.append({});
      made.node.querySelector("select").focus();
      list.sync();
    });
    this.rawButton.addEventListener("click", function () { list.toggleRaw(); });
    this.root.addEventListener("input", function (event) { if (event.target !== textarea) list.sync(); });
    this.root.addEventListener("change", function () { list.sync(); });
    this.load();
  }

  List.prototype.load = function () {
    var parsed;
    try {
      parsed = JSON.parse(this.textarea.value.trim() || "[]");
    } catch (error) {
      parsed = null;
    }
    var fits = Array.isArray(parsed) && parsed.every(function (one) { return one && typeof one === "object" && !Array.isArray(one); });
    if (fits && this.makeRow.fits) fits = parsed.every(this.makeRow.fits);
    if (!fits) {
      this.setRaw(true, "The builder cannot show this; edit the JSON.");
      return false;
    }
    this.items.replaceChildren();
    this.rows = [];
    parsed.forEach(this.append, this);
    this.setRaw(false, "");
    return true;
  };

  List.prototype.append = function (value) {
    var list = this;
    var made = this.makeRow(value, this);
    var remove = el("button", { type: "button", className: "button hd-rb-remove", text: "Remove" });
    made.error = el("p", { className: "hd-rb-error", id: uid("err") });
    made.error.hidden = true;
    made.node = el("li", { className: "hd-rb-row" }, [made.body, remove, made.error]);
    made.remove = remove;
    remove.addEventListener("click", function () {
      var at = list.rows.indexOf(made);
      list.rows.splice(at, 1);
      made.node.remove();
      list.renumber();
      list.sync();
      var next = list.rows[at] || list.rows[at - 1];
      (next ? next.node.querySelector("select") : list.add).focus();
    });
    this.rows.push(made);
    this.items.append(made.node);
    this.renumber();
    return made;
  };

  List.prototype.renumber = function () {
    var noun = this.noun;
    this.rows.forEach(function (made, at) {
      made.remove.setAttribute("aria-label", "Remove " + noun + " " + (at + 1));
    });
    this.empty.hidden = this.rows.length > 0;
  };

  List.prototype.sync = function () {
    if (this.raw) return;
    this.textarea.value = JSON.stringify(this.rows.map(function (made) { return made.read(); }), null, 2);
  };

  List.prototype.setRaw = function (raw, message) {
    this.raw = raw;
    // The field's label names the textarea when it shows, the builder's rows (aria-labelledby) otherwise.
    if (this.label && raw) this.label.setAttribute("for", this.textarea.id);
    else if (this.label) this.label.removeAttribute("for");
    this.textarea.hidden = !raw;
    if (this.help) this.help.hidden = !raw;
    this.items.hidden = raw;
    this.empty.hidden = raw || this.rows.length > 0;
    this.add.hidden = raw;
    this.rawButton.textContent = raw ? "Use the builder" : "Edit as JSON";
    this.note.textContent = message;
  };

  List.prototype.toggleRaw = function () {
    if (!this.raw) {
      this.sync();
      this.setRaw(true, "");
      this.textarea.focus();
    } else if (this.load()) {
      var first = this.root.querySelector("select") || this.add;
      first.focus();
    }
  };

  // "Condition 2: ..." from the server, on row 2 (and no longer above the rows); the rest stays above.
  List.prototype.showErrors = function (items) {
    var list = this;
    var prefix = this.noun.charAt(0).toUpperCase() + this.noun.slice(1);
    items.forEach(function (item) {
      var text = item.textContent;
      var found = new RegExp("^" + prefix + " (\\d+): ").exec(text);
      var made = found && list.rows[Number(found[1]) - 1];
      if (!made) return;
      item.hidden = true;
      if (!Array.prototype.some.call(item.parentNode.children, function (one) { return !one.hidden; })) item.parentNode.hidden = true;
      made.node.classList.add("hd-rb-row--error");
      made.error.hidden = false;
      made.error.textContent = (made.error.textContent ? made.error.textContent + " " : "") + text;
      made.node.querySelectorAll("select, input, textarea").forEach(function (control) {
        control.setAttribute("aria-describedby", made.error.id);
      });
    });
  };

  // --- Conditions ----------------------------------------------------------------------------

  function fieldNamed(name) {
    return data.fields.find(function (one) { return one.name === name; });
  }

  function conditionRow(value, list) {
    var made = { value: value };
    var body = el("span", { className: "hd-rb-body" });
    var fieldSelect = el("select", { className: "hd-rb-field" });
    var opSelect = el("select", { className: "hd-rb-op" });
    var holder = el("span", { className: "hd-rb-holder" });
    var warning = el("span", { className: "hd-rb-warning", text: "Only triggers can look at the change." });
    var editor = valueEditor(null);

    fieldSelect.append(option("", "Choose a field…", !value.field));
    var groups = {};
    data.fields.forEach(function (field) {
      if (!groups[field.group]) {
        groups[field.group] = el("optgroup", { label: field.group });
        fieldSelect.append(groups[field.group]);
      }
      var node = option(field.name, field.label, field.name === value.field);
      node.dataset.kinds = field.kinds.join(" ");
      groups[field.group].append(node);
    });

    function showOps(op) {
      var field = fieldNamed(fieldSelect.value);
      opSelect.replaceChildren();
      (field ? field.ops : []).forEach(function (name) {
        opSelect.append(option(name, data.operators[name] || name, name === op));
      });
      opSelect.disabled = !field;
    }

    function showValue(current) {
      editor = valueEditor(fieldNamed(fieldSelect.value), opSelect.value, current);
      holder.replaceChildren();
      if (editor.node) holder.append(editor.node);
    }

    function applyKind() {
      var kind = list.kind();
      fieldSelect.querySelectorAll("option[data-kinds]").forEach(function (node) {
        var allowed = node.dataset.kinds.split(" ").indexOf(kind) !== -1;
        node.hidden = !allowed && !node.selected;
        node.disabled = !allowed && !node.selected;
      });
      var field = fieldNamed(fieldSelect.value);
      warning.hidden = !field || field.kinds.indexOf(kind) !== -1;
    }

    showOps(value.op);
    showValue(value.value);
    fieldSelect.addEventListener("change", function () {
      var before = editor.read();
      showOps(opSelect.value);
      showValue(before);
      applyKind();
    });
    opSelect.addEventListener("change", function () {
      var before = editor.read();
      if (MANY[opSelect.value] && before !== undefined && !Array.isArray(before)) before = [before];
      if (!MANY[opSelect.value] && Array.isArray(before)) before = before[0];
      showValue(before);
    });
    body.append(cell(fieldSelect, "Field", true), cell(opSelect, "Operator", true), holder, warning);
    applyKind();
    made.body = body;
    made.applyKind = applyKind;
    made.read = function () {
      var result = { field: fieldSelect.value, op: opSelect.value };
      var given = editor.read();
      if (given !== undefined) result.value = given;
      return result;
    };
    return made;
  }
  conditionRow.fits = function (one) {
    var field = fieldNamed(one.field);
    return !one.field || (!!field && (!one.op || field.ops.indexOf(one.op) !== -1));
  };

  // --- Actions -------------------------------------------------------------------------------

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

  function actionRow(value) {
    var made = {};
    var body = el("span", { className: "hd-rb-body" });
    var typeSelect = el("select", { className: "hd-rb-type" });
    var holder = el("span", { className: "hd-rb-holder hd-rb-action" });
    var editor;
    typeSelect.append(option("", "Choose an action…", !value.type));
    data.actions.forEach(function (action) { typeSelect.append(option(action.type, action.label, action.type === value.type)); });

    function show(current) {
      var described = data.actions.find(function (one) { return one.type === typeSelect.value; });
      var kind = described ? described.values : "";
      editor = (ACTION_EDITORS[kind] || simpleEditor.bind(null, kind))(current);
      holder.replaceChildren.apply(holder, editor.nodes);
    }
    show(value);
    typeSelect.addEventListener("change", function () { show({}); });
    body.append(cell(typeSelect, "Action", true), holder);
    made.body = body;
    made.read = function () { return Object.assign({ type: typeSelect.value }, editor.read()); };
    return made;
  }
  actionRow.fits = function (one) {
    return !one.type || data.actions.some(function (action) { return action.type === one.type; });
  };

  // --- The page ------------------------------------------------------------------------------

  function errorsOf(textarea) {
    return Array.prototype.slice.call(textarea.closest(".form-row").querySelectorAll(".errorlist li"));
  }

  function start() {
    var source = document.getElementById("rule-builder-choices");
    var form = document.getElementById("rule_form");
    if (!source || !form) return;
    data = JSON.parse(source.textContent);
    var kind = form.querySelector("[name=kind]");
    var events = form.querySelector(".form-row.field-events");
    var currentKind = function () { return kind ? kind.value : "trigger"; };
    var lists = [];
    ["conditions", "any_conditions"].forEach(function (name) {
      var area = form.querySelector("textarea[name=" + name + "]");
      if (!area) return;
      lists.push(new List(area, "condition", conditionRow, currentKind));
    });
    var actions = form.querySelector("textarea[name=actions]");
    if (actions) lists.push(new List(actions, "action", actionRow, currentKind));
    lists.forEach(function (list) { list.showErrors(errorsOf(list.textarea)); });

    function applyKind() {
      if (events) events.hidden = currentKind() !== "trigger";
      lists.forEach(function (list) {
        list.rows.forEach(function (made) { if (made.applyKind) made.applyKind(); });
      });
    }
    if (kind) kind.addEventListener("change", applyKind);
    applyKind();
    form.addEventListener("submit", function () { lists.forEach(function (list) { list.sync(); }); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
