/*
 * The automation rule builder: conditions and actions as rows of selects and inputs in words, over
 * the rule form's JSON fields. The JSON textareas stay the source of truth: every change in the
 * builder rewrites them, the server validates them as it always did (its "Condition 2: ..." and
 * "Action 1: ..." messages are shown on the rows they name), and without JavaScript they are the form.
 * "Edit as JSON" shows a textarea again for what the builder cannot show.
 * The fields, operators, actions and the desk's choices come from the page (automations/admin.py); the
 * controls of each value and action from rule-builder-editors.js.
 */
(function () {
  "use strict";

  var data, uid, el, cell, option, fieldNamed, valueEditor, actionEditor, MANY;

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
      editor = actionEditor(kind, current);
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
    var editors = window.helpdeskRuleEditors(data);
    uid = editors.uid;
    el = editors.el;
    cell = editors.cell;
    option = editors.option;
    fieldNamed = editors.fieldNamed;
    valueEditor = editors.valueEditor;
    actionEditor = editors.actionEditor;
    MANY = editors.MANY;
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
