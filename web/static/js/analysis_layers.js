// Hot-spot layers for the main map: Gi* bins, DBSCAN clusters, the KDE surface and emerging
// hot-spot categories. Each is an overlay that fetches its data only while it is switched on
// (the statistics cost server time) and refetches when the filters change.
(function () {
  "use strict";
  const { esc } = window.PKS;  // web/static/js/common.js
  const GI_COLORS = { "3": "#b2182b", "2": "#ef8a62", "1": "#fddbc7", "0": "#f7f7f7",  // = NONE_COLOR
    "-1": "#d1e5f0", "-2": "#67a9cf", "-3": "#2166ac" };
  // Statistics layers are drawn opaque: the choropleth underneath never tints an area, so a colour
  // means one class only, and "not significant" / "no pattern" is the same plain grey everywhere.
  const STAT_OPACITY = 1;
  const NONE_COLOR = "#f7f7f7";
  const EMERGING_COLORS = { new_hot: "#67000d", consecutive_hot: "#a50f15",
    intensifying_hot: "#ef3b2c", persistent_hot: "#cb181d", diminishing_hot: "#fc9272",
    sporadic_hot: "#fcbba1", oscillating_hot: "#fb6a4a", historical_hot: "#fee0d2",
    new_cold: "#08306b", consecutive_cold: "#08519c", intensifying_cold: "#2171b5",
    persistent_cold: "#4292c6", diminishing_cold: "#6baed6", sporadic_cold: "#9ecae1",
    oscillating_cold: "#c6dbef", historical_cold: "#deebf7", no_pattern: NONE_COLOR };
  // Local Moran's I quadrants (significant at 95 %, else "ns")
  const LISA_COLORS = { HH: "#d7191c", HL: "#fdae61", LH: "#abd9e9", LL: "#2c7bb6", ns: NONE_COLOR };
  // Gi* of one election against the previous one, per area
  const CHANGE_COLORS = { new_hot: "#d73027", still_hot: "#a50026", cold_to_hot: "#f46d43",
    no_longer_hot: "#fdae61", none: NONE_COLOR, no_longer_cold: "#abd9e9", hot_to_cold: "#74add1",
    new_cold: "#4575b4", still_cold: "#313695" };
  const HEAT_COLORS = ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"];
  const STAT_KEYS = ["level", "metric", "from", "to", "election", "stage", "kategori", "verified"];
  const FILTER_KEYS = ["from", "to", "election", "stage", "kategori", "verified"];

  function pick(state, keys, extra) {
    const params = new URLSearchParams();
    for (const key of keys) if (state[key]) params.set(key, state[key]);
    for (const [key, value] of Object.entries(extra || {})) params.set(key, value);
    return params.toString();
  }

  function num(value, digits) {
    return window.PKS.num(value, { digits, tiny: true });
  }

  // Counts per Gi* bin from the answer's significance member (bin -> number of areas).
  function binCounts(data) {
    const c = (data.significance && data.significance.counts) || {};
    const hot = c.hot || {}, cold = c.cold || {};
    const out = { "3": hot["99"] || 0, "2": hot["95"] || 0, "1": hot["90"] || 0,
      "-1": cold["90"] || 0, "-2": cold["95"] || 0, "-3": cold["99"] || 0 };
    const tested = (data.significance && data.significance.n_areas_tested) || 0;
    out["0"] = Math.max(0, tested - Object.values(out).reduce((a, b) => a + b, 0));
    return out;
  }

  // One legend row per class of `colors` (every class, also those with no area), counted from the
  // drawn features' `prop`; `label(key)` names it.
  function classRows(data, prop, colors, label, fallback) {
    const counts = {};
    for (const f of data.features || []) {
      const key = f.properties[prop] ?? fallback;
      counts[key] = (counts[key] || 0) + 1;
    }
    return Object.keys(colors).map((key) => ({ color: colors[key], label: label(key), count: counts[key] || 0,
      bin: key }));
  }

  function dateText(value) {
    return window.PKS.date(value, document.documentElement.lang);
  }

  // The click explanation of one area: its value, its neighbours and their values, z, p,
  // p_fdr, class, and the rule in one sentence (the server's `explanation` field).
  function hotspotPopup(f, t) {
    const p = f.properties;
    if (p.gi_z === null || p.gi_z === undefined) {
      return `<div class="pks-explain"><b>${esc(p.nama)}</b><br>${esc(t.hot_insufficient)}</div>`;
    }
    const rows = (p.neighbours || []).map((n) =>
      `<tr><td>${esc(n.nama)}</td><td class="pks-num">${num(n.value)}</td></tr>`).join("");
    return `<div class="pks-explain" data-testid="hotspot-explain"><b>${esc(p.nama)}</b>` +
      `<div>${esc(t["hot_" + (p.gi_bin ?? 0)])}</div>` +
      `<table><tr><th>${esc(t.hot_value)}</th><td class="pks-num">${num(p.value)}</td></tr>` +
      `<tr><th>z</th><td class="pks-num">${num(p.gi_z)}</td></tr>` +
      `<tr><th>p</th><td class="pks-num">${num(p.p_value, 4)}</td></tr>` +
      `<tr><th>p_fdr</th><td class="pks-num">${num(p.p_fdr, 4)}</td></tr>` +
      `<tr><th>Gi_Bin</th><td class="pks-num">${esc(p.gi_bin)}</td></tr></table>` +
      `<div class="pks-explain-sub">${esc(t.hot_neighbours)} (${(p.neighbours || []).length})</div>` +
      `<table class="pks-neighbours">${rows}</table>` +
      `<p class="pks-explain-why">${esc(p.explanation)}</p></div>`;
  }

  function fill(t, template, values) {
    return template.replace(/\{(\w+)\}/g, (_, key) => esc(values[key] ?? ""));
  }

  function tag(layer, name) {
    layer.eachLayer((l) => {
      const el = l.getElement && l.getElement();
      if (el) {
        el.setAttribute("data-layer", name);
        if (l.feature) el.setAttribute("data-kode", l.feature.properties.kode || "");
        if (l.feature && l.feature.properties.gi_bin !== undefined) {
          el.setAttribute("data-gi-bin", String(l.feature.properties.gi_bin));
        }
      }
    });
  }

  const DEFINITIONS = {
    hotspots: {
      label: (t) => t.layer_hotspots,
      url: (s) => `/api/v1/hotspots?${pick(s, STAT_KEYS, { method: "gi_star",
        lang: document.documentElement.lang || "id" })}`,
      statistic: true,
      style: (f) => ({ color: "#444", weight: 0.5, fillOpacity: STAT_OPACITY,
        fillColor: GI_COLORS[String(f.properties.gi_bin ?? 0)] }),
      tooltip: (f, t) => `<b>${esc(f.properties.nama)}</b><br>${esc(t["hot_" + (f.properties.gi_bin ?? 0)])}` +
        (f.properties.gi_z !== null && f.properties.gi_z !== undefined
          ? `<br>z = ${num(f.properties.gi_z)}` : ""),
      popup: hotspotPopup,
      summary: (data) => (data.significance && data.significance.summary) || "",
      legend: (data, t) => {
        if (data.insufficient_data) return [{ color: GI_COLORS["0"], label: t.hot_insufficient }];
        const counts = binCounts(data);
        return ["3", "2", "1", "0", "-1", "-2", "-3"].map((b) => ({ color: GI_COLORS[b], label: t["hot_" + b],
          count: counts[b], bin: b }));
      },
    },
    lisa: {
      label: (t) => t.layer_lisa,
      url: (s) => `/api/v1/hotspots?${pick(s, STAT_KEYS, { method: "lisa",
        lang: document.documentElement.lang || "id" })}`,
      statistic: true,
      style: (f) => ({ color: "#444", weight: 0.5, fillOpacity: STAT_OPACITY,
        fillColor: LISA_COLORS[f.properties.lisa_cluster] || NONE_COLOR }),
      tooltip: (f, t) => `<b>${esc(f.properties.nama)}</b><br>` +
        esc(f.properties.lisa_cluster ? t["lisa_" + f.properties.lisa_cluster] : t.hot_insufficient) +
        (f.properties.lisa_z !== null && f.properties.lisa_z !== undefined ? `<br>z = ${num(f.properties.lisa_z)}` : ""),
      popup: (f) => `<div class="pks-explain"><b>${esc(f.properties.nama)}</b>` +
        `<p class="pks-explain-why">${esc(f.properties.explanation || "")}</p></div>`,
      summary: (data) => (data.significance && data.significance.summary) || "",
      legend: (data, t) => (data.insufficient_data ? [{ color: NONE_COLOR, label: t.hot_insufficient }]
        : classRows(data, "lisa_cluster", LISA_COLORS, (k) => t["lisa_" + k], "ns")),
    },
    compare: {
      label: (t) => t.layer_compare,
      // the current election is the filter's; the earlier one is picked in the legend
      // (comparePicker), else the one before it (the server's choice)
      needs: (s, t) => (s.election ? "" : t.compare_need_election),
      url: (s) => {
        const previous = chosenPrevious(s.election);
        return `/api/v1/emerging/compare?${pick(s, STAT_KEYS.filter((k) => k !== "stage"),
          Object.assign({ lang: document.documentElement.lang || "id" }, previous ? { previous } : {}))}`;
      },
      picker: (data, s, t) => comparePicker(data, s, t),
      statistic: true,
      style: (f) => ({ color: "#444", weight: 0.5, fillOpacity: STAT_OPACITY,
        fillColor: CHANGE_COLORS[f.properties.change] || NONE_COLOR }),
      tooltip: (f, t) => `<b>${esc(f.properties.nama)}</b><br>${esc(t["change_" + f.properties.change] || "")}` +
        `<br>${esc(t.hot_value)}: ${num(f.properties.value_previous)} → ${num(f.properties.value_current)}`,
      summary: (data, t) => fill(t, t.compare_title, { current: electionName(data.election),
        previous: electionName(data.previous) }),
      legend: (data, t) => classRows(data, "change", CHANGE_COLORS, (k) => t["change_" + k], "none"),
    },
    clusters: {
      label: (t) => t.layer_clusters,
      url: (s) => `/api/v1/clusters?${pick(s, FILTER_KEYS, { eps_m: 1000, min_points: 5 })}`,
      style: () => ({ color: "#54278f", weight: 2, dashArray: "4 3", fillColor: "#9e9ac8",
        fillOpacity: 0.35 }),
      tooltip: (f, t) => fill(t, t.cluster_tip, { count: num(f.properties.count),
        first: dateText(f.properties.first_date), last: dateText(f.properties.last_date),
        kategori: f.properties.kategori }),
      legend: (data, t) => [
        { color: "#9e9ac8", label: fill(t, t.cluster_legend, { min: num(data.min_points), eps: num(data.eps_m) }),
          count: num(data.n_clusters ?? (data.features || []).length), bin: "cluster" },
        { label: t.cluster_in, count: num(data.n_clustered), bin: "clustered" },
        { label: t.cluster_noise, count: num(data.n_noise), bin: "noise" }],
    },
    heat: {
      label: (t) => t.layer_heat,
      url: (s) => `/api/v1/heat?${pick(s, FILTER_KEYS, { bands: 5 })}`,
      style: (f) => ({ stroke: false, fillOpacity: 0.55,
        fillColor: HEAT_COLORS[Math.min(f.properties.band ?? 0, HEAT_COLORS.length - 1)] }),
      tooltip: (f, t) => fill(t, t.heat_tip, { lower: num(f.properties.lower), upper: num(f.properties.upper) }),
      summary: (data, t) => (data.insufficient_data ? t.hot_insufficient
        : fill(t, t.heat_summary, { n: num(data.n_incidents), bandwidth: num(data.bandwidth_m, 0) })),
      // one row per band (lowest density first), with the number of map parts drawn in it
      legend: (data, t) => {
        const bands = {};
        for (const f of data.features || []) {
          const p = f.properties;
          bands[p.band] = bands[p.band] || { lower: p.lower, upper: p.upper, count: 0 };
          bands[p.band].count += 1;
        }
        return Object.keys(bands).sort((a, b) => a - b).map((b) => ({
          color: HEAT_COLORS[Math.min(Number(b), HEAT_COLORS.length - 1)],
          label: fill(t, t.heat_tip, { lower: num(bands[b].lower), upper: num(bands[b].upper) }),
          count: bands[b].count, bin: b }));
      },
    },
    emerging: {
      label: (t) => t.layer_emerging,
      url: (s) => {
        // stage windows need an election; a stage filter would leave a single window
        const keys = s.election ? STAT_KEYS.filter((k) => k !== "stage") : STAT_KEYS;
        return `/api/v1/emerging?${pick(s, keys, { window: s.election ? "stage" : "month" })}`;
      },
      statistic: true,
      style: (f) => ({ color: "#444", weight: 0.4, fillOpacity: STAT_OPACITY,
        fillColor: EMERGING_COLORS[f.properties.category] || NONE_COLOR }),
      tooltip: (f, t) => `<b>${esc(f.properties.nama)}</b><br>` +
        esc(t["emerging_" + f.properties.category] || t.emerging_no_pattern),
      // every category with its count; patterns no area shows are summed in one line
      legend: (data, t) => {
        const rows = classRows(data, "category", EMERGING_COLORS, (k) => t["emerging_" + k], "no_pattern");
        const shownRows = rows.filter((r) => r.count > 0 || r.bin === "no_pattern" || r.bin.endsWith("_hot"));
        const rest = rows.length - shownRows.length;
        if (rest) shownRows.push({ label: fill(t, t.emerging_rest, { n: rest }), count: 0, bin: "rest" });
        return shownRows;
      },
    },
  };

  // An election's name as the filter lists it (its code when it is not listed).
  function electionName(code) {
    const select = document.querySelector("select[name='election']");
    const option = select && Array.from(select.options).find((o) => o.value === code);
    return option ? option.textContent : (code || "");
  }

  // The election the comparison layer compares with: any election held before the filter's
  // one (previous= in the link), or "" for the server's default (the one just before).
  let comparePrevious = new URLSearchParams(location.search).get("previous") || "";

  // Elections held before `current` (by voting day in the filter's options), newest first.
  function earlierElections(current) {
    const select = document.querySelector("select[name='election']");
    if (!select || !current) return [];
    const options = Array.from(select.options).filter((o) => o.value && o.dataset.day);
    const here = options.find((o) => o.value === current);
    if (!here) return [];
    return options.filter((o) => o.dataset.day < here.dataset.day).reverse()
      .map((o) => ({ code: o.value, name: o.textContent }));
  }

  function chosenPrevious(current) {
    return earlierElections(current).some((e) => e.code === comparePrevious) ? comparePrevious : "";
  }

  // The picker in the comparison's legend: "Compared with [the election before | any earlier one]".
  function comparePicker(data, state, t) {
    const earlier = earlierElections(state.election);
    if (!earlier.length) return "";
    const chosen = chosenPrevious(state.election);
    const auto = fill(t, t.compare_auto, { name: electionName(chosen ? earlier[0].code : data.previous) });
    const options = [`<option value="">${esc(auto)}</option>`].concat(earlier.map((e) =>
      `<option value="${esc(e.code)}"${e.code === chosen ? " selected" : ""}>${esc(e.name)}</option>`));
    return `<label class="pks-compare-pick">${esc(t.compare_with)}` +
      `<select name="previous" data-testid="compare-previous">${options.join("")}</select></label>`;
  }

  function create(map, layersControl, t, getState) {
    const groups = {};
    const legends = {};  // one legend per switched-on layer, each with all its classes and counts

    function drawLegend(name, rows, title, summary, picker) {
      if (legends[name]) map.removeControl(legends[name]);
      delete legends[name];
      if (!rows) return;
      // in the legend column at the right, where the choropleth's legend is
      const legend = L.control({ position: "bottomright" });
      legend.onAdd = () => {
        const div = L.DomUtil.create("div", "pks-legend pks-stat-legend");
        div.setAttribute("data-testid", name === "hotspots" ? "hotspot-legend" : `${name}-legend`);
        div.dataset.layer = name;
        div.innerHTML = `<strong>${esc(title)}</strong>` +
          (summary ? `<div class="pks-legend-summary" data-testid="${name === "hotspots" ? "hotspot" : name}-summary">${esc(summary)}</div>` : "") +
          (picker || "") +
          window.PKS.legendRowsHTML(rows);
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        div.addEventListener("change", (ev) => {  // the comparison's picker: compare again
          if (ev.target.name !== "previous") return;
          comparePrevious = ev.target.value;
          map.fire("pks:linkchange");  // map.js keeps previous= in the page's link
          load(name);
        });
        return div;
      };
      legends[name] = legend.addTo(map);
      requestAnimationFrame(fitLegends);  // after the new legend is laid out
    }

    // The legends stack up from the bottom right; on a wide screen the layer list stands open
    // above them. When they would reach it, the tallest legend scrolls inside a shorter box.
    function fitLegends() {
      const list = layersControl.getContainer();
      const column = map.getContainer().querySelector(".leaflet-bottom.leaflet-right");
      const boxes = Object.values(legends).map((c) => c.getContainer());
      for (const box of boxes) box.style.maxHeight = "";
      if (!list || !column || !boxes.length || !list.classList.contains("leaflet-control-layers-expanded")) return;
      const tallest = boxes.reduce((a, b) => (a.offsetHeight >= b.offsetHeight ? a : b));
      tallest.style.boxSizing = "border-box";  // the limit includes padding and border
      for (let i = 0; i < 3; i += 1) {  // a shorter box can change the column's other sizes: measure again
        const overlap = list.getBoundingClientRect().bottom + 6 - column.getBoundingClientRect().top;
        if (overlap <= 0) return;
        tallest.style.maxHeight = `${Math.max(80, tallest.offsetHeight - overlap)}px`;
      }
    }
    map.on("resize", fitLegends);

    // A layer whose answer failed says so on the map (and its stale drawing is removed).
    const errors = {};
    function showError(name, message, plain) {
      if (errors[name]) { map.removeControl(errors[name]); delete errors[name]; }
      if (!message) return;
      const control = L.control({ position: "bottomleft" });
      control.onAdd = () => {
        const div = L.DomUtil.create("div", "pks-layer-error");
        div.setAttribute("role", "alert");
        div.setAttribute("data-testid", "layer-error");
        div.dataset.layer = name;
        div.textContent = plain ? `${DEFINITIONS[name].label(t)}: ${message}`
          : `${DEFINITIONS[name].label(t)}: ${t.load_failed} (${message})`;
        return div;
      };
      errors[name] = control.addTo(map);
    }

    // Each layer draws only the answer to its newest request: a slow answer to older filters
    // that arrives after a newer one is dropped.
    const sequences = {};
    async function load(name) {
      const def = DEFINITIONS[name];
      const group = groups[name];
      const current = sequences[name].next();
      const missing = def.needs ? def.needs(getState(), t) : "";
      if (missing) {  // nothing to ask the server yet: say what to choose (in the page's language)
        group.clearLayers();
        drawLegend(name, null);
        showError(name, missing, true);
        document.body.dataset[`layer${name}`] = "needs";
        return;
      }
      document.body.dataset[`layer${name}`] = "loading";
      let data;
      try {
        data = await window.PKS.getJSON(def.url(getState()));
      } catch (err) {
        if (!current()) return;
        group.clearLayers();
        drawLegend(name, null);
        // the server's words are English: an Indonesian page names the status or the lost connection
        showError(name, window.PKS.reason(err, t));
        document.body.dataset[`layer${name}`] = "error";
        return;
      }
      if (!current()) return;
      group.clearLayers();
      showError(name, null);
      const layer = L.geoJSON(data, { style: def.style,
        onEachFeature: (f, l) => {
          l.bindTooltip(def.tooltip(f, t), { sticky: true, className: "pks-tip" });
          if (def.popup) l.bindPopup(() => def.popup(f, t), { maxWidth: 320, className: "pks-explain-popup" });
        } });
      group.addLayer(layer);
      tag(layer, name);
      drawLegend(name, def.legend(data, t), def.title ? def.title(data, t) : def.label(t),
        def.summary ? def.summary(data, t) : "", def.picker ? def.picker(data, getState(), t) : "");
      document.body.dataset[`layer${name}`] = "ready";
    }

    for (const name of Object.keys(DEFINITIONS)) {
      groups[name] = L.featureGroup();
      sequences[name] = window.PKS.sequence();
      layersControl.addOverlay(groups[name], DEFINITIONS[name].label(t));
    }
    // One statistics layer at a time: they are opaque, so a second one would only hide the first.
    // While one is on, the choropleth's legend is put away (its colours are covered).
    function markStatistic() {
      const on = Object.keys(groups).some((n) => DEFINITIONS[n].statistic && map.hasLayer(groups[n]));
      document.body.classList.toggle("pks-stat-on", on);
    }
    map.on("overlayadd", (ev) => {
      for (const [name, group] of Object.entries(groups)) {
        if (ev.layer !== group) continue;
        if (DEFINITIONS[name].statistic) {
          // after the layer control's own click handling, so that its checkboxes follow
          setTimeout(() => {
            for (const [other, g] of Object.entries(groups)) {
              if (other !== name && DEFINITIONS[other].statistic && map.hasLayer(g)) map.removeLayer(g);
            }
          }, 0);
        }
        load(name);
      }
      markStatistic();
    });
    map.on("overlayremove", (ev) => {
      for (const [name, group] of Object.entries(groups)) {
        if (ev.layer !== group) continue;
        sequences[name].next();  // an answer still on its way is not drawn any more
        showError(name, null);
        drawLegend(name, null);
      }
      markStatistic();
    });
    return {
      refresh() {
        for (const [name, group] of Object.entries(groups)) if (map.hasLayer(group)) load(name);
      },
      // for the export menu (export_menu.js): is a layer on, and the parameters it asks with
      shown: (name) => Boolean(groups[name]) && map.hasLayer(groups[name]),
      groups,  // name -> layer group, for the link's and the saved view's show=/layers
      params: (name, state) => new URL(DEFINITIONS[name].url(state), location.origin).searchParams,
      // what the page's link keeps besides the filters: the comparison's chosen election
      linkParams: (state) => (chosenPrevious(state.election) ? { previous: chosenPrevious(state.election) } : {}),
    };
  }

  window.PKSAnalysisLayers = { create };
})();
