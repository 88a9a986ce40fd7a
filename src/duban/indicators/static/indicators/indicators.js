// 经济运行 pages: trend and rank charts (ECharts, served locally) drawn from the
// #ind-chart-data JSON script; the print button. No inline scripts (CSP).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  var node = document.getElementById("ind-chart-data");
  if (!node || !window.echarts) return;
  var d = JSON.parse(node.textContent);
  var el = document.getElementById("ind-chart");
  if (!el) return;
  var chart = echarts.init(el);
  if (d.series) {
    // An indicator's trend: every area's growth, this district highlighted, the city dashed.
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 50, right: 20, top: 40, bottom: 60 },
      xAxis: { type: "category", data: d.labels, axisLabel: { rotate: 35, fontSize: 11 } },
      yAxis: { type: "value", name: "增速(%)" },
      series: d.series.map(function (s) {
        return {
          name: s.name, type: "line", data: s.growth, connectNulls: true,
          z: s.home ? 10 : 2, symbolSize: s.home ? 7 : 3,
          lineStyle: { width: s.home ? 4 : 1.2, type: s.city ? "dashed" : "solid",
                       opacity: s.home || s.city ? 1 : 0.55 },
          itemStyle: s.home ? { color: "#c0392b" } : (s.city ? { color: "#333" } : undefined),
        };
      }),
    });
  } else if (d.ranks) {
    // An area's ranks over time (1 at the top).
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 40, right: 20, top: 40, bottom: 60 },
      xAxis: { type: "category", data: d.labels, axisLabel: { rotate: 35, fontSize: 11 } },
      yAxis: { type: "value", name: "名次", inverse: true, min: 1, max: d.peers || null, minInterval: 1 },
      series: d.ranks.map(function (s) {
        return { name: s.name, type: "line", data: s.data, connectNulls: true };
      }),
    });
  }
  window.addEventListener("resize", function () { chart.resize(); });
})();
