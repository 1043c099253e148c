// The map's export menu ("Unduh data", issue 14 item 2): the choropleth, the hot spots, the
// incidents (analysts only) and the TPS in every format of /api/v1/export, asked with the
// filters and classification the map shows now. Builds on window.PKSMap (map.js) and on
// PKSShare.download (share.js), which says it is working and saves the file.
(function () {
  "use strict";
  const dialog = document.getElementById("pks-export-dialog");
  const opener = document.getElementById("pks-export-open");
  if (!dialog || !opener) return;
  const cfg = window.PKS_GEO;
  const t = cfg.texts;
  const M = window.PKSMap;
  const S = window.PKSShare;
  const status = document.getElementById("pks-export-status");
  const note = document.getElementById("pks-export-filters");
  const buttons = Array.from(dialog.querySelectorAll("[data-format]"));
  const FILTERS = ["from", "to", "election", "stage", "kategori", "verified"];
  const FORMAT_NAMES = { geojson: "GeoJSON", gpkg: "GeoPackage", kml: "KML", gpx: "GPX", csv: "CSV", txt: "metadata TXT" };

  function pick(state, keys) {
    const params = new URLSearchParams();
    for (const key of keys) if (state[key]) params.set(key, state[key]);
    return params;
  }

  // dataset -> its export query from the map's state: the parameters its layer on the map asks with
  const QUERIES = {
    choropleth: (s) => pick(s, ["level", "metric", "scheme", "k", "breaks", "smooth", ...FILTERS]),
    hotspots: (s) => {
      const params = M.analysis ? M.analysis.params("hotspots", s) : pick(s, ["level", "metric", ...FILTERS]);
      params.delete("lang");
      return params;
    },
    incidents: (s) => pick(s, FILTERS),
    tps: (s) => pick(s, ["election"]),  // the TPS layer shows one election's TPS; no incident filter applies
  };

  function exportUrl(dataset, fmt) {
    const params = QUERIES[dataset](M.readForm());
    params.set("lang", cfg.lang);
    return `/api/v1/export/${dataset}.${fmt}?${params}`;
  }

  // ---- what the file will hold, in words ------------------------------------------------
  function labelOf(name) {
    const el = M.form.elements[name];
    const label = el && el.closest("label");
    if (!label) return name;
    const first = label.firstChild;
    return (first && first.nodeType === Node.TEXT_NODE ? first.textContent : label.textContent).trim();
  }

  function optionText(name, value) {
    const el = M.form.elements[name];
    const option = el && el.options && Array.from(el.options).find((o) => o.value === value);
    return option ? option.textContent.trim() : value;
  }

  function describe(dataset) {
    const s = M.readForm();
    if (dataset === "tps") {
      return [S.fill(t.x_tps_scope, { election: s.election ? optionText("election", s.election) : t.x_tps_latest })];
    }
    const lines = [];
    if (dataset !== "incidents") {
      lines.push(`${optionText("level", s.level)} · ${optionText("metric", s.metric)}` +
        (s.smooth ? ` · ${labelOf("smooth")}` : ""));
    }
    const parts = [];
    if (s.from || s.to) {
      parts.push(`${s.from ? window.PKS.date(s.from, cfg.lang) : "…"} – ${s.to ? window.PKS.date(s.to, cfg.lang) : "…"}`);
    }
    for (const name of ["election", "stage", "kategori"]) {
      if (s[name]) parts.push(`${labelOf(name)}: ${optionText(name, s[name])}`);
    }
    if (s.verified) parts.push(labelOf("verified"));
    lines.push(S.fill(t.x_filters, { filters: parts.length ? parts.join(" · ") : t.x_no_filters }));
    if (dataset === "choropleth") {
      lines.push(s.scheme === "manual" && s.breaks ? S.fill(t.x_breaks, { breaks: s.breaks })
        : S.fill(t.x_classes, { scheme: optionText("scheme", s.scheme), k: s.k }));
    }
    return lines;
  }

  function chosen() {
    const radio = dialog.querySelector("input[name='pks-export-dataset']:checked");
    return radio ? radio.value : "choropleth";
  }

  function showNote() {
    note.replaceChildren();
    describe(chosen()).forEach((line, i) => {
      if (i) note.appendChild(document.createElement("br"));
      note.appendChild(document.createTextNode(line));
    });
    dialog.dataset.dataset = chosen();
  }

  function open() {
    const shown = M.shownLayers();
    for (const choice of dialog.querySelectorAll("[data-dataset]")) {
      const on = Boolean(shown[choice.dataset.dataset]);
      choice.querySelector(".pks-onmap").hidden = !on;
      choice.classList.toggle("pks-on-map", on);
    }
    if (!dialog.querySelector("input[name='pks-export-dataset']:checked")) {
      dialog.querySelector("input[name='pks-export-dataset']").checked = true;
    }
    status.textContent = "";
    showNote();
    dialog.showModal();
  }

  opener.addEventListener("click", open);
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  dialog.addEventListener("change", (ev) => { if (ev.target.name === "pks-export-dataset") showNote(); });
  for (const button of buttons) {
    button.addEventListener("click", async () => {
      const dataset = chosen();
      const fmt = button.dataset.format;
      const choice = dialog.querySelector(`[data-dataset='${dataset}'] strong`);
      buttons.forEach((b) => { b.disabled = true; });
      try {
        await S.download(exportUrl(dataset, fmt), `${choice ? choice.textContent : dataset} ${FORMAT_NAMES[fmt]}`,
          status, t);
      } finally {
        buttons.forEach((b) => { b.disabled = false; });
      }
    });
  }
  window.PKSExport = { url: exportUrl };
})();
