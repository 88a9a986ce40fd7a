// Dashboard charts (ECharts, served locally). Data comes from the #chart-data JSON script.
(function () {
  "use strict";
  var node = document.getElementById("chart-data");
  if (!node || !window.echarts) return;
  var d = JSON.parse(node.textContent);
  var charts = [];
  function make(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el);
    chart.setOption(option);
    charts.push(chart);
  }
  var pct = { type: "value", name: "%", min: 0, max: 100 };
  make("chart-trend", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 40, top: 40, bottom: 30 },
    xAxis: { type: "category", data: d.months },
    yAxis: [{ type: "value", name: "件" }, pct],
    series: [
      { name: "派单量", type: "bar", data: d.volume, itemStyle: { color: "#9fb7d9" } },
      { name: "响应率", type: "line", yAxisIndex: 1, data: d.response, connectNulls: true },
      { name: "解决率", type: "line", yAxisIndex: 1, data: d.resolution, connectNulls: true },
      { name: "满意率", type: "line", yAxisIndex: 1, data: d.satisfaction, connectNulls: true },
    ],
  });
  make("chart-category", {
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["35%", "70%"], data: d.categories, label: { fontSize: 11 } }],
  });
  make("chart-units", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 20, top: 40, bottom: 70 },
    xAxis: { type: "category", data: d.units, axisLabel: { rotate: 35, fontSize: 11 } },
    yAxis: { type: "value" },
    series: [
      { name: "派单量", type: "bar", data: d.unit_volume },
      { name: "超期件", type: "bar", data: d.unit_overdue, itemStyle: { color: "#c0392b" } },
    ],
  });
  // Heat by place: streets → villages/communities; area = ticket volume (no map tiles).
  if (d.places && d.places.length) make("chart-places", {
    tooltip: { formatter: function (p) { return p.name + "：" + p.value + " 件"; } },
    series: [{
      type: "treemap", data: d.places, roam: false, nodeClick: "zoomToNode",
      leafDepth: 2, breadcrumb: { show: true, bottom: 0 },
      label: { formatter: "{b}\n{c}", fontSize: 11 },
      upperLabel: { show: true, height: 20 },
      levels: [
        { itemStyle: { borderColor: "#fff", borderWidth: 3, gapWidth: 3 } },
        { colorSaturation: [0.35, 0.6], itemStyle: { borderColorSaturation: 0.7, gapWidth: 1, borderWidth: 1 } },
      ],
    }],
  });
  // A village's (or a street's unplaced) block opens the tickets it counts.
  charts.forEach(function (c) {
    c.on("click", function (p) {
      if (p.data && p.data.href && !p.data.children) window.location.href = p.data.href;
    });
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
