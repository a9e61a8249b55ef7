// The portal's charts (templates/portal/charts.html): each <figure> embeds the stats API's
// JSON answer and what to draw of it; this draws it with ECharts (SVG renderer, so the SVG
// download is the chart itself) and offers it as PNG and SVG. The table under each chart is
// its text alternative; the chart itself is hidden from screen readers.
"use strict";
(() => {
  const INK = "#1b1f24";
  const MUTED = "#57606a";
  const LINE = "#d0d7de";
  // Colour-blind-safe, print-friendly (Okabe-Ito, then Tableau's muted tones).
  const PALETTE = ["#0b5cad", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#6e7f80",
    "#f0c400", "#8c564b", "#9467bd", "#17becf", "#bcbd22"];
  const MAX_SERIES = 10; // stacked groups drawn one by one; the rest as "Others"
  // Single quotes: ECharts writes the family unescaped into the SVG's style attributes.
  const FONT = "system-ui, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif";

  const read = (id) => JSON.parse(document.getElementById(id).textContent);

  function formats(language) {
    return {
      count: new Intl.NumberFormat(language),
      amount: new Intl.NumberFormat(language, { maximumFractionDigits: 0 }),
      compact: new Intl.NumberFormat(language, { notation: "compact", maximumFractionDigits: 1 }),
    };
  }

  // The value a row contributes to the chart: its projects, or its budget in the currency.
  function valueOf(row, figure) {
    if (figure.measure !== "budget") return row.projects ?? row.active ?? 0;
    const found = (row.budget || []).find((b) => b.currency === figure.currency);
    return found ? Number(found.amount) : 0;
  }

  function measureName(figure) {
    return figure.measure === "budget"
      ? `${figure.texts.budget} (${figure.currency})`
      : figure.texts.projects;
  }

  // Categories in the order a reader expects: years ascending, the rest largest first.
  function ordered(names, totals, isYear) {
    const unique = [...new Set(names)];
    if (isYear) return unique.sort((a, b) => (Number(a) || 1e9) - (Number(b) || 1e9));
    return unique.sort((a, b) => (totals.get(b) || 0) - (totals.get(a) || 0));
  }

  function totalsBy(figure, answer, index) {
    const totals = new Map();
    answer.rows.forEach((row, i) => {
      const name = figure.names[i][index];
      totals.set(name, (totals.get(name) || 0) + valueOf(row, figure));
    });
    return totals;
  }

  // How many lines a text takes at ``size`` px in ``width`` px (for the title's height).
  function lines(text, width, size) {
    if (!text) return 0;
    return text.split("\n").reduce((n, part) => n + Math.max(1, Math.ceil((part.length * size * 0.55) / width)), 0);
  }

  function titleOption(figure, width) {
    const sub = [figure.subtitle, figure.left_out].filter(Boolean).join("\n");
    const inner = Math.max(200, width - 32);
    const height = 16 + lines(figure.title, inner, 16) * 22 + lines(sub, inner, 12) * 17 + 12;
    return {
      height,
      option: {
        text: figure.title,
        subtext: sub,
        left: 16,
        top: 12,
        itemGap: 6,
        textStyle: { color: INK, fontSize: 16, fontWeight: 700, fontFamily: FONT, width: inner, overflow: "break", lineHeight: 22 },
        subtextStyle: { color: MUTED, fontSize: 12, fontFamily: FONT, width: inner, overflow: "break", lineHeight: 17 },
      },
    };
  }

  function tooltip(figure, fmt) {
    // Drawn inside the chart (richText): the HTML tooltip writes inline styles, which the
    // pages' Content-Security-Policy refuses.
    const number = figure.measure === "budget" ? fmt.amount : fmt.count;
    return {
      trigger: "item", renderMode: "richText", confine: true, textStyle: { fontFamily: FONT },
      formatter: (p) => `${p.name}\n${p.seriesName}: ${number.format(Array.isArray(p.value) ? p.value[2] : p.value)}`,
    };
  }

  // Names beside the bars take at most a third of a narrow chart.
  const labelWidth = (width) => Math.round(Math.min(240, Math.max(90, width * 0.3)));
  const LABEL_SIZE = 12;
  const LABEL_LINE = 15;

  // Lines a name takes when ECharts breaks it at spaces into ``width`` px. A letter is taken
  // as 0.65 of the font size: Cyrillic in the sans-serif fonts is that wide, wider than Latin.
  function wrappedLines(text, width, size) {
    const perLine = Math.max(1, Math.floor(width / (size * 0.65)));
    let count = 1;
    let used = 0;
    for (const word of String(text).split(/\s+/)) {
      const length = Math.min(word.length, perLine);
      if (used && used + 1 + length > perLine) {
        count += 1;
        used = length;
      } else {
        used += (used ? 1 : 0) + length;
      }
    }
    return count;
  }

  // Height of a row of bars: enough for the longest name's lines, so that names wrapped over
  // three or four lines (long Russian theme names) do not run into their neighbours.
  function rowHeight(names, width) {
    const most = Math.max(1, ...names.map((name) => wrappedLines(name, labelWidth(width), LABEL_SIZE)));
    return Math.max(40, most * LABEL_LINE + 12);
  }

  function barsOption(answer, figure, fmt, width) {
    const by = figure.by;
    const isYear = by[0] === "year";
    const first = ordered(figure.names.map((n) => n[0]), totalsBy(figure, answer, 0), isYear);
    const horizontal = !isYear;
    const format = (v) => (figure.measure === "budget" ? fmt.compact.format(v) : fmt.count.format(v));
    let series;
    let legend = null;
    if (by.length === 1) {
      const values = new Map(answer.rows.map((row, i) => [figure.names[i][0], valueOf(row, figure)]));
      series = [{
        type: "bar",
        name: measureName(figure),
        data: first.map((name) => values.get(name) || 0),
        itemStyle: { color: PALETTE[0] },
        barMaxWidth: 28,
        label: { show: true, position: horizontal ? "right" : "top", color: INK, formatter: (p) => format(p.value) },
      }];
    } else {
      const seconds = ordered(figure.names.map((n) => n[1]), totalsBy(figure, answer, 1), by[1] === "year");
      const shown = seconds.slice(0, MAX_SERIES);
      const grouped = seconds.length > shown.length + 1;
      const names = grouped ? [...shown, figure.texts.other] : seconds;
      const cells = new Map(names.map((name) => [name, new Map()]));
      answer.rows.forEach((row, i) => {
        const [a, b] = figure.names[i];
        const series = cells.get(names.includes(b) ? b : figure.texts.other);
        series.set(a, (series.get(a) || 0) + valueOf(row, figure));
      });
      series = names.map((name, n) => ({
        type: "bar",
        name,
        stack: "total",
        data: first.map((category) => cells.get(name).get(category) || 0),
        itemStyle: { color: PALETTE[n % PALETTE.length] },
        barMaxWidth: 32,
        emphasis: { focus: "series" },
      }));
      legend = names;
    }
    const categories = { type: "category", data: first, inverse: horizontal,
      axisLabel: { color: INK, width: labelWidth(width), overflow: "break", lineHeight: LABEL_LINE, fontSize: LABEL_SIZE, fontFamily: FONT, interval: 0 },
      axisTick: { show: false }, axisLine: { lineStyle: { color: LINE } } };
    const values = { type: "value", name: measureName(figure), nameLocation: "middle", nameGap: 30,
      nameTextStyle: { color: MUTED }, minInterval: figure.measure === "budget" ? 0 : 1,
      axisLabel: { color: MUTED, formatter: (v) => format(v) }, splitLine: { lineStyle: { color: "#eaeef2" } } };
    const side = legend && width >= 720;
    return {
      series,
      legend: legend && {
        data: legend,
        type: "plain",
        orient: side ? "vertical" : "horizontal",
        right: side ? 16 : "center",
        top: side ? "middle" : undefined,
        bottom: side ? undefined : 8,
        textStyle: { color: INK, width: 180, overflow: "truncate", fontFamily: FONT },
        tooltip: { show: true },
      },
      xAxis: horizontal ? values : categories,
      yAxis: horizontal ? categories : values,
      categories: first.length,
      rowHeight: horizontal ? rowHeight(first, width) : 40,
      legendRows: legend ? (side ? 0 : Math.ceil(legend.length / Math.max(1, Math.floor(width / 200)))) : 0,
      side,
    };
  }

  function matrixOption(answer, figure, fmt, width) {
    const rows = ordered(figure.names.map((n) => n[0]), totalsBy(figure, answer, 0), false);
    const columns = ordered(figure.names.map((n) => n[1]), totalsBy(figure, answer, 1), false);
    const budgetOf = (row) => {
      const found = (row.budget || []).find((b) => b.currency === figure.currency);
      return found ? Number(found.amount) : 0;
    };
    const data = answer.rows.map((row, i) => ({
      value: [columns.indexOf(figure.names[i][1]), rows.indexOf(figure.names[i][0]), valueOf(row, figure)],
      row: i,
      projects: row.projects,
      budget: budgetOf(row),
    })).filter((cell) => cell.projects > 0);
    const max = Math.max(1, ...data.map((cell) => cell.value[2]));
    const format = (v) => (figure.measure === "budget" ? fmt.compact.format(v) : fmt.count.format(v));
    const budgetText = (cell) => (cell.budget ? `${fmt.compact.format(cell.budget)} ${figure.currency}` : "");
    return {
      series: [{
        type: "heatmap",
        name: measureName(figure),
        data,
        label: {
          show: true, color: INK, fontFamily: FONT, lineHeight: 16,
          formatter: (p) => [`{n|${fmt.count.format(p.data.projects)}}`, budgetText(p.data)].filter(Boolean).join("\n"),
          rich: { n: { fontSize: 14, fontWeight: 700, color: INK } },
        },
        itemStyle: { borderColor: "#fff", borderWidth: 2 },
        emphasis: { itemStyle: { borderColor: INK, borderWidth: 2 } },
        cursor: "pointer",
        tooltip: {
          formatter: (p) => [
            `${rows[p.value[1]]} · ${columns[p.value[0]]}`,
            `${figure.texts.projects}: ${fmt.count.format(p.data.projects)}`,
            figure.currency ? `${figure.texts.budget} (${figure.currency}): ${fmt.amount.format(p.data.budget)}` : "",
            figure.links[p.data.row] ? figure.texts.open : "",
          ].filter(Boolean).join("\n"),
        },
      }],
      visualMap: {
        min: 0, max, calculable: false, orient: "horizontal", left: "center", bottom: 8,
        itemWidth: 14, itemHeight: 180, text: [format(max), "0"], textStyle: { color: MUTED },
        inRange: { color: ["#eef5fc", "#a9cdf0", "#5b9bd9"] },
        formatter: (v) => format(v),
      },
      xAxis: { type: "category", data: columns, position: "top", splitArea: { show: false },
        axisLabel: { color: INK, interval: 0, rotate: columns.length > 6 ? 30 : 0, width: 140, overflow: "truncate", fontFamily: FONT },
        axisTick: { show: false }, axisLine: { lineStyle: { color: LINE } } },
      yAxis: { type: "category", data: rows, inverse: true,
        axisLabel: { color: INK, width: labelWidth(width), overflow: "break", lineHeight: 15, fontFamily: FONT },
        axisTick: { show: false }, axisLine: { lineStyle: { color: LINE } } },
      categories: rows.length,
      legendRows: 0,
      matrix: true,
      topExtra: columns.length > 6 ? 70 : 30,
    };
  }

  function timelineOption(answer, figure, fmt, width) {
    const years = answer.years.map(String);
    const format = (v) => (figure.measure === "budget" ? fmt.compact.format(v) : fmt.count.format(v));
    const by = figure.by;
    const currency = figure.currency;
    const budgetOf = (row) => {
      const found = (row.budget || []).find((b) => b.currency === currency);
      return found ? Number(found.amount) : 0;
    };
    let series;
    let legend;
    const axes = [{ type: "value", name: by.length || figure.measure !== "budget" ? measureName(figure) : figure.texts.running,
      nameTextStyle: { color: MUTED }, minInterval: 1, axisLabel: { color: MUTED, formatter: (v) => format(v) },
      splitLine: { lineStyle: { color: "#eaeef2" } } }];
    if (by.length) {
      const totals = totalsBy(figure, answer, 0);
      const groups = ordered(figure.names.map((n) => n[0]), totals, false);
      const shown = groups.length > MAX_SERIES + 1 ? groups.slice(0, MAX_SERIES) : groups;
      const names = shown.length < groups.length ? [...shown, figure.texts.other] : shown;
      const cells = new Map(names.map((name) => [name, new Map()]));
      answer.rows.forEach((row, i) => {
        const name = figure.names[i][0];
        const series = cells.get(names.includes(name) ? name : figure.texts.other);
        const year = String(row.year);
        series.set(year, (series.get(year) || 0) + (figure.measure === "budget" ? budgetOf(row) : row.active));
      });
      series = names.map((name, n) => ({ type: "bar", name, stack: "total", barMaxWidth: 36,
        data: years.map((y) => cells.get(name).get(y) || 0), itemStyle: { color: PALETTE[n % PALETTE.length] },
        emphasis: { focus: "series" } }));
      legend = names;
    } else {
      const byYear = new Map(answer.rows.map((row) => [String(row.year), row]));
      series = [{ type: "bar", name: figure.texts.running, barMaxWidth: 36, itemStyle: { color: PALETTE[0] },
        data: years.map((y) => byYear.get(y)?.active || 0),
        label: { show: years.length <= 16, position: "top", color: INK, formatter: (p) => fmt.count.format(p.value) } }];
      legend = [figure.texts.running];
      if (currency) {
        const name = `${figure.texts.budget} (${currency})`;
        axes.push({ type: "value", name, nameTextStyle: { color: MUTED }, position: "right",
          axisLabel: { color: MUTED, formatter: (v) => fmt.compact.format(v) }, splitLine: { show: false } });
        series.push({ type: "line", name, yAxisIndex: 1, symbolSize: 7, itemStyle: { color: PALETTE[1] },
          lineStyle: { width: 3 }, data: years.map((y) => (byYear.has(y) ? budgetOf(byYear.get(y)) : 0)) });
        legend.push(name);
      }
    }
    return {
      series,
      legend: { data: legend, bottom: 8, left: "center", textStyle: { color: INK, fontFamily: FONT } },
      xAxis: { type: "category", data: years, axisLabel: { color: INK }, axisTick: { alignWithLabel: true },
        axisLine: { lineStyle: { color: LINE } } },
      yAxis: axes,
      categories: 0,
      topExtra: 34, // the value axes' names above them
      legendRows: Math.ceil(legend.length / Math.max(1, Math.floor(width / 200))),
    };
  }

  // The whole ECharts option for a figure at ``width`` px, and the height it needs.
  function build(answer, figure, width) {
    const fmt = formats(figure.language);
    const builders = { bars: barsOption, matrix: matrixOption, timeline: timelineOption };
    const parts = builders[figure.kind](answer, figure, fmt, width);
    const title = titleOption(figure, width);
    const top = title.height + (parts.topExtra || 0) + (parts.xAxis.name && parts.xAxis.type === "value" ? 0 : 10);
    const bottom = 40 + parts.legendRows * 24 + (parts.matrix ? 30 : 0);
    const rows = parts.categories;
    const plot = parts.matrix ? Math.max(120, rows * 60) : rows ? Math.max(220, rows * parts.rowHeight) : 320;
    const height = Math.round(top + plot + bottom + 20);
    const option = {
      animation: false,
      backgroundColor: "#ffffff",
      color: PALETTE,
      textStyle: { fontFamily: FONT },
      aria: { enabled: false },
      title: title.option,
      tooltip: tooltip(figure, fmt),
      grid: { left: 16, right: parts.side ? 230 : 40, top, bottom, containLabel: true },
      xAxis: parts.xAxis,
      yAxis: parts.yAxis,
      series: parts.series,
    };
    if (parts.legend) option.legend = parts.legend;
    if (parts.visualMap) option.visualMap = parts.visualMap;
    return { option, height };
  }

  function save(url, filename) {
    const link = document.createElement("a");
    link.href = url;
    link.download = filename;
    document.body.append(link);
    link.click();
    link.remove();
  }

  function draw(figureElement) {
    const id = figureElement.id;
    const container = document.getElementById(`${id}-chart`);
    if (!container || typeof echarts === "undefined") return;
    const answer = read(`${id}-answer`);
    const figure = read(`${id}-figure`);
    const locale = figure.language === "ru" ? "RU" : "EN";
    let built = build(answer, figure, container.clientWidth);
    container.style.height = `${built.height}px`;
    const chart = echarts.init(container, null, { renderer: "svg", locale });
    chart.setOption(built.option);
    chart.on("click", (params) => {
      const link = params.data && params.data.row !== undefined ? figure.links[params.data.row] : null;
      if (link) window.location.assign(link);
    });
    let width = container.clientWidth;
    new ResizeObserver(() => {
      if (container.clientWidth === width) return;
      width = container.clientWidth;
      built = build(answer, figure, width);
      container.style.height = `${built.height}px`;
      chart.resize({ height: built.height });
      chart.setOption(built.option, { notMerge: true });
    }).observe(container);

    const downloads = figureElement.querySelector("[data-chart-downloads]");
    if (downloads) downloads.hidden = false;
    figureElement.querySelector('[data-download="svg"]')?.addEventListener("click", () => {
      const svg = chart.renderToSVGString();
      const blob = new Blob([`<?xml version="1.0" encoding="UTF-8"?>\n${svg}`], { type: "image/svg+xml" });
      const url = URL.createObjectURL(blob);
      save(url, `${figure.filename}.svg`);
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    });
    figureElement.querySelector('[data-download="png"]')?.addEventListener("click", () => {
      // The same option drawn by a canvas renderer, off screen, at twice the resolution.
      const holder = document.createElement("div");
      holder.className = "chart-offscreen";
      holder.style.width = `${container.clientWidth}px`;
      holder.style.height = `${built.height}px`;
      document.body.append(holder);
      const canvas = echarts.init(holder, null, { renderer: "canvas", locale, devicePixelRatio: 2 });
      canvas.setOption(built.option);
      const url = canvas.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
      canvas.dispose();
      holder.remove();
      save(url, `${figure.filename}.png`);
    });
    figureElement.dataset.drawn = "true";
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const figure of document.querySelectorAll("figure.chart-figure")) draw(figure);
  });
})();
