// Hot-spot layers for the main map: Gi* bins, DBSCAN clusters, the KDE surface and emerging
// hot-spot categories. Each is an overlay that fetches its data only while it is switched on
// (the statistics cost server time) and refetches when the filters change.
(function () {
  "use strict";
  const { esc } = window.PKS;  // web/static/js/common.js
  const GI_COLORS = { "3": "#b2182b", "2": "#ef8a62", "1": "#fddbc7", "0": "#f7f7f7",
    "-1": "#d1e5f0", "-2": "#67a9cf", "-3": "#2166ac" };
  const EMERGING_COLORS = { new_hot: "#67000d", consecutive_hot: "#a50f15",
    intensifying_hot: "#ef3b2c", persistent_hot: "#cb181d", diminishing_hot: "#fc9272",
    sporadic_hot: "#fcbba1", oscillating_hot: "#fb6a4a", historical_hot: "#fee0d2" };
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
      style: (f) => ({ color: "#444", weight: 0.5, fillOpacity: 0.75,
        fillColor: GI_COLORS[String(f.properties.gi_bin ?? 0)] }),
      tooltip: (f, t) => `<b>${esc(f.properties.nama)}</b><br>${esc(t["hot_" + (f.properties.gi_bin ?? 0)])}` +
        (f.properties.gi_z !== null && f.properties.gi_z !== undefined
          ? `<br>z = ${Number(f.properties.gi_z).toFixed(2)}` : ""),
      popup: hotspotPopup,
      summary: (data) => (data.significance && data.significance.summary) || "",
      legend: (data, t) => {
        if (data.insufficient_data) return [{ color: GI_COLORS["0"], label: t.hot_insufficient }];
        const counts = binCounts(data);
        return ["3", "2", "1", "0", "-1", "-2", "-3"].map((b) => ({ color: GI_COLORS[b], label: t["hot_" + b],
          count: counts[b], bin: b }));
      },
    },
    clusters: {
      label: (t) => t.layer_clusters,
      url: (s) => `/api/v1/clusters?${pick(s, FILTER_KEYS, { eps_m: 1000, min_points: 5 })}`,
      style: () => ({ color: "#54278f", weight: 2, dashArray: "4 3", fillColor: "#9e9ac8",
        fillOpacity: 0.35 }),
      tooltip: (f, t) => fill(t, t.cluster_tip, { count: f.properties.count,
        first: f.properties.first_date, last: f.properties.last_date, kategori: f.properties.kategori }),
    },
    heat: {
      label: (t) => t.layer_heat,
      url: (s) => `/api/v1/heat?${pick(s, FILTER_KEYS, { bands: 5 })}`,
      style: (f) => ({ stroke: false, fillOpacity: 0.55,
        fillColor: HEAT_COLORS[Math.min(f.properties.band ?? 0, HEAT_COLORS.length - 1)] }),
      tooltip: (f, t) => fill(t, t.heat_tip, {
        lower: Number(f.properties.lower).toFixed(2), upper: Number(f.properties.upper).toFixed(2) }),
    },
    emerging: {
      label: (t) => t.layer_emerging,
      url: (s) => {
        // stage windows need an election; a stage filter would leave a single window
        const keys = s.election ? STAT_KEYS.filter((k) => k !== "stage") : STAT_KEYS;
        return `/api/v1/emerging?${pick(s, keys, { window: s.election ? "stage" : "month" })}`;
      },
      style: (f) => ({ color: "#444", weight: 0.4, fillOpacity: 0.75,
        fillColor: EMERGING_COLORS[f.properties.category] || "#f7f7f7" }),
      tooltip: (f, t) => `<b>${esc(f.properties.nama)}</b><br>` +
        esc(t["emerging_" + f.properties.category] || t.emerging_other),
      legend: (data, t) => Object.keys(EMERGING_COLORS).map((c) => ({
        color: EMERGING_COLORS[c], label: t["emerging_" + c] })),
    },
  };

  function create(map, layersControl, t, getState) {
    const groups = {};
    let legend = null;

    function drawLegend(rows, title, summary) {
      if (legend) map.removeControl(legend);
      legend = null;
      if (!rows) return;
      legend = L.control({ position: "bottomleft" });
      legend.onAdd = () => {
        const div = L.DomUtil.create("div", "pks-legend");
        div.setAttribute("data-testid", "hotspot-legend");
        div.innerHTML = `<strong>${esc(title)}</strong>` +
          (summary ? `<div class="pks-legend-summary" data-testid="hotspot-summary">${esc(summary)}</div>` : "") +
          rows.map((r) => `<div class="pks-legend-row"${r.bin !== undefined ? ` data-bin="${esc(r.bin)}"` : ""}>` +
            `<i style="background:${esc(r.color)}"></i><span>${esc(r.label)}</span>` +
            (r.count !== undefined ? `<span class="pks-count">${esc(r.count)}</span>` : "") + "</div>").join("");
        return div;
      };
      legend.addTo(map);
    }

    // A layer whose answer failed says so on the map (and its stale drawing is removed).
    const errors = {};
    function showError(name, message) {
      if (errors[name]) { map.removeControl(errors[name]); delete errors[name]; }
      if (!message) return;
      const control = L.control({ position: "bottomleft" });
      control.onAdd = () => {
        const div = L.DomUtil.create("div", "pks-layer-error");
        div.setAttribute("role", "alert");
        div.setAttribute("data-testid", "layer-error");
        div.dataset.layer = name;
        div.textContent = `${DEFINITIONS[name].label(t)}: ${t.load_failed} (${message})`;
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
      document.body.dataset[`layer${name}`] = "loading";
      let data;
      try {
        data = await window.PKS.getJSON(def.url(getState()));
      } catch (err) {
        if (!current()) return;
        group.clearLayers();
        if (def.legend) drawLegend(null);
        showError(name, err.message);
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
      if (def.legend) drawLegend(def.legend(data, t), def.label(t), def.summary ? def.summary(data) : "");
      document.body.dataset[`layer${name}`] = "ready";
    }

    for (const name of Object.keys(DEFINITIONS)) {
      groups[name] = L.featureGroup();
      sequences[name] = window.PKS.sequence();
      layersControl.addOverlay(groups[name], DEFINITIONS[name].label(t));
    }
    map.on("overlayadd", (ev) => {
      for (const [name, group] of Object.entries(groups)) if (ev.layer === group) load(name);
    });
    map.on("overlayremove", (ev) => {
      for (const [name, group] of Object.entries(groups)) {
        if (ev.layer !== group) continue;
        sequences[name].next();  // an answer still on its way is not drawn any more
        showError(name, null);
        if (DEFINITIONS[name].legend) drawLegend(null);
      }
    });
    return {
      refresh() {
        for (const [name, group] of Object.entries(groups)) if (map.hasLayer(group)) load(name);
      },
      // for the export menu (export_menu.js): is a layer on, and the parameters it asks with
      shown: (name) => Boolean(groups[name]) && map.hasLayer(groups[name]),
      params: (name, state) => new URL(DEFINITIONS[name].url(state), location.origin).searchParams,
    };
  }

  window.PKSAnalysisLayers = { create };
})();
