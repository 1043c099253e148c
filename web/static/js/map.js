// The interactive map: boundaries, the choropleth with its legend, incident and TPS points,
// and a filter panel that redraws everything from the app's own API without a reload.
// The view is mirrored in the URL (history.replaceState) so it can be shared as a link.
(function () {
  "use strict";
  const cfg = window.PKS_GEO;
  const { esc } = window.PKS;  // web/static/js/common.js: every server string goes through esc
  const map = window[cfg.map];
  L.control.scale({ imperial: false }).addTo(map); // kilometres only
  // folium sets no maxZoom without a tile layer; marker clustering needs one.
  if (map.options.maxZoom === undefined) map.setMaxZoom(18);
  const t = cfg.texts;
  const statusEl = document.getElementById("pks-status");
  const form = document.getElementById("pks-filters");
  const errorEl = document.getElementById("pks-error");
  const FILTER_NAMES = ["level", "metric", "scheme", "k", "breaks", "from", "to", "election",
    "stage", "kategori", "verified", "smooth"];
  const NO_DATA_COLOR = window.PKS.NO_DATA_COLOR;
  let choroplethLayer = null;
  let kecamatanOutline = null;
  let legendControl = null;
  let playTimer = null;
  const drawSeq = window.PKS.sequence();  // only the newest choropleth answer is drawn
  let incidentNote = "";  // "1.000 of 3.078 incidents shown ..." when the layer is a sample
  const INCIDENT_LIMIT = 1000;
  let fixedBreaks = null;  // one set of class breaks for every frame of the stage animation
  const areaCounts = cfg.areaCounts || {};
  function useTiles(level) {
    return Boolean(window.PKSTiles) && (areaCounts[level] || 0) > cfg.tileThreshold;
  }

  // ---- state <-> form <-> URL -------------------------------------------------------
  function readForm() {
    const state = {};
    for (const name of FILTER_NAMES) {
      const el = form.elements[name];
      if (!el) continue;
      if (el.type === "checkbox") { if (el.checked) state[name] = el.value; }
      else if (el.value !== "") state[name] = el.value;
    }
    if (state.scheme !== "manual") delete state.breaks;
    return state;
  }

  function writeForm(params) {
    for (const name of FILTER_NAMES) {
      const el = form.elements[name];
      if (!el || !params.has(name)) continue;
      if (el.type === "checkbox") el.checked = params.get(name) === el.value;
      else el.value = params.get(name);
    }
    toggleBreaks();
  }

  function toggleBreaks() {
    form.querySelector(".pks-breaks").hidden = form.elements.scheme.value !== "manual";
  }

  function query(state, extra) {
    const params = new URLSearchParams(Object.assign({}, state, extra || {}));
    params.set("lang", cfg.lang);
    return params.toString();
  }

  // Besides the filters the link keeps the map's extent (at=lat,lon,zoom) and which of the
  // base layers are switched on (show=...), so a shared link opens the same picture.
  // Names are those of a saved view's `layers` (pks_geo/maps/views.py VIEW_LAYERS).
  const SHOWABLE = {};  // name -> layer, filled in init() (and by register() for later layers)
  const linkParams = new URLSearchParams(location.search);
  const wantedFromLink = linkParams.has("show")
    ? new Set(linkParams.get("show").split(",").filter(Boolean)) : null;
  let incidentsWanted = wantedFromLink ? wantedFromLink.has("incidents") : true;
  function shownNames() {
    const names = Object.keys(SHOWABLE).filter((name) => map.hasLayer(SHOWABLE[name]));
    if (overlays.incident ? map.hasLayer(overlays.incident) : (cfg.canSeeIncidents && incidentsWanted)) {
      names.push("incidents");
    }
    return names;
  }
  function viewParams() {
    const c = map.getCenter();
    return { at: `${c.lat.toFixed(5)},${c.lng.toFixed(5)},${map.getZoom()}`, show: shownNames().join(",") };
  }
  // A layer that comes later (place names, after their fetch) follows the link's show= too.
  function register(name, layer) {
    SHOWABLE[name] = layer;
    if (!wantedFromLink) return;
    if (wantedFromLink.has(name) && !map.hasLayer(layer)) layer.addTo(map);
    if (!wantedFromLink.has(name) && map.hasLayer(layer)) map.removeLayer(layer);
  }

  function syncUrl(state) {
    const params = new URLSearchParams(state);
    if (cfg.lang) params.set("lang", cfg.lang);
    if (analysisLayers) for (const [k, v] of Object.entries(analysisLayers.linkParams(state))) params.set(k, v);
    if (viewReady) {
      const view = viewParams();
      params.set("at", view.at);
      params.set("show", view.show);
    } else {
      for (const name of ["at", "show"]) {
        const given = new URLSearchParams(location.search).get(name);
        if (given !== null) params.set(name, given);
      }
    }
    history.replaceState(null, "", `${location.pathname}?${params.toString()}`);
  }

  function applyView(params) {
    const at = (params.get("at") || "").split(",").map(Number);
    // a saved view's extent (west,south,east,north) when the link has no at=
    const extent = (params.get("extent") || "").split(",").map(Number);
    if (at.length === 3 && at.every(Number.isFinite)) map.setView([at[0], at[1]], at[2], { animate: false });
    else if (extent.length === 4 && extent.every(Number.isFinite)) {
      map.fitBounds([[extent[1], extent[0]], [extent[3], extent[2]]], { animate: false });
    }
    if (params.has("show")) {
      const wanted = new Set(params.get("show").split(",").filter(Boolean));
      for (const [name, layer] of Object.entries(SHOWABLE)) {
        if (wanted.has(name) && !map.hasLayer(layer)) layer.addTo(map);
        if (!wanted.has(name) && map.hasLayer(layer)) map.removeLayer(layer);
      }
    }
  }
  let viewReady = false;

  // The API explains a refused parameter in English; the page names the field by its label in
  // the page's language and keeps the server's words for English pages only.
  function errorText(err) {
    const field = err.parameter && form.elements[err.parameter];
    const label = field && (field.closest("label") || {}).firstChild;
    const name = label && label.nodeType === Node.TEXT_NODE ? label.textContent.trim() : err.parameter;
    if (cfg.lang === "en" || !name) return `${t.bad_filter}: ${err.message}`;
    return t.bad_filter_field.replace("{field}", name);
  }

  const getJSON = window.PKS.getJSON;

  // ---- boundaries ---------------------------------------------------------------------
  function boundaryLayer(data, style) {
    const layer = L.geoJSON(data, { style: () => style, interactive: false });
    return layer;
  }

  function tagElements(layer) {
    layer.eachLayer((l) => {
      const el = l.getElement && l.getElement();
      if (el && l.feature) {
        el.setAttribute("data-kode", l.feature.properties.kode);
        el.setAttribute("data-level", l.feature.properties.level || "");
      }
    });
  }

  // ---- choropleth ---------------------------------------------------------------------
  function fmt(value) {
    return window.PKS.num(value, { lang: cfg.lang, empty: t.legend_no_data });
  }

  // Below analyst an area of 1 .. min_cell-1 incidents comes as suppressed (value null): it has
  // its own colour and legend row ("< 3 (disamarkan)"), never 0 and never "no data".
  function shown(props, legend, value) {
    return esc(props.suppressed || (value === null && legend && legend.suppressed)
      ? (legend && legend.suppressed ? legend.suppressed.label : "–") : value);
  }

  function colorFor(props, legend) {
    if (props.suppressed && legend.suppressed) return legend.suppressed.color;
    if (props.value === null || props.value === undefined || props["class"] === null) {
      return (legend.no_data && legend.no_data.color) || NO_DATA_COLOR;
    }
    if (props.color) return props.color;
    return legend.colors[props["class"]] || NO_DATA_COLOR;
  }

  function drawLegend(legend, state) {
    if (legendControl) map.removeControl(legendControl);
    legendControl = L.control({ position: "bottomright" });
    legendControl.onAdd = () => {
      const div = L.DomUtil.create("div", "pks-legend");
      div.setAttribute("data-testid", "legend");
      div.innerHTML = `<strong>${esc(t["metric_" + state.metric] || state.metric)}</strong>` +
        window.PKS.legendRowsHTML(window.PKS.choroplethRows(legend, false));
      return div;
    };
    legendControl.addTo(map);
  }

  // Above the polygon threshold (PKS_GEO_TILE_THRESHOLD) the choropleth comes as vector
  // tiles carrying value/class/colour; the TileJSON brings the same legend as the GeoJSON API.
  async function drawTiledChoropleth(state, current) {
    const params = Object.fromEntries(new URLSearchParams(query(state)));
    const tj = await window.PKSTiles.tileJson(`areas-${state.level}`, params);
    if (!current()) return null;
    if (choroplethLayer) { layers.removeLayer(choroplethLayer); map.removeLayer(choroplethLayer); }
    choroplethLayer = window.PKSTiles.areaLayer(map, state.level, params, null, {
      tooltip: (p) => `<b>${esc(p.nama)}</b><br>${t.tip_value}: ${esc(fmt(p.value))}` +
        `<br>${t.tip_rank}: ${esc(p.rank ?? "–")}<br>${t.tip_incidents}: ${shown(p, tj.legend, p.n_incidents ?? null) ?? 0}` });
    choroplethLayer.addTo(map);
    layers.addOverlay(choroplethLayer, t.layer_choropleth);
    drawLegend(tj.legend, state);
    document.body.dataset.choropleth = "tiles";
    const counts = tj.legend && tj.legend.counts ? tj.legend.counts : [];
    return { features: { length: tj.feature_count },
      nIncidents: tj.n_incidents ?? null, counts };
  }

  // The first choropleth is requested while the kecamatan outline still loads (init below),
  // not after it: on a fresh page the two requests overlap instead of queuing.
  let prefetched = null;
  function choroplethUrl(state) {
    return `/api/v1/choropleth?${query(state, fixedBreaks || undefined)}`;
  }
  function prefetchChoropleth(state) {
    if (useTiles(state.level)) return;
    const url = choroplethUrl(state);
    const promise = getJSON(url);
    promise.catch(() => {});  // an unused prefetch that fails is not an error of the page
    prefetched = { url, promise };
  }
  function choroplethJSON(url) {
    const early = prefetched;
    prefetched = null;
    return early && early.url === url ? early.promise : getJSON(url);
  }

  async function drawChoropleth(state) {
    const current = drawSeq.next();
    if (useTiles(state.level)) return drawTiledChoropleth(state, current);
    document.body.dataset.choropleth = "geojson";
    const data = await choroplethJSON(choroplethUrl(state));
    if (!current()) return null; // a newer redraw started meanwhile
    const legend = data.legend;
    const ranked = data.features.filter((f) => f.properties.rank !== null).length;
    const layer = L.geoJSON(data, {
      style: (f) => ({ color: "#555", weight: state.level === "desa" ? 0.4 : 1,
        fillColor: colorFor(f.properties, legend), fillOpacity: 0.8 }),
      onEachFeature: (f, l) => {
        const p = f.properties;
        l.bindTooltip(`<b>${esc(p.nama)}</b><br>${t.tip_value}: ${p.suppressed ? shown(p, legend, null) : esc(fmt(p.value))}` +
          `<br>${t.tip_rank}: ${p.rank === null ? "–" : `${esc(p.rank)} / ${ranked}`}` +
          `<br>${t.tip_incidents}: ${shown(p, legend, p.n_incidents)}`, { sticky: true, className: "pks-tip" });
        // cockpit.js opens the area's side panel
        l.on("click", () => document.dispatchEvent(new CustomEvent("pks-area",
          { detail: { properties: p, ranked, level: state.level } })));
      },
    });
    if (choroplethLayer) {
      layers.removeLayer(choroplethLayer);
      map.removeLayer(choroplethLayer);
    }
    choroplethLayer = layer;
    layer.addTo(map);
    layers.addOverlay(layer, t.layer_choropleth);
    layer.eachLayer((l) => {
      const el = l.getElement && l.getElement();
      if (el) {
        el.setAttribute("data-kode", l.feature.properties.kode);
        el.setAttribute("data-level", `choropleth-${state.level}`);
        el.setAttribute("data-class", String(l.feature.properties["class"]));
      }
    });
    drawLegend(legend, state);
    if (kecamatanOutline && map.hasLayer(kecamatanOutline)) kecamatanOutline.bringToFront();
    document.dispatchEvent(new CustomEvent("pks-drawn", { detail: { data, state, ranked } }));
    return data;
  }

  // ---- points -------------------------------------------------------------------------
  async function drawIncidents(state) {
    if (!cfg.canSeeIncidents) return;
    const params = {};
    for (const key of ["from", "to", "election", "stage", "kategori"]) {
      if (state[key]) params[key] = state[key];
    }
    params.limit = INCIDENT_LIMIT;
    const data = await getJSON(`/api/v1/incidents?${new URLSearchParams(params)}`);
    const matched = data.numberMatched ?? data.features.length;
    const tiled = Boolean(window.PKSTiles);  // every incident as vector tiles, its own layer
    incidentNote = matched > data.features.length
      ? (tiled ? t.incidents_sample_tiles : t.incidents_sample)
        .replace("{shown}", fmt(data.features.length)).replace("{total}", fmt(matched))
        .replace("{layer}", t.layer_incidents_all)
      : "";
    document.body.dataset.incidentSample = incidentNote ? "1" : "0";
    showIncidentNote(incidentNote && !map.hasLayer(allIncidents || L.layerGroup()) ? incidentNote : "");
    if (allIncidents) allIncidents.setParams(incidentTileParams(state));
    const cluster = L.markerClusterGroup({ showCoverageOnHover: false });
    L.geoJSON(data, {
      pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 5, color: "#a50f15", className: "pks-incident",
        weight: 1, fillColor: "#de2d26", fillOpacity: 0.9 }),
      onEachFeature: (f, l) => l.bindPopup(
        `<b>${esc(f.properties.kategori)}</b> ${esc(window.PKS.date(f.properties.event_date, cfg.lang))}<br>` +
        `${esc(f.properties.desa_nama || f.properties.desa_kode || "")}`),
    }).eachLayer((l) => cluster.addLayer(l));
    replaceOverlay("incident", cluster, t.layer_incidents, incidentsWanted);
    if (!overlayWatch) {  // the incident layer is made anew on every redraw: remember the user's choice
      overlayWatch = true;
      map.on("overlayadd overlayremove", (ev) => {
        if (ev.layer === overlays.incident) incidentsWanted = ev.type === "overlayadd";
      });
    }
  }

  // The incident layer above is the latest INCIDENT_LIMIT; when there are more, a note on the map
  // says so and names the layer that draws every incident (vector tiles, analysts and up).
  let incidentNoteControl = null;
  function showIncidentNote(text) {
    if (!incidentNoteControl) {
      incidentNoteControl = L.control({ position: "bottomright" });
      incidentNoteControl.onAdd = () => {
        const div = L.DomUtil.create("div", "pks-incident-note");
        div.setAttribute("data-testid", "incident-note");
        div.setAttribute("role", "status");
        return div;
      };
      incidentNoteControl.addTo(map);
    }
    const el = incidentNoteControl.getContainer();
    el.textContent = text;
    el.hidden = !text;
  }

  function incidentTileParams(state) {
    const params = {};
    for (const key of ["from", "to", "election", "stage", "kategori", "verified"]) {
      if (state[key]) params[key] = state[key];
    }
    return params;
  }

  let overlayWatch = false;
  let allIncidents = null;  // created in init() for analysts when tiles are available
  function makeAllIncidents() {
    if (!cfg.canSeeIncidents || !window.PKSTiles) return null;
    const layer = window.PKSTiles.incidentLayer(map, incidentTileParams(readForm()), null, {
      tooltip: (p) => `<b>${esc(p.kategori)}</b> ${esc(window.PKS.date(p.event_date, cfg.lang))}` +
        (p.n > 1 ? `<br>${esc(t.incidents_cell.replace("{n}", fmt(p.n)))}` : "") });
    layers.addOverlay(layer, t.layer_incidents_all);
    map.on("overlayadd overlayremove", (ev) => {
      if (ev.layer !== layer) return;
      document.body.dataset.incidentsAll = ev.type === "overlayadd" ? "on" : "off";
      showIncidentNote(ev.type === "overlayadd" ? "" : incidentNote);
    });
    return layer;
  }

  // TPS points (thousands) are fetched only while their layer is switched on.
  const tpsGroup = L.layerGroup();
  async function drawTps(state) {
    if (!map.hasLayer(tpsGroup)) return;
    const params = state.election ? { election: state.election } : {};
    let data;
    try {
      data = await getJSON(`/api/v1/tps?${new URLSearchParams(params)}`);
    } catch (err) {
      tpsGroup.clearLayers();
      return; // no TPS for this election: the layer stays empty
    }
    tpsGroup.clearLayers();
    L.geoJSON(data, {
      pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 3, color: "#08519c",
        weight: 1, fillColor: "#6baed6", fillOpacity: 0.9, className: "pks-tps" }),
      onEachFeature: (f, l) => l.bindTooltip(
        `TPS ${esc(f.properties.no_tps)} · DPT ${esc(f.properties.dpt ?? "–")}`),
    }).eachLayer((l) => tpsGroup.addLayer(l));
    document.body.dataset.tps = String(tpsGroup.getLayers().length);
  }

  // Desa outlines (1 MB at kabupaten scale) likewise: the desa choropleth already shows them.
  const desaOutline = L.featureGroup();
  async function drawDesaOutline() {
    if (!map.hasLayer(desaOutline) || desaOutline.getLayers().length) return;
    const desa = await getJSON("/api/v1/areas?level=desa");
    const layer = boundaryLayer(desa, { color: "#7a8b99", weight: 0.5, fill: false });
    desaOutline.addLayer(layer);
    tagElements(layer);
    if (kecamatanOutline && map.hasLayer(kecamatanOutline)) kecamatanOutline.bringToFront();
    document.body.dataset.desaOutline = String(desa.features.length);
  }

  // The kecamatan boundaries as their source draws them, on demand.
  const kecamatanSource = L.featureGroup();
  async function drawKecamatanSource() {
    if (!map.hasLayer(kecamatanSource) || kecamatanSource.getLayers().length) return;
    const kec = await getJSON("/api/v1/areas?level=kecamatan");
    kecamatanSource.addLayer(boundaryLayer(kec, { color: "#b35806", weight: 1.5, dashArray: "4 4", fill: false }));
    document.body.dataset.kecamatanSource = String(kec.features.length);
  }

  const overlays = {};
  function replaceOverlay(key, layer, label, visibleByDefault) {
    const old = overlays[key];
    const wasVisible = old ? map.hasLayer(old) : visibleByDefault;
    if (old) { layers.removeLayer(old); map.removeLayer(old); }
    overlays[key] = layer;
    layers.addOverlay(layer, label);
    if (wasVisible) layer.addTo(map);
  }

  // ---- redraw -------------------------------------------------------------------------
  async function redraw() {
    const state = readForm();
    syncUrl(state);
    errorEl.hidden = true;
    document.body.dataset.ready = "loading";
    statusEl.textContent = t.loading;
    try {
      const data = await drawChoropleth(state);
      if (data === null) return;
      if (analysisLayers) analysisLayers.refresh();
      await Promise.all([drawIncidents(state).catch((e) => {
        errorEl.hidden = false;
        errorEl.textContent = `${t.layer_incidents}: ${window.PKS.reason(e, t)}`;
      }), drawTps(state)]);
      const n = Array.isArray(data.features)
        ? data.features.reduce((s, f) => s + (f.properties.n_incidents || 0), 0)
        : (data.nIncidents ?? "–");
      // suppressed areas (1 .. min_cell-1 incidents each) are not in the sum: it is a lower bound
      const hidden = Array.isArray(data.features) && data.features.some((f) => f.properties.suppressed);
      statusEl.textContent = `${data.features.length} ${state.level === "desa" ? t.desa : t.kecamatan}` +
        ` · ${hidden ? "≥ " : ""}${window.PKS.plural(t, "n_incidents", n, cfg.lang).replace("{n}", fmt(n))}` + (incidentNote ? ` · ${incidentNote}` : "");
      document.body.dataset.ready = "true";
      performance.mark("pks-ready");  // bench/bench_page.py reads this
    } catch (err) {
      errorEl.hidden = false;
      errorEl.textContent = errorText(err);
      statusEl.textContent = t.load_failed;
      document.body.dataset.ready = "error";
    }
  }

  // ---- stage animation and sharing ----------------------------------------------------
  // The animation keeps one classification for all frames: the breaks of the whole period
  // (all stages), so a colour means the same count in every stage; the stage is named on the map.
  let stageLabel = null;
  function showStage(text) {
    if (!stageLabel) {
      stageLabel = L.control({ position: "topright" });
      stageLabel.onAdd = () => L.DomUtil.create("div", "pks-stage-label");
      stageLabel.addTo(map);
    }
    const el = stageLabel.getContainer();
    el.textContent = text;
    el.hidden = !text;
  }

  function stopPlay() {
    if (playTimer) clearInterval(playTimer);
    playTimer = null;
    fixedBreaks = null;
    showStage("");
    document.getElementById("pks-play").textContent = t.f_play;
  }

  async function togglePlay() {
    if (playTimer) { stopPlay(); return; }
    const select = form.elements.stage;
    const stages = Array.from(select.options).filter((o) => o.value);
    const whole = readForm();
    delete whole.stage;
    const overall = await getJSON(`/api/v1/choropleth?${query(whole)}`).catch(() => null);
    const breaks = overall && overall.legend && overall.legend.breaks;
    fixedBreaks = breaks && breaks.length ? { scheme: "manual", breaks: breaks.join(",") } : null;
    let i = 0;
    document.getElementById("pks-play").textContent = t.f_stop;
    const step = () => {
      select.value = stages[i].value;
      showStage(`${t.f_stage}: ${stages[i].textContent}`);
      redraw();
      i += 1;
      if (i >= stages.length) {  // the last frame stays, with its stage named; the next change reclassifies
        clearInterval(playTimer);
        playTimer = null;
        fixedBreaks = null;
        document.getElementById("pks-play").textContent = t.f_play;
      }
    };
    playTimer = setInterval(step, 2000);
    step();
  }

  async function share() {
    const url = location.href;
    try { await navigator.clipboard.writeText(url); } catch (err) { /* not allowed: show it */ }
    statusEl.textContent = `${t.f_copied}: ${url}`;
  }

  // ---- start --------------------------------------------------------------------------
  // on a phone the layer list folds into Leaflet's layers button (tap to open)
  const phone = window.matchMedia("(max-width: 700px)").matches;
  const layers = L.control.layers(null, null, { collapsed: phone }).addTo(map);
  // the basemap (only when PKS_GEO_TILE_URL is set) can be switched off like any layer
  map.eachLayer((l) => { if (l instanceof L.TileLayer) layers.addOverlay(l, t.layer_basemap); });
  const analysisLayers = window.PKSAnalysisLayers
    ? window.PKSAnalysisLayers.create(map, layers, t, readForm) : null;

  async function init() {
    writeForm(new URLSearchParams(location.search));
    form.addEventListener("change", (ev) => {
      if (ev.target.name === "scheme") toggleBreaks();
      if (!playTimer) showStage("");
      redraw();
    });
    form.addEventListener("submit", (ev) => { ev.preventDefault(); redraw(); });
    document.getElementById("pks-play").addEventListener("click", togglePlay);
    document.getElementById("pks-share").addEventListener("click", share);
    prefetchChoropleth(readForm());
    try {
      const empty = { type: "FeatureCollection", features: [] };
      // kecamatan drawn as the union of their desa, so the outline never cuts through a desa;
      // the source boundary (a coarser dataset) stays available as its own layer
      const kec = useTiles("kecamatan") ? empty : await getJSON("/api/v1/areas?level=kecamatan&outline=desa");
      const kecLayer = boundaryLayer(kec, { color: "#1f3b57", weight: 2, fill: false });
      layers.addOverlay(kecLayer, t.layer_kecamatan);
      if (!useTiles("desa")) layers.addOverlay(desaOutline, t.layer_desa);
      if (!useTiles("kecamatan")) layers.addOverlay(kecamatanSource, t.layer_kecamatan_source);
      layers.addOverlay(tpsGroup, t.layer_tps);
      map.on("overlayadd", (ev) => {
        if (ev.layer === tpsGroup) drawTps(readForm());
        if (ev.layer === desaOutline) drawDesaOutline();
        if (ev.layer === kecamatanSource) drawKecamatanSource();
      });
      kecLayer.addTo(map);
      tagElements(kecLayer);
      allIncidents = makeAllIncidents();
      Object.assign(SHOWABLE, { kecamatan: kecLayer, desa: desaOutline, tps: tpsGroup,
        kecamatan_source: kecamatanSource });
      if (allIncidents) SHOWABLE.incidents_all = allIncidents;
      if (analysisLayers) Object.assign(SHOWABLE, analysisLayers.groups);
      document.body.dataset.kecamatan = String(kec.features.length);
      if (!kec.features.length && !useTiles("kecamatan") && !useTiles("desa")) {
        statusEl.textContent = t.no_boundaries;
        document.body.dataset.ready = "true";
        return;
      }
      if (kec.features.length) map.fitBounds(kecLayer.getBounds());
      kecamatanOutline = kecLayer;
      applyView(new URLSearchParams(location.search));
      viewReady = true;
      map.on("moveend overlayadd overlayremove pks:linkchange", () => syncUrl(readForm()));
    } catch (err) {
      statusEl.textContent = `${t.load_failed}: ${window.PKS.reason(err, t)}`;
      document.body.dataset.ready = "error";
      return;
    }
    await redraw();
  }

  // what the cockpit's tools (web/static/js/cockpit.js) need of this page
  // which of the data layers are on the map now (the export menu offers them first)
  const shownLayers = () => ({ choropleth: Boolean(choroplethLayer) && map.hasLayer(choroplethLayer),
    incidents: Boolean(overlays.incident) && map.hasLayer(overlays.incident), tps: map.hasLayer(tpsGroup),
    hotspots: Boolean(analysisLayers) && analysisLayers.shown("hotspots") });
  window.PKSMap = { map, form, readForm, redraw, viewParams, layers, fmt, analysis: analysisLayers, shownLayers,
    register, shownNames };
  init();
})();
