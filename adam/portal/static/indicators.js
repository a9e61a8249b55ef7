// The country page's indicator charts (templates/portal/country.html): each figure embeds
// its years and values as JSON; this draws a small bar chart of them with the vendored
// ECharts that the other charts use. The table under each chart is its text alternative.
"use strict";
(() => {
  const INK = "#1b1f24";
  const LINE = "#d0d7de";
  const BAR = "#0b5cad";

  function draw(element) {
    const id = element.dataset.indicatorChart;
    const data = JSON.parse(document.getElementById(`${id}-data`).textContent);
    const language = document.documentElement.lang || "en";
    const number = new Intl.NumberFormat(language);
    const chart = window.echarts.init(element, null, {
      renderer: "svg",
      locale: language === "ru" ? "RU" : "EN",
    });
    chart.setOption({
      animation: false,
      grid: { left: 64, right: 16, top: 16, bottom: 28 },
      tooltip: { trigger: "axis", valueFormatter: (v) => `${number.format(v)} ${data.unit}` },
      xAxis: { type: "category", data: data.years, axisLabel: { color: INK } },
      yAxis: {
        type: "value",
        axisLabel: { color: INK, formatter: (v) => number.format(v) },
        splitLine: { lineStyle: { color: LINE } },
      },
      series: [{ type: "bar", name: data.name, data: data.values, itemStyle: { color: BAR } }],
    });
    window.addEventListener("resize", () => chart.resize());
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!window.echarts) return; // the tables still say it all
    document.querySelectorAll("[data-indicator-chart]").forEach(draw);
  });
})();
