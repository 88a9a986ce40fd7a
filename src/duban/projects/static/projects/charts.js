// Project charts (ECharts, served locally). Data comes from json_script blocks.
(function () {
  "use strict";
  if (!window.echarts) return;
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function make(id, option) {
    var el = document.getElementById(id);
    if (!el) return null;
    var chart = echarts.init(el);
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }
  var p = data("project-chart-data");
  if (p) make("chart-plan", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 60, right: 20, top: 40, bottom: 30 },
    xAxis: { type: "category", data: p.months },
    yAxis: { type: "value", name: "万元" },
    series: [
      { name: "计划累计", type: "line", data: p.plan, lineStyle: { type: "dashed" } },
      { name: "实际累计", type: "bar", data: p.actual, itemStyle: { color: "#3b73b9" } },
    ],
  });
  var d = data("project-dashboard-data");
  if (d) {
    make("chart-levels", {
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 20, top: 20, bottom: 30 },
      xAxis: { type: "category", data: d.levels },
      yAxis: { type: "value", name: "%" },
      series: [{ type: "bar", data: d.level_rate, label: { show: true, position: "top" } }],
    });
    make("chart-funnel", {
      tooltip: { trigger: "item" },
      series: [{ type: "funnel", sort: "none", data: d.funnel, label: { formatter: "{b} {c}" } }],
    });
    make("chart-chains", {
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 20, top: 20, bottom: 40 },
      xAxis: { type: "category", data: d.chains },
      yAxis: { type: "value", name: "%" },
      series: [{ type: "bar", data: d.chain_rate, label: { show: true, position: "top" } }],
    });
  }
})();
