// The inspections dashboard's charts (ECharts, served locally); data from #insp-chart-data.
(function () {
  "use strict";
  var node = document.getElementById("insp-chart-data");
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
  make("chart-items", {
    tooltip: { trigger: "axis" },
    grid: { left: 130, right: 20, top: 10, bottom: 30 },
    xAxis: { type: "value", name: "个" },
    yAxis: { type: "category", data: d.items, axisLabel: { fontSize: 11 } },
    series: [{ name: "问题数", type: "bar", data: d.item_counts, itemStyle: { color: "#c0392b" } }],
  });
  make("chart-boards", {
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["35%", "70%"], data: d.boards, label: { fontSize: 11 } }],
  });
  make("chart-streets", {
    tooltip: { trigger: "axis" },
    grid: { left: 40, right: 20, top: 20, bottom: 40 },
    xAxis: { type: "category", data: d.streets },
    yAxis: { type: "value", min: function (v) { return Math.max(0, Math.floor(v.min - 1)); }, max: 100 },
    series: [{ name: "平均得分", type: "bar", data: d.street_scores, itemStyle: { color: "#2f6db5" } }],
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
