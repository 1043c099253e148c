// The map's tools: place labels, "Cari desa/kecamatan", the area side panel, Simpan tampilan,
// Cetak and Bagikan, and the phone layout's panel toggles. Builds on window.PKSMap (map.js).
(function () {
  "use strict";
  const cfg = window.PKS_GEO;
  const t = cfg.texts;
  const lang = cfg.lang;
  const M = window.PKSMap;
  const map = M.map;
  const S = window.PKSShare;
  const tools = document.getElementById("pks-tools");
  const toolStatus = document.getElementById("pks-tool-status");
  const phone = window.matchMedia("(max-width: 700px)");
  const locale = lang === "id" ? "id-ID" : "en-GB";
  const num = (v) => (v === null || v === undefined ? "–" : Number(v).toLocaleString(locale,
    { maximumFractionDigits: 2 }));
  let current = { data: null, state: null, ranked: 0, byKode: {} };
  let minCell = 3;
  // Below analyst, small counts come as null (disclosure policy): say "< n", never 0.
  const count = (v) => (v === null || v === undefined ? S.fill(t.a_suppressed, { n: minCell }) : num(v));

  function node(tag, attrs, text) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function say(text) {
    toolStatus.textContent = text;
    toolStatus.hidden = !text;
  }

  document.addEventListener("pks-drawn", (ev) => {
    const { data, state, ranked } = ev.detail;
    const byKode = {};
    for (const f of data.features) byKode[f.properties.kode] = f.properties;
    current = { data, state, ranked, byKode };
  });

  // ---- place labels: kecamatan always, desa from zoom 12 ------------------------------
  const labels = L.layerGroup();
  let places = [];
  const DESA_ZOOM = 12;
  function label(place) {
    const span = node("span", {}, place.nama);
    return L.marker([place.label[1], place.label[0]], { interactive: false, keyboard: false,
      icon: L.divIcon({ className: `pks-label pks-label-${place.level}`, html: span, iconSize: null }) });
  }
  function drawLabels() {
    labels.clearLayers();
    if (!map.hasLayer(labels)) { document.body.dataset.labels = "0"; return; }
    const zoom = map.getZoom();
    const bounds = map.getBounds().pad(0.1);
    // a label that would overlap one already placed is left out (kecamatan first, then desa)
    const taken = [];
    const fits = (pt, text, size, upper) => {
      const w = text.length * size * (upper ? 0.82 : 0.62) + 8;  // bold capitals are wider
      const box = [pt.x - w / 2, pt.y - size * 0.7, pt.x + w / 2, pt.y + size * 0.7];
      if (taken.some((b) => box[0] < b[2] && box[2] > b[0] && box[1] < b[3] && box[3] > b[1])) return false;
      taken.push(box);
      return true;
    };
    for (const place of places.slice().sort((a, b) => (a.level === b.level ? 0 : a.level === "kecamatan" ? -1 : 1))) {
      if (place.level === "desa" && zoom < DESA_ZOOM) continue;
      if (place.level === "kecamatan" && zoom >= DESA_ZOOM + 2) continue;
      const ll = L.latLng(place.label[1], place.label[0]);
      if (!bounds.contains(ll)) continue;
      const kec = place.level === "kecamatan";
      if (fits(map.latLngToContainerPoint(ll), place.nama, kec ? 12 : 11, kec)) {
        labels.addLayer(label(place));
      }
    }
    document.body.dataset.labels = String(labels.getLayers().length);
  }
  S.api("GET", "/api/v1/places").then((body) => {
    places = body.places;
    M.layers.addOverlay(labels, t.c_labels);
    labels.addTo(map);
    M.register("labels", labels);  // a link or saved view may have them off
    drawLabels();
    map.on("zoomend moveend overlayadd", drawLabels);
  }).catch((err) => console.warn("places:", err));

  // ---- search -------------------------------------------------------------------------
  const input = document.getElementById("pks-search");
  const list = document.getElementById("pks-search-results");
  let hits = [];
  let active = -1;
  let searchTimer = null;
  let highlight = null;

  function closeList() { list.hidden = true; active = -1; input.setAttribute("aria-expanded", "false"); }

  function renderHits() {
    list.replaceChildren();
    if (!hits.length) {
      list.appendChild(node("li", { class: "pks-search-none" }, t.c_search_none));
    }
    hits.forEach((place, i) => {
      const li = node("li", { role: "option", id: `pks-hit-${i}`, "data-kode": place.kode,
        "aria-selected": String(i === active) });
      li.appendChild(node("strong", {}, place.nama));
      const where = place.level === "desa" ? `${t.desa} · ${S.fill(t.a_in, { name: place.parent })}`
        : t.kecamatan;
      li.appendChild(node("span", {}, ` ${where} · ${place.kode}`));
      li.addEventListener("mousedown", (ev) => { ev.preventDefault(); choose(place); });
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  async function search() {
    const q = input.value.trim();
    if (!q) { closeList(); return; }
    try {
      hits = (await S.api("GET", `/api/v1/places/search?q=${encodeURIComponent(q)}`)).places;
      active = hits.length ? 0 : -1;
      renderHits();
    } catch (err) { say(S.fill(t.c_failed, { error: window.PKS.reason(err, t) })); }
  }

  async function choose(place) {
    closeList();
    input.value = place.nama;
    const [w, s, e, n] = place.bbox;
    map.flyToBounds([[s, w], [n, e]], { maxZoom: place.level === "desa" ? 14 : 12, duration: 0.8 });
    if (highlight) map.removeLayer(highlight);
    try {
      const geo = await S.api("GET", `/api/v1/areas?level=${place.level}&within=${encodeURIComponent(place.kode)}`);
      highlight = L.geoJSON(geo, { interactive: false, style: { color: "#000", weight: 3, fill: false,
        dashArray: "6 4", className: "pks-highlight" } }).addTo(map);
    } catch (err) { highlight = null; }
    document.body.dataset.found = place.kode;
    openArea(place.kode, current.byKode[place.kode] || null);
  }

  input.addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(search, 200); });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      if (!hits.length) return;
      ev.preventDefault();
      active = (active + (ev.key === "ArrowDown" ? 1 : hits.length - 1)) % hits.length;
      renderHits();
      input.setAttribute("aria-activedescendant", `pks-hit-${active}`);
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      clearTimeout(searchTimer);
      if (hits.length && !list.hidden && active >= 0) choose(hits[active]);
      else search();
    } else if (ev.key === "Escape") { closeList(); }
  });
  input.addEventListener("blur", () => setTimeout(closeList, 150));

  // ---- area side panel ----------------------------------------------------------------
  const panel = document.getElementById("pks-area");
  const panelTitle = document.getElementById("pks-area-title");
  const panelBody = document.getElementById("pks-area-body");
  let sparkline = null;
  document.getElementById("pks-area-close").addEventListener("click", () => { panel.hidden = true; });
  panel.addEventListener("keydown", (ev) => { if (ev.key === "Escape") panel.hidden = true; });

  function filterQuery(extra) {
    const state = Object.assign({}, M.readForm(), extra || {});
    const params = new URLSearchParams();
    for (const key of ["from", "to", "election", "stage", "kategori", "verified"]) {
      if (state[key]) params.set(key, state[key]);
    }
    return params;
  }

  function row(dl, term, value) {
    dl.appendChild(node("dt", {}, term));
    dl.appendChild(node("dd", {}, value));
  }

  // The hot-spot API explains its verdict (issue 12 adds an explanation field); without one the
  // panel says the class with its z score and (FDR-adjusted) p value.
  function hotspotText(p) {
    if (!p) return t.a_hotspot_failed;
    if (p.explanation) return p.explanation;
    if (p.gi_bin === null || p.gi_bin === undefined) return t.hot_insufficient;
    return `${t[`hot_${p.gi_bin}`] || p.gi_bin} (z = ${num(p.gi_z)}; p = ${num(p.p_fdr ?? p.p_value)})`;
  }

  async function hotspotFor(kode, level) {
    const state = M.readForm();
    const params = filterQuery();
    params.set("level", level);
    if (state.metric) params.set("metric", state.metric);
    if (state.smooth) params.set("smooth", state.smooth);
    params.set("lang", lang);
    const body = await S.api("GET", `/api/v1/hotspots?${params}`);
    if (body.insufficient_data) return { explanation: t.hot_insufficient };
    const f = body.features.find((x) => x.properties.kode === kode);
    return f ? f.properties : null;
  }

  function kategoriLabel(code) {
    const select = M.form.elements.kategori;
    const option = select && Array.from(select.options).find((o) => o.value === code);
    return option ? option.textContent : code;
  }

  async function openArea(kode, props) {
    panel.hidden = false;
    panel.dataset.kode = kode;
    panelTitle.textContent = props ? props.nama : kode;
    panelBody.replaceChildren(node("p", { class: "pks-note pks-working" }, t.loading));
    document.body.dataset.area = "loading";
    let profile;
    try {
      profile = await S.api("GET", `/api/v1/areas/${encodeURIComponent(kode)}/profile?${filterQuery()}`);
    } catch (err) {
      panelBody.replaceChildren(node("p", { class: "pks-error" }, S.fill(t.c_failed, { error: window.PKS.reason(err, t) })));
      document.body.dataset.area = "error";
      return;
    }
    if (panel.dataset.kode !== kode) return;
    if (profile.min_cell) minCell = profile.min_cell;
    panelTitle.textContent = profile.nama;
    const body = [];
    body.push(node("p", { class: "pks-note" }, profile.level === "desa"
      ? `${t.desa} · ${S.fill(t.a_in, { name: profile.parent })} · ${profile.kode}`
      : `${t.kecamatan} · ${profile.kode}`));
    const dl = node("dl", { class: "pks-facts" });
    const metric = current.state ? (t[`metric_${current.state.metric}`] || current.state.metric) : t.a_value;
    if (props && current.state && current.state.level === profile.level) {
      row(dl, `${t.a_value} (${metric})`, props.suppressed ? count(null) : num(props.value));
      row(dl, t.a_rank, props.rank === null || props.rank === undefined ? "–"
        : S.fill(t.a_rank_of, { rank: props.rank, n: current.ranked }));
    }
    row(dl, t.tip_incidents, count(profile.n_incidents));
    if (profile.election) {
      row(dl, t.a_tps, num(profile.tps));
      row(dl, t.a_dpt, num(profile.dpt));
    } else {
      row(dl, `${t.a_tps} / ${t.a_dpt}`, t.a_no_tps);
    }
    body.push(dl);
    if (profile.election) body.push(node("p", { class: "pks-note" }, S.fill(t.a_tps_of, { election: profile.election })));
    const hs = node("p", { class: "pks-note pks-working", "data-hotspot": "loading" }, t.c_working);
    body.push(node("h3", {}, t.a_hotspot), hs);
    body.push(node("h3", {}, t.a_by_kategori));
    if (profile.suppressed) {
      body.push(node("p", { class: "pks-note" }, S.fill(t.a_suppressed, { n: minCell })));
    } else if (profile.by_kategori.length) {
      const table = node("table", { class: "pks-kat" });
      const max = Math.max(minCell, ...profile.by_kategori.map((k) => k.count || 0));
      for (const k of profile.by_kategori) {
        const tr = node("tr");
        tr.appendChild(node("td", {}, kategoriLabel(k.kategori)));
        const bar = node("td", { class: "pks-bar-cell" });
        const i = node("i");
        i.style.width = `${Math.max(4, Math.round(((k.count ?? minCell / 2) / max) * 100))}%`;
        bar.appendChild(i);
        tr.appendChild(bar);
        tr.appendChild(node("td", { class: "pks-num" }, k.count === null ? `< ${minCell}` : num(k.count)));
        table.appendChild(tr);
      }
      body.push(table);
    } else {
      body.push(node("p", { class: "pks-note" }, t.a_no_incidents));
    }
    body.push(node("h3", {}, t.a_monthly));
    const spark = node("div", { class: "pks-spark", "data-months": String(profile.monthly.length) });
    body.push(spark);
    const incidents = tools.dataset.incidentsUrl;
    if (incidents && cfg.canSeeIncidents) {
      const params = filterQuery();
      params.set(profile.level, profile.kode);
      const p = node("p");
      p.appendChild(node("a", { href: `${incidents}?${params}`, class: "pks-incidents-link" },
        `${t.a_incidents_link} →`));
      body.push(p);
    }
    panelBody.replaceChildren(...body);
    drawSparkline(spark, profile.monthly);
    document.body.dataset.area = kode;
    hotspotFor(kode, profile.level).then((p) => {
      hs.textContent = `${hotspotText(p)}`;
      hs.dataset.hotspot = "done";
      hs.classList.remove("pks-working");
    }).catch(() => {
      hs.textContent = t.a_hotspot_failed;
      hs.dataset.hotspot = "error";
      hs.classList.remove("pks-working");
    });
  }

  function drawSparkline(el, monthly) {
    if (sparkline) { sparkline.destroy(); sparkline = null; }
    if (!monthly.length || !window.uPlot) return;
    const xs = monthly.map((m) => Date.parse(`${m.month}T00:00:00Z`) / 1000);
    const ys = monthly.map((m) => m.count);
    sparkline = new window.uPlot({ width: Math.max(200, el.clientWidth || 260), height: 60,
      legend: { show: false }, cursor: { show: false }, select: { show: false },
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
      axes: [{ show: false }, { show: false }],
      series: [{}, { stroke: "#b30000", width: 1.5, fill: "rgba(227,74,51,.15)" }] }, [xs, ys], el);
    el.setAttribute("role", "img");
    el.setAttribute("aria-label", `${t.a_monthly}: ${monthly.map((m) => (m.count === null ? `< ${minCell}` : m.count)).join(", ")}`);
  }

  document.addEventListener("pks-area", (ev) => openArea(ev.detail.properties.kode, ev.detail.properties));
  // new filters (a brushed date range, say): an open panel follows them
  document.addEventListener("pks-drawn", () => {
    if (!panel.hidden && panel.dataset.kode && document.body.dataset.area !== "loading") {
      openArea(panel.dataset.kode, current.byKode[panel.dataset.kode] || null);
    }
  });

  // ---- save, print, share ------------------------------------------------------------
  function spec(title) {
    const state = M.readForm();
    const filters = {};
    for (const key of ["level", "from", "to", "election", "stage", "kategori", "verified"]) {
      if (state[key]) filters[key] = state[key];
    }
    const classification = { scheme: state.scheme };
    if (state.scheme === "manual" && state.breaks) classification.breaks = state.breaks;
    else if (state.k) classification.k = Number(state.k);
    const b = map.getBounds();
    const extent = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => Number(v.toFixed(5)));
    const out = { title, metric: state.metric, filters, classification, extent,
      layers: ["choropleth", ...M.shownNames()] };  // the layers switched on now
    if (state.smooth) out.smooth = state.smooth;
    return out;
  }

  function defaultTitle() {
    const state = M.readForm();
    const metric = t[`metric_${state.metric}`] || state.metric;
    const level = state.level === "desa" ? t.desa : t.kecamatan;
    return `${metric} · ${level}`;
  }

  let saved = null;  // {key, view}: the last view saved from this page, reused while nothing changed
  async function saveView(title) {
    const body = spec(title);
    const key = JSON.stringify(Object.assign({}, body, { extent: null }));
    if (saved && saved.key === key) return saved.view;
    const csrf = (document.querySelector("meta[name='csrf-token']") || {}).content || "";
    const response = await fetch("/api/v1/views", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body) });
    const view = await response.json().catch(() => ({}));
    if (!response.ok) throw window.PKS.refused(response, view);
    saved = { key, view };
    document.body.dataset.savedView = view.id;
    return view;
  }

  function wireDialog(dialog) {
    for (const b of dialog.querySelectorAll("[data-close]")) b.addEventListener("click", () => dialog.close());
  }

  const saveDialog = document.getElementById("pks-save-dialog");
  if (saveDialog) {
    wireDialog(saveDialog);
    const name = document.getElementById("pks-save-name");
    const status = document.getElementById("pks-save-status");
    document.getElementById("pks-save").addEventListener("click", () => {
      name.value = name.value || defaultTitle();
      status.textContent = "";
      saveDialog.showModal();
      name.select();
    });
    const doSave = async () => {
      status.textContent = t.c_working;
      status.classList.add("pks-working");
      try {
        const view = await saveView(name.value.trim() || defaultTitle());
        status.replaceChildren(S.fill(t.c_saved, { title: view.title }), " ");
        status.appendChild(node("a", { href: `/briefing?lang=${lang}` }, t.c_open_briefing));
      } catch (err) {
        status.textContent = S.fill(t.c_failed, { error: window.PKS.reason(err, t) });
      } finally { status.classList.remove("pks-working"); }
    };
    document.getElementById("pks-save-do").addEventListener("click", doSave);
    name.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); doSave(); } });

    const printDialog = document.getElementById("pks-print-dialog");
    wireDialog(printDialog);
    const pName = document.getElementById("pks-print-name");
    const pStatus = document.getElementById("pks-print-status");
    const fmt = document.getElementById("pks-print-format");
    const atlas = document.getElementById("pks-print-atlas");
    const go = document.getElementById("pks-print-do");
    const relabel = () => {
      if (atlas.checked) fmt.value = "pdf";
      go.textContent = `${t.p_download} ${atlas.checked ? "Atlas PDF" : fmt.value.toUpperCase()}`;
    };
    fmt.addEventListener("change", () => { if (fmt.value === "png") atlas.checked = false; relabel(); });
    atlas.addEventListener("change", relabel);
    document.getElementById("pks-print").addEventListener("click", () => {
      pName.value = pName.value || defaultTitle();
      pStatus.textContent = "";
      printDialog.showModal();
    });
    go.addEventListener("click", async () => {
      go.disabled = true;
      try {
        const view = await saveView(pName.value.trim() || defaultTitle());
        const paper = document.getElementById("pks-print-paper").value;
        const dpi = document.getElementById("pks-print-dpi").value;
        const q = `paper=${paper}&dpi=${dpi}&lang=${lang}&download=1`;
        const url = atlas.checked ? `/maps/${view.id}/atlas.pdf?${q}` : `/maps/${view.id}.${fmt.value}?${q}`;
        await S.download(url, atlas.checked ? "Atlas PDF" : fmt.value.toUpperCase(), pStatus, t);
      } catch (err) {
        pStatus.textContent = S.fill(t.c_failed, { error: window.PKS.reason(err, t) });
      } finally { go.disabled = false; }
    });

    const share = S.setup(t, lang);
    document.getElementById("pks-share-open").addEventListener("click", async () => {
      say(t.c_working);
      try {
        const view = await saveView(defaultTitle());
        say("");
        share.open(view);
      } catch (err) { say(S.fill(t.c_failed, { error: window.PKS.reason(err, t) })); }
    });
  }

  // ---- phone layout: the filter panel is a sheet behind a button ----------------------
  const filterPanel = document.getElementById("pks-panel");
  const filterButton = document.getElementById("pks-toggle-filters");
  const closeFilters = node("button", { type: "button", class: "pks-dialog-close pks-phone-only pks-sheet-close",
    "aria-label": t.c_close }, "×");
  filterPanel.prepend(closeFilters);
  function setFilters(open) {
    filterPanel.classList.toggle("pks-open", open);
    filterButton.setAttribute("aria-expanded", String(open));
  }
  filterButton.addEventListener("click", () => setFilters(!filterPanel.classList.contains("pks-open")));
  closeFilters.addEventListener("click", () => setFilters(false));
  filterPanel.addEventListener("keydown", (ev) => { if (ev.key === "Escape" && phone.matches) setFilters(false); });
  document.addEventListener("pks-area", () => { if (phone.matches) setFilters(false); });

  // An analyst's tool buttons take two rows on a phone: Leaflet's controls start below them.
  function placeControls() {
    const mapEl = map.getContainer();
    if (!phone.matches) { mapEl.style.removeProperty("--pks-controls-top"); return; }
    const below = tools.getBoundingClientRect().bottom - mapEl.getBoundingClientRect().top + 2;
    mapEl.style.setProperty("--pks-controls-top", `${Math.max(92, Math.ceil(below))}px`);
  }
  placeControls();
  window.addEventListener("resize", placeControls);
  phone.addEventListener("change", placeControls);
})();
