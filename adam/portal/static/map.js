// The map page (/map): draws every country of the vendored Natural Earth atlas with d3-geo,
// coloured by the embedded table (the API's own JSON answer, by=country), with its legend, a
// tooltip on hover and on keyboard focus, links to each country's projects, and PNG and SVG
// downloads of the map with its title and legend. The table under the map is the same data
// for those who cannot see the map; without this script the page shows that table alone.
// With measure "gaps" or "overlaps" the table is the gap layer's (rows of a country with its
// themes with a gap and with an overlap), and a click opens the country's row of /gaps.
"use strict";
(() => {
  const SVG_NS = "http://www.w3.org/2000/svg";
  const WIDTH = 960;
  const HEIGHT = 540;
  const TITLE_BAND = 44;
  // ColorBrewer YlGnBu (its lightest step left out, too close to the neutral grey): readable
  // by people with the common colour-vision deficiencies, and in greyscale print.
  const PALETTE = ["#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"];
  const NEUTRAL = "#e4e7eb";
  const NO_BUDGET = "#b8bec6";
  const UNKNOWN = "#f0f1f3";
  const SEA = "#eef4f9";
  const BORDER = "#ffffff";
  const INK = "#1b1f24";
  const FONT = "system-ui, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif";
  const BINS = 5;
  const ANTARCTICA = "010";
  // Western Russia, the end of the northern route: framing the whole of Russia would reach
  // the Pacific and shrink the routes to a corner.
  const WEST_RUSSIA = [38, 60];

  function readJson(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function svgElement(name, attributes, parent) {
    const element = document.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attributes || {})) element.setAttribute(key, value);
    if (parent) parent.appendChild(element);
    return element;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
  }

  const GAP_MEASURES = ["gaps", "overlaps"];

  // Each country's figures from the table; the measure is a count or one currency's sum.
  function figures(table, measure) {
    const byCode = new Map();
    for (const row of table.rows) {
      if (!row.country) continue;
      if (GAP_MEASURES.includes(measure)) {
        byCode.set(row.country.code, {
          projects: row[measure],
          budget: [],
          value: row[measure],
          gaps: row.gaps,
          overlaps: row.overlaps,
          leftOut: 0,
        });
        continue;
      }
      const inCurrency = row.budget.find((b) => b.currency === measure);
      byCode.set(row.country.code, {
        projects: row.projects,
        budget: row.budget,
        value: measure === "projects" ? row.projects : inCurrency ? Number(inCurrency.amount) : 0,
        leftOut: measure === "projects" ? 0 : row.projects - (inCurrency ? inCurrency.projects : 0),
      });
    }
    return byCode;
  }

  // Upper bounds of at most BINS classes: quantiles of the values, so each colour holds about
  // as many countries; fewer distinct values than BINS give one class each.
  function classBreaks(values) {
    const sorted = [...values].sort((a, b) => a - b);
    const distinct = [...new Set(sorted)];
    if (distinct.length <= BINS) return distinct;
    const breaks = [];
    for (let i = 1; i < BINS; i += 1) breaks.push(d3.quantileSorted(sorted, i / BINS));
    breaks.push(sorted[sorted.length - 1]);
    return [...new Set(breaks)];
  }

  function classify(value, breaks) {
    for (let i = 0; i < breaks.length; i += 1) if (value <= breaks[i]) return i;
    return breaks.length - 1;
  }

  function colourOf(index, count) {
    if (count === 1) return PALETTE[3];
    return PALETTE[Math.round((index * (PALETTE.length - 1)) / (count - 1))];
  }

  function init() {
    const holder = document.getElementById("map");
    const table = readJson("map-table");
    const config = readJson("map-config");
    if (!holder || !table || !config) return;
    const texts = config.texts;
    const locale = config.locale;
    const measure = config.measure;
    const gapLayer = GAP_MEASURES.includes(measure);
    const count = new Intl.NumberFormat(locale);
    const money = (currency, compact) =>
      new Intl.NumberFormat(locale, {
        style: "currency",
        currency,
        maximumFractionDigits: compact ? 1 : 0,
        ...(compact ? { notation: "compact" } : {}),
      });
    const format = (value, compact) =>
      measure === "projects" || gapLayer ? count.format(value) : money(measure, compact).format(value);
    const data = figures(table, measure);

    // Classes over the countries with a value; every country with projects is coloured.
    const values = [...data.values()].map((d) => d.value).filter((v) => v > 0);
    const breaks = classBreaks(values);
    const bins = breaks.map(() => ({ min: Infinity, max: -Infinity }));
    for (const value of values) {
      const bin = bins[classify(value, breaks)];
      bin.min = Math.min(bin.min, value);
      bin.max = Math.max(bin.max, value);
    }
    const kept = bins.filter((b) => b.max >= b.min);
    const colour = (figure) => {
      if (!figure || figure.projects === 0) return NEUTRAL;
      if (figure.value <= 0) return NO_BUDGET;
      const bin = bins[classify(figure.value, breaks)];
      return colourOf(kept.indexOf(bin), kept.length);
    };

    fetch(config.atlas, { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(`the map's shapes: HTTP ${response.status}`);
        return response.json();
      })
      .then((topology) => draw(topology))
      .catch((error) => {
        holder.textContent = texts.failed;
        holder.classList.add("failed");
        throw error;
      });

    function codeOf(feature) {
      if (feature.id !== undefined && config.ids[feature.id]) return config.ids[feature.id];
      const name = feature.properties && feature.properties.name;
      return config.by_name[name] || null;
    }

    function draw(topology) {
      const world = topojson.feature(topology, topology.objects.countries);
      const features = world.features.filter((f) => f.id !== ANTARCTICA);
      const frameCodes = new Set(config.frame);
      const framed = features.filter((f) => frameCodes.has(codeOf(f)) && codeOf(f) !== "RU");
      const frame = {
        type: "FeatureCollection",
        features: [
          ...framed,
          { type: "Feature", geometry: { type: "Point", coordinates: WEST_RUSSIA } },
        ],
      };
      const projection = d3.geoNaturalEarth1().rotate([-55, 0]);
      const path = d3.geoPath(projection).digits(1);
      const margin = 12;
      const fitRegion = () =>
        projection.fitExtent([[margin, margin], [WIDTH - margin, HEIGHT - margin]], frame);
      const fitWorld = () =>
        projection.fitExtent(
          [[margin, margin], [WIDTH - margin, HEIGHT - margin]],
          { type: "FeatureCollection", features },
        );
      fitRegion();

      holder.textContent = "";
      const svg = svgElement("svg", {
        xmlns: SVG_NS,
        viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
        role: "group",
        "aria-label": texts.map_label,
        "font-family": FONT,
        class: "map-svg",
      }, holder);
      svgElement("rect", { x: 0, y: 0, width: WIDTH, height: HEIGHT, fill: SEA }, svg);
      const land = svgElement("g", { class: "countries" }, svg);
      const shapes = [];
      for (const feature of features) {
        const code = codeOf(feature);
        const figure = code ? data.get(code) : null;
        const shape = svgElement("path", {
          fill: code ? colour(figure) : UNKNOWN,
          stroke: BORDER,
          "stroke-width": "0.5",
          "stroke-linejoin": "round",
        });
        shapes.push([shape, feature]);
        if (!code) {
          land.appendChild(shape);
          continue;
        }
        shape.setAttribute("data-code", code);
        if (figure && figure.projects > 0) {
          const target = gapLayer ? config.gaps_url : config.projects_url;
          const link = svgElement("a", {
            href: `${target}${target.includes("?") ? "&" : "?"}country=${code}`,
            "aria-label": fill(texts.aria, {
              country: config.names[code] || code,
              projects: count.format(figure.projects),
              gaps: count.format(figure.gaps || 0),
              overlaps: count.format(figure.overlaps || 0),
            }),
            "data-code": code,
          }, land);
          link.appendChild(shape);
          link.addEventListener("focus", () => show(code, shape, null));
          link.addEventListener("blur", hide);
        } else {
          land.appendChild(shape);
        }
        shape.addEventListener("pointermove", (event) => show(code, shape, event));
        shape.addEventListener("pointerleave", hide);
      }
      const redraw = () => {
        for (const [shape, feature] of shapes) shape.setAttribute("d", path(feature) || "");
      };
      redraw();
      drawLegend(svg);

      const toggle = document.getElementById("map-extent");
      if (toggle) {
        toggle.hidden = false;
        toggle.textContent = texts.world;
        let whole = false;
        toggle.addEventListener("click", () => {
          whole = !whole;
          if (whole) fitWorld();
          else fitRegion();
          redraw();
          toggle.textContent = whole ? texts.region : texts.world;
          toggle.setAttribute("aria-pressed", String(whole));
        });
      }
      for (const [id, kind] of [["map-svg", "svg"], ["map-png", "png"]]) {
        const button = document.getElementById(id);
        if (!button) continue;
        button.hidden = false;
        button.addEventListener("click", () => download(svg, kind));
      }
      holder.dataset.ready = "true";
    }

    function drawLegend(svg) {
      const rows = kept.map((bin, i) => ({
        colour: colourOf(i, kept.length),
        label: bin.min === bin.max
          ? format(bin.min, true)
          : `${format(bin.min, true)} – ${format(bin.max, true)}`,
      }));
      if (measure !== "projects" && !gapLayer && [...data.values()].some((d) => d.projects > 0 && d.value <= 0)) {
        rows.push({ colour: NO_BUDGET, label: texts.no_budget });
      }
      rows.push({ colour: NEUTRAL, label: texts.none });
      const line = 20;
      const width = 250;
      const height = 34 + rows.length * line;
      const legend = svgElement("g", {
        class: "legend",
        transform: `translate(12, ${HEIGHT - height - 12})`,
      }, svg);
      svgElement("rect", {
        width, height, rx: 4, fill: "#ffffff", "fill-opacity": "0.92",
        stroke: "#d0d7de",
      }, legend);
      const heading = svgElement("text", {
        x: 10, y: 20, "font-size": 14, "font-weight": 700, fill: INK,
      }, legend);
      heading.textContent = texts.legend;
      rows.forEach((row, i) => {
        const y = 30 + i * line;
        svgElement("rect", {
          x: 10, y, width: 18, height: 14, fill: row.colour, stroke: "#8c959f", "stroke-width": 0.5,
        }, legend);
        const label = svgElement("text", { x: 36, y: y + 12, "font-size": 13, fill: INK }, legend);
        label.textContent = row.label;
      });
      const source = svgElement("text", {
        x: WIDTH - 10, y: HEIGHT - 8, "font-size": 11, fill: "#57606a", "text-anchor": "end",
      }, svg);
      source.textContent = texts.source;
    }

    const tooltip = document.getElementById("map-tooltip");

    function show(code, shape, event) {
      if (!tooltip) return;
      const figure = data.get(code);
      tooltip.textContent = "";
      const name = document.createElement("strong");
      name.textContent = config.names[code] || code;
      tooltip.appendChild(name);
      const lines = [];
      if (!figure || figure.projects === 0) {
        lines.push(texts.none);
      } else if (gapLayer) {
        lines.push(`${texts.gaps}: ${count.format(figure.gaps)}`);
        lines.push(`${texts.overlaps}: ${count.format(figure.overlaps)}`);
        lines.push(texts.open);
      } else {
        lines.push(`${texts.projects}: ${count.format(figure.projects)}`);
        for (const sum of figure.budget) {
          lines.push(`${fill(texts.budget_in, { currency: sum.currency })}: ${
            money(sum.currency, false).format(Number(sum.amount))}`);
        }
        if (measure !== "projects" && figure.leftOut > 0) {
          lines.push(`${texts.left_out}: ${count.format(figure.leftOut)}`);
        }
        lines.push(texts.open);
      }
      for (const text of lines) {
        const line = document.createElement("span");
        line.textContent = text;
        tooltip.appendChild(line);
      }
      tooltip.hidden = false;
      const box = holder.getBoundingClientRect();
      let x;
      let y;
      if (event) {
        x = event.clientX - box.left;
        y = event.clientY - box.top;
      } else {
        const own = shape.getBoundingClientRect();
        x = own.left + own.width / 2 - box.left;
        y = own.top + own.height / 2 - box.top;
      }
      const left = Math.min(Math.max(x + 14, 0), box.width - tooltip.offsetWidth - 4);
      const top = y + 14 + tooltip.offsetHeight > box.height ? y - tooltip.offsetHeight - 10 : y + 14;
      tooltip.style.left = `${Math.max(left, 0)}px`;
      tooltip.style.top = `${Math.max(top, 0)}px`;
    }

    function hide() {
      if (tooltip) tooltip.hidden = true;
    }
    document.addEventListener("keydown", (event) => { if (event.key === "Escape") hide(); });

    // The map as a file: the drawing itself, with the page's title above it.
    function standalone(svg) {
      const copy = svg.cloneNode(true);
      copy.removeAttribute("class");
      copy.setAttribute("width", WIDTH);
      copy.setAttribute("height", HEIGHT + TITLE_BAND);
      copy.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT + TITLE_BAND}`);
      const body = svgElement("g", { transform: `translate(0, ${TITLE_BAND})` });
      while (copy.firstChild) body.appendChild(copy.firstChild);
      svgElement("rect", { width: WIDTH, height: HEIGHT + TITLE_BAND, fill: "#ffffff" }, copy);
      const title = svgElement("text", { x: 12, y: 18, "font-size": 15, "font-weight": 700, fill: INK }, copy);
      const words = config.title.split(" ");
      let lineText = "";
      let lineNumber = 0;
      const flush = () => {
        const span = svgElement("tspan", { x: 12, dy: lineNumber === 0 ? 0 : 18 }, title);
        span.textContent = lineText;
        lineNumber += 1;
      };
      for (const word of words) {
        if ((lineText + " " + word).length > 110 && lineText) {
          flush();
          lineText = word;
        } else {
          lineText = lineText ? `${lineText} ${word}` : word;
        }
      }
      if (lineText) flush();
      copy.appendChild(body);
      for (const link of copy.querySelectorAll("a")) {
        // A file has no page to link to: keep the shapes, drop the links.
        while (link.firstChild) link.parentNode.insertBefore(link.firstChild, link);
        link.remove();
      }
      return new XMLSerializer().serializeToString(copy);
    }

    function save(blob, extension) {
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = `${config.filename}.${extension}`;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    }

    function download(svg, kind) {
      const xml = standalone(svg);
      if (kind === "svg") {
        save(new Blob([xml], { type: "image/svg+xml" }), "svg");
        return;
      }
      const image = new Image();
      image.addEventListener("load", () => {
        const scale = 2;
        const canvas = document.createElement("canvas");
        canvas.width = WIDTH * scale;
        canvas.height = (HEIGHT + TITLE_BAND) * scale;
        const context = canvas.getContext("2d");
        context.scale(scale, scale);
        context.drawImage(image, 0, 0, WIDTH, HEIGHT + TITLE_BAND);
        canvas.toBlob((blob) => save(blob, "png"), "image/png");
      });
      image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(xml)}`;
    }
  }

  document.addEventListener("DOMContentLoaded", init);
})();
