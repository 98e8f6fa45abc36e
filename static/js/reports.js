// Report charts: every [data-chart] element holds its figures as JSON (no inline script, for
// the Content-Security-Policy); this file draws them with ECharts once the fragment is in.
// The table beside each chart carries the same figures. SVG renderer on phones.
(function () {
  "use strict";

  var PALETTE = ["#0d6efd", "#adb5bd", "#198754", "#ced4da", "#fd7e14", "#6f42c1"];

  function narrow() { return window.matchMedia("(max-width: 575.98px)").matches; }

  function funnelOption(spec) {
    var data = spec.labels.map(function (label, i) { return { name: label, value: spec.values[i] }; });
    return {
      color: PALETTE,
      tooltip: { trigger: "item", formatter: "{b}: {c}" },
      series: [{
        type: "funnel", sort: "none", left: "10%", width: "80%", top: 10, bottom: 10, gap: 2, minSize: "8%",
        label: { show: true, position: "inside", formatter: "{b} {c}" },
        data: data
      }]
    };
  }

  function barOption(spec) {
    var small = narrow() || spec.compact;
    return {
      color: PALETTE,
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll", show: spec.series.length > 1 },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: spec.labels, axisLabel: { interval: 0, rotate: small || spec.labels.length > 6 ? 40 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: spec.series.map(function (s) {
        var series = { type: s.type || spec.series_type || "bar", name: s.name, data: s.values };
        if (spec.stack && series.type === "bar") { series.stack = "total"; }
        if (series.type === "line") { series.smooth = true; }
        return series;
      })
    };
  }

  function draw(el) {
    if (el.dataset.chartReady || typeof echarts === "undefined") { return; }
    var spec;
    try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
    el.dataset.chartReady = "1";
    var chart = echarts.init(el, null, { renderer: narrow() ? "svg" : "canvas" });
    chart.setOption(spec.type === "funnel" ? funnelOption(spec) : barOption(spec));
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.body.addEventListener("htmx:afterSettle", function (event) { drawAll(event.detail.elt); });
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || typeof echarts === "undefined") { return; }
    target.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el);
      if (chart) { chart.dispose(); }
    });
  });
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      document.querySelectorAll("[data-chart]").forEach(function (el) {
        var chart = typeof echarts !== "undefined" && echarts.getInstanceByDom(el);
        if (chart) { chart.resize(); }
      });
    }, 150);
  });
  drawAll(document);
})();
