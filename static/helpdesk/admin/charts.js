/*
 * Small bar charts for the agent console, drawn as inline SVG. No libraries.
 *
 *   HelpdeskCharts.bar(element, {labels: [...], series: [{name, values: [...]}, ...]}, {title})
 *
 * Several series give grouped bars. Colours come from CSS classes (hd-series-0, -1, ...)
 * so the admin's light and dark themes both apply; all text is set with textContent.
 * Elements with data-chart-source (the id of a json_script element) and data-chart-key
 * are drawn when the page loads, and redrawn when their width changes.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var PLOT_HEIGHT = 190;
  var MARGIN = { top: 12, right: 8, bottom: 28, left: 36 };
  // Axis text is 11px: about this many pixels a character, and slanted labels are cut at this length.
  var CHAR_WIDTH = 6.2;
  var MAX_SLANTED_CHARS = 16;

  function svgNode(name, attributes, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes || {}).forEach(function (key) {
      node.setAttribute(key, attributes[key]);
    });
    if (parent) parent.appendChild(node);
    return node;
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

  function describe(title, data) {
    // What a screen reader announces for the whole chart: every bar's label and value.
    var parts = data.labels.map(function (label, index) {
      var values = data.series.map(function (series) {
        return (data.series.length > 1 ? series.name + " " : "") + (series.values[index] || 0);
      });
      return label + ": " + values.join(", ");
    });
    return (title ? title + ". " : "") + parts.join("; ") + ".";
  }

  function legend(data) {
    var list = document.createElement("ul");
    list.className = "hd-legend";
    data.series.forEach(function (series, index) {
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "hd-legend__swatch hd-series-" + index;
      swatch.setAttribute("aria-hidden", "true");
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(series.name));
      list.appendChild(item);
    });
    return list;
  }

  function bar(element, data, options) {
    options = options || {};
    var labels = data.labels || [];
    var series = data.series || [];
    var width = Math.max(element.clientWidth || 0, 280);
    var plotWidth = width - MARGIN.left - MARGIN.right;
    var band = labels.length ? plotWidth / labels.length : plotWidth;
    // Labels wider than their band are slanted (and long ones shortened), which needs room below the axis.
    var longest = labels.reduce(function (most, label) {
      return Math.max(most, String(label).length);
    }, 0);
    var slanted = longest * CHAR_WIDTH > band - 4;
    var shown = function (label) {
      label = String(label);
      return slanted && label.length > MAX_SLANTED_CHARS ? label.slice(0, MAX_SLANTED_CHARS - 1) + "\u2026" : label;
    };
    var bottom = MARGIN.bottom + (slanted ? Math.min(longest, MAX_SLANTED_CHARS) * CHAR_WIDTH * 0.65 : 0);
    // The bars keep their height; slanted labels make the chart taller instead.
    var plotHeight = PLOT_HEIGHT;
    var height = Math.ceil(MARGIN.top + plotHeight + bottom);

    var max = 0;
    series.forEach(function (s) {
      s.values.forEach(function (value) {
        max = Math.max(max, value || 0);
      });
    });
    var step = niceStep(max);
    var top = Math.max(Math.ceil(max / step), 1) * step;
    var y = function (value) {
      return MARGIN.top + plotHeight - (value / top) * plotHeight;
    };

    var svg = svgNode("svg", {
      class: "hd-chart__svg",
      viewBox: "0 0 " + width + " " + height,
      width: "100%",
      height: height,
      role: "img",
      "aria-label": describe(options.title, { labels: labels, series: series }),
      focusable: "false",
    });

    // Horizontal gridlines with the value axis labels.
    var grid = svgNode("g", { class: "hd-grid", "aria-hidden": "true" }, svg);
    for (var tick = 0; tick <= top; tick += step) {
      svgNode("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(tick), y2: y(tick) }, grid);
      var tickLabel = svgNode("text", { x: MARGIN.left - 6, y: y(tick), dy: "0.32em", "text-anchor": "end" }, grid);
      tickLabel.textContent = String(tick);
    }

    var barsWidth = band * 0.8;
    var barWidth = series.length ? barsWidth / series.length : barsWidth;
    var bars = svgNode("g", { class: "hd-bars" }, svg);
    labels.forEach(function (label, index) {
      var left = MARGIN.left + index * band + (band - barsWidth) / 2;
      series.forEach(function (s, seriesIndex) {
        var value = s.values[index] || 0;
        var rect = svgNode(
          "rect",
          {
            class: "hd-bar hd-series-" + seriesIndex,
            x: left + seriesIndex * barWidth,
            y: y(value),
            width: Math.max(barWidth - 1, 1),
            height: Math.max(y(0) - y(value), 0),
          },
          bars
        );
        // The tooltip a pointer shows over a bar.
        svgNode("title", {}, rect).textContent = label + (series.length > 1 ? " · " + s.name : "") + ": " + value;
      });
    });

    // The category axis and its labels.
    var axis = svgNode("g", { class: "hd-axis", "aria-hidden": "true" }, svg);
    svgNode("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(0), y2: y(0) }, axis);
    labels.forEach(function (label, index) {
      var x = MARGIN.left + (index + 0.5) * band;
      var text = svgNode("text", { x: x, y: y(0) + 16, "text-anchor": slanted ? "end" : "middle" }, axis);
      if (slanted) text.setAttribute("transform", "rotate(-40 " + x + " " + (y(0) + 16) + ")");
      text.textContent = shown(label);
      // The whole label on hover when it had to be shortened.
      if (text.textContent !== String(label)) svgNode("title", {}, text).textContent = String(label);
    });

    element.textContent = "";
    element.appendChild(svg);
    if (series.length) element.appendChild(legend({ series: series }));
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
