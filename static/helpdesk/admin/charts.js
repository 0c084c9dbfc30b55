/*
 * Small bar charts for the agent console, drawn as inline SVG. No libraries, nothing fetched.
 *
 *   HelpdeskCharts.bar(element, data, {title})
 *
 * data = {
 *   labels: [...],            text under each bar group (short: "Nov 5")
 *   titles: [...],            optional, the whole name of each group for the tooltip ("Thu, Nov 5, 2026")
 *   axis: "time"|"category",  a time axis shows every Nth label so none overlap; a category axis
 *                             shows them all, slanted (and shortened) when they do not fit
 *   unit: "%" | "",           appended to values in tooltips and on the value axis
 *   max: 100,                 optional fixed top of the value axis
 *   series: [{name, values: [number | null, ...]}, ...]
 * }
 *
 * A value of 0 is drawn as a thin bar on the baseline; null (no data: nothing to measure) as a
 * hollow dashed box, so the two never look alike. Hovering a group, or focusing the chart and
 * moving with the arrow keys, shows a tooltip with the group's name and every series' value.
 * Colours come from CSS classes (hd-series-0, -1, ...) so the admin's light and dark themes both
 * apply; all text is set with textContent. Elements with data-chart-source (the id of a
 * json_script element) and data-chart-key are drawn when the page loads, and redrawn when their
 * width changes.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var PLOT_HEIGHT = 190;
  var MARGIN = { top: 12, right: 8, bottom: 28, left: 40 };
  // Axis text is 11px: about this many pixels a character when it cannot be measured.
  var CHAR_WIDTH = 6.2;
  var MAX_SLANTED_CHARS = 16;
  // Space kept between two axis labels, in pixels.
  var LABEL_GAP = 8;
  // Every how many groups a time axis may show a label: days, then weeks, fortnights, months.
  var LABEL_STEPS = [1, 2, 3, 4, 5, 7, 14, 21, 28, 30, 60, 90, 180, 365];
  var ZERO_HEIGHT = 2;
  var NONE_HEIGHT = 8;
  var NO_DATA = "no data";

  function svgNode(name, attributes, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes || {}).forEach(function (key) {
      node.setAttribute(key, attributes[key]);
    });
    if (parent) parent.appendChild(node);
    return node;
  }

  function isNumber(value) {
    return typeof value === "number" && isFinite(value);
  }

  function formatValue(value, unit) {
    if (!isNumber(value)) return NO_DATA;
    var text = Math.round(value) === value ? String(value) : value.toFixed(1);
    return unit ? text + "\u00a0" + unit : text;
  }

  // A step of 1, 2 or 5 times a power of ten giving about four whole-number gridlines.
  function niceStep(max) {
    var raw = Math.max(max / 4, 1);
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      if (steps[i] * power >= raw) return steps[i] * power;
    }
    return 10 * power;
  }

  function titleOf(data, index) {
    return String((data.titles && data.titles[index]) || data.labels[index]);
  }

  // One line per series: "Created: 3".
  function groupLines(data, index) {
    return data.series.map(function (series) {
      return series.name + ": " + formatValue(series.values[index], data.unit);
    });
  }

  function describe(title, data) {
    // What a screen reader announces for the whole chart: every group's name and values.
    var parts = data.labels.map(function (label, index) {
      return titleOf(data, index) + ": " + groupLines(data, index).join(", ");
    });
    return (title ? title + ". " : "") + parts.join("; ") + ".";
  }

  function legend(data, withNone) {
    var list = document.createElement("ul");
    list.className = "hd-legend";
    var entries = data.series.map(function (series, index) {
      return { name: series.name, swatch: "hd-legend__swatch hd-series-" + index };
    });
    if (withNone) entries.push({ name: NO_DATA, swatch: "hd-legend__swatch hd-legend__swatch--none" });
    entries.forEach(function (entry) {
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = entry.swatch;
      swatch.setAttribute("aria-hidden", "true");
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(entry.name));
      list.appendChild(item);
    });
    return list;
  }

  // The width of each text node as drawn (estimated when the browser cannot measure, e.g. hidden).
  function textWidths(nodes) {
    return nodes.map(function (node) {
      var measured = 0;
      try {
        measured = node.getComputedTextLength();
      } catch (error) {
        measured = 0;
      }
      return measured || node.textContent.length * CHAR_WIDTH;
    });
  }

  // The smallest step that leaves room for the widest label.
  function labelEvery(widest, band) {
    for (var i = 0; i < LABEL_STEPS.length; i++) {
      if (LABEL_STEPS[i] * band >= widest + LABEL_GAP) return LABEL_STEPS[i];
    }
    return Math.ceil((widest + LABEL_GAP) / band);
  }

  function timeAxis(axis, labels, band, width, baseline) {
    var nodes = labels.map(function (label, index) {
      var x = MARGIN.left + (index + 0.5) * band;
      var text = svgNode("text", { x: x, y: baseline + 16, "text-anchor": "middle", class: "hd-axis__label" }, axis);
      text.textContent = String(label);
      return text;
    });
    var widths = textWidths(nodes);
    var every = labelEvery(Math.max.apply(null, widths.concat([0])), band);
    var last = labels.length - 1;
    nodes.forEach(function (node, index) {
      // Counted back from the last group, so the latest day always has its label.
      if ((last - index) % every !== 0) {
        axis.removeChild(node);
        return;
      }
      var x = MARGIN.left + (index + 0.5) * band;
      svgNode("line", { x1: x, x2: x, y1: baseline, y2: baseline + 4, class: "hd-axis__tick" }, axis);
      // Kept inside the drawing at both ends.
      if (x + widths[index] / 2 > width) {
        node.setAttribute("text-anchor", "end");
        node.setAttribute("x", width);
      } else if (x - widths[index] / 2 < 0) {
        node.setAttribute("text-anchor", "start");
        node.setAttribute("x", 0);
      }
    });
    return 0;
  }

  function categoryAxis(axis, labels, band, baseline) {
    var longest = labels.reduce(function (most, label) {
      return Math.max(most, String(label).length);
    }, 0);
    var slanted = longest * CHAR_WIDTH > band - 4;
    labels.forEach(function (label, index) {
      label = String(label);
      var x = MARGIN.left + (index + 0.5) * band;
      var text = svgNode(
        "text",
        { x: x, y: baseline + 16, "text-anchor": slanted ? "end" : "middle", class: "hd-axis__label" },
        axis
      );
      if (slanted) text.setAttribute("transform", "rotate(-40 " + x + " " + (baseline + 16) + ")");
      text.textContent =
        slanted && label.length > MAX_SLANTED_CHARS ? label.slice(0, MAX_SLANTED_CHARS - 1) + "\u2026" : label;
    });
    // Slanted labels need room below the axis: the chart grows taller, the bars keep their height.
    return slanted ? Math.min(longest, MAX_SLANTED_CHARS) * CHAR_WIDTH * 0.65 : 0;
  }

  function tooltipFor(element) {
    var tip = document.createElement("div");
    tip.className = "hd-tooltip";
    tip.setAttribute("role", "status");
    tip.hidden = true;
    element.appendChild(tip);
    return tip;
  }

  function bar(element, data, options) {
    options = options || {};
    data = {
      labels: data.labels || [],
      titles: data.titles || null,
      axis: data.axis || "category",
      unit: data.unit || "",
      max: data.max,
      series: data.series || [],
    };
    var labels = data.labels;
    var series = data.series;
    var width = Math.max(element.clientWidth || 0, 280);
    var plotWidth = width - MARGIN.left - MARGIN.right;
    var band = labels.length ? plotWidth / labels.length : plotWidth;
    var plotHeight = PLOT_HEIGHT;

    var max = 0;
    var anyNone = false;
    series.forEach(function (s) {
      labels.forEach(function (label, index) {
        var value = s.values[index];
        if (isNumber(value)) max = Math.max(max, value);
        else anyNone = true;
      });
    });
    var step = isNumber(data.max) ? data.max / 4 : niceStep(max);
    var top = isNumber(data.max) ? data.max : Math.max(Math.ceil(max / step), 1) * step;
    var y = function (value) {
      return MARGIN.top + plotHeight - (value / top) * plotHeight;
    };
    var baseline = y(0);

    var svg = svgNode("svg", {
      class: "hd-chart__svg",
      width: "100%",
      role: "img",
      "aria-label": describe(options.title, data),
      focusable: "false",
    });
    element.textContent = "";
    element.appendChild(svg); // in the document first, so the labels can be measured

    // Horizontal gridlines with the value axis labels.
    var grid = svgNode("g", { class: "hd-grid", "aria-hidden": "true" }, svg);
    for (var tick = 0; tick <= top + 1e-9; tick += step) {
      svgNode("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(tick), y2: y(tick) }, grid);
      var tickLabel = svgNode("text", { x: MARGIN.left - 6, y: y(tick), dy: "0.32em", "text-anchor": "end" }, grid);
      tickLabel.textContent = formatValue(Math.round(tick * 10) / 10, data.unit === "%" ? "%" : "").replace("\u00a0", "");
    }

    // Highlight of the group under the pointer or the keyboard focus, behind the bars.
    var highlight = svgNode(
      "rect",
      { class: "hd-highlight", x: 0, y: MARGIN.top, width: band, height: plotHeight, visibility: "hidden" },
      svg
    );

    var barsWidth = band * 0.8;
    var barWidth = series.length ? barsWidth / series.length : barsWidth;
    var bars = svgNode("g", { class: "hd-bars", "aria-hidden": "true" }, svg);
    labels.forEach(function (label, index) {
      var left = MARGIN.left + index * band + (band - barsWidth) / 2;
      series.forEach(function (s, seriesIndex) {
        var value = s.values[index];
        var x = left + seriesIndex * barWidth;
        var w = Math.max(barWidth - 1, 1);
        if (!isNumber(value)) {
          svgNode(
            "rect",
            { class: "hd-bar hd-bar--none", x: x + 0.5, y: baseline - NONE_HEIGHT, width: Math.max(w - 1, 1), height: NONE_HEIGHT },
            bars
          );
        } else if (value === 0) {
          svgNode(
            "rect",
            { class: "hd-bar hd-bar--zero hd-series-" + seriesIndex, x: x, y: baseline - ZERO_HEIGHT, width: w, height: ZERO_HEIGHT },
            bars
          );
        } else {
          svgNode(
            "rect",
            {
              class: "hd-bar hd-series-" + seriesIndex,
              x: x,
              y: y(value),
              width: w,
              height: Math.max(baseline - y(value), 1),
            },
            bars
          );
        }
      });
    });

    // The category axis and its labels.
    var axis = svgNode("g", { class: "hd-axis", "aria-hidden": "true" }, svg);
    svgNode("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: baseline, y2: baseline }, axis);
    var extra =
      data.axis === "time" ? timeAxis(axis, labels, band, width, baseline) : categoryAxis(axis, labels, band, baseline);
    var height = Math.ceil(MARGIN.top + plotHeight + MARGIN.bottom + extra);
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.setAttribute("height", height);

    // Pointer targets: one full-height strip per group, the tooltip names the group and its values.
    var tip = tooltipFor(element);
    var active = -1;
    function show(index) {
      if (index < 0 || index >= labels.length) return;
      active = index;
      var left = MARGIN.left + index * band;
      highlight.setAttribute("x", left);
      highlight.setAttribute("visibility", "visible");
      tip.textContent = "";
      var head = document.createElement("strong");
      head.textContent = titleOf(data, index);
      tip.appendChild(head);
      groupLines(data, index).forEach(function (line) {
        var row = document.createElement("span");
        row.textContent = line;
        tip.appendChild(row);
      });
      tip.hidden = false;
      // Above the group, kept inside the chart's box (the SVG is drawn 1:1 in CSS pixels).
      var scale = svg.getBoundingClientRect().width / width || 1;
      var center = (left + band / 2) * scale;
      var room = element.clientWidth || width;
      var tipWidth = tip.offsetWidth;
      tip.style.left = Math.max(0, Math.min(center - tipWidth / 2, room - tipWidth)) + "px";
      tip.style.top = Math.max(0, MARGIN.top * scale) + "px";
    }
    function hide() {
      active = -1;
      tip.hidden = true;
      highlight.setAttribute("visibility", "hidden");
    }
    var hits = svgNode("g", { class: "hd-hits" }, svg);
    labels.forEach(function (label, index) {
      var hit = svgNode(
        "rect",
        { class: "hd-hit", x: MARGIN.left + index * band, y: MARGIN.top, width: band, height: plotHeight + 20 },
        hits
      );
      hit.setAttribute("data-index", index);
      hit.addEventListener("mouseenter", function () {
        show(index);
      });
    });
    svg.addEventListener("mouseleave", function () {
      if (document.activeElement !== element) hide();
    });

    // Keyboard: the chart is one stop in the tab order; arrows move between groups.
    if (labels.length) {
      element.tabIndex = 0;
      element.setAttribute("aria-keyshortcuts", "ArrowLeft ArrowRight Home End Escape");
      element.onfocus = function () {
        show(active >= 0 ? active : labels.length - 1);
      };
      element.onblur = hide;
      element.onkeydown = function (event) {
        var next = { ArrowLeft: active - 1, ArrowRight: active + 1, Home: 0, End: labels.length - 1 }[event.key];
        if (event.key === "Escape") {
          hide();
          return;
        }
        if (next === undefined) return;
        event.preventDefault();
        show(Math.max(0, Math.min(labels.length - 1, next)));
      };
    }

    if (series.length) element.appendChild(legend({ series: series }, anyNone));
    return svg;
  }

  function drawAll() {
    document.querySelectorAll("[data-chart-source][data-chart-key]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-chart-source"));
      if (!source) return;
      var data = JSON.parse(source.textContent)[element.getAttribute("data-chart-key")];
      if (!data) return;
      bar(element, data, { title: element.getAttribute("data-chart-title") || "" });
    });
  }

  window.HelpdeskCharts = { bar: bar, drawAll: drawAll };

  function start() {
    drawAll();
    var timer = null;
    var lastWidth = window.innerWidth;
    window.addEventListener("resize", function () {
      if (window.innerWidth === lastWidth) return;
      lastWidth = window.innerWidth;
      clearTimeout(timer);
      timer = setTimeout(drawAll, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
