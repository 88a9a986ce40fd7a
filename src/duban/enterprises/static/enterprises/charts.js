// The enterprise service's dashboard charts (ECharts, served locally); data from #ent-chart-data.
(function () {
  "use strict";
  var node = document.getElementById("ent-chart-data");
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
  make("ent-chart-categories", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 20, top: 40, bottom: 30 },
    xAxis: { type: "category", data: d.categories },
    yAxis: { type: "value", name: "个" },
    series: [
      { name: "问题数", type: "bar", data: d.category_problems, itemStyle: { color: "#9fb7d9" } },
      { name: "已解决", type: "bar", data: d.category_solved },
    ],
  });
  make("ent-chart-levels", {
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["35%", "70%"], data: d.levels }],
  });
  make("ent-chart-trend", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 20, top: 40, bottom: 30 },
    xAxis: { type: "category", data: d.months },
    yAxis: pct,
    series: [
      { name: "解决率", type: "line", data: d.resolution, connectNulls: true },
      { name: "满意率", type: "line", data: d.satisfaction, connectNulls: true },
    ],
  });
  make("ent-chart-services", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 40, top: 40, bottom: 60 },
    xAxis: { type: "category", data: d.services, axisLabel: { rotate: 30, fontSize: 11 } },
    yAxis: [{ type: "value", name: "件" }, pct],
    series: [
      { name: "代办件", type: "bar", data: d.service_cases },
      { name: "完成率", type: "line", yAxisIndex: 1, data: d.service_completion },
    ],
  });
  make("ent-chart-coverage", {
    tooltip: { trigger: "axis" },
    grid: { left: 40, right: 20, top: 20, bottom: 60 },
    xAxis: { type: "category", data: d.groups, axisLabel: { rotate: 30, fontSize: 11 } },
    yAxis: pct,
    series: [{ name: "走访覆盖率", type: "bar", data: d.group_coverage }],
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
