// A chrome-less choropleth of one saved view: the embed page (/embed/<id>) and the
// self-contained HTML file (/maps/<id>.html) share this renderer.
//
// The embed page carries a JSON config (#pks-embed-config) naming its data URL, which
// holds the same signed token as the page; the self-contained file carries the data
// itself (#pks-embed-data) and so makes no request at all. The data is the view's
// choropleth FeatureCollection: per-area aggregates, a legend and captions.
(function () {
  "use strict";
  const { esc: escapeHtml } = window.PKS;  // web/static/js/common.js (inlined too in the HTML file)

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function formatValue(value, lang) {
    return window.PKS.num(value, { lang });
  }

  function colorOf(props, legend) {
    // a small cell hidden by the disclosure policy has its own colour and legend row
    if (props.suppressed && legend.suppressed) return legend.suppressed.color;
    if (props["class"] === null || props["class"] === undefined) return legend.no_data.color;
    return legend.colors[props["class"]];
  }

  function addCaptions(container, view) {
    const head = el("div", "pks-embed-head");
    head.appendChild(el("h1", "pks-embed-title", view.title));
    head.appendChild(el("p", "pks-embed-subtitle", view.subtitle));
    container.appendChild(head);
    if (view.marking) {
      container.appendChild(el("div", "pks-embed-marking", view.marking));
    }
  }

  function legendControl(data, texts) {
    const legend = data.legend;
    const control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      const box = el("div", "pks-embed-legend");
      box.setAttribute("data-testid", "legend");
      box.appendChild(el("div", "pks-embed-legend-title", data.metric.label));
      const rows = window.PKS.choroplethRows(legend, true);
      for (const row of rows) {
        const line = el("div", "pks-embed-legend-row");
        const swatch = el("span", "pks-embed-swatch" + (row.hatch ? " pks-embed-hatch" : ""));
        swatch.style.backgroundColor = row.color;
        line.appendChild(swatch);
        line.appendChild(el("span", "pks-embed-legend-label", row.label));
        line.appendChild(el("span", "pks-embed-legend-count", `(${row.count})`));
        box.appendChild(line);
      }
      box.appendChild(el("div", "pks-embed-legend-note", texts.counts_note));
      return box;
    };
    return control;
  }

  function render(data, options) {
    const container = document.getElementById("pks-embed");
    const view = data.view || {};
    const texts = data.texts || options.texts || {};
    const lang = view.lang || "id";
    addCaptions(container, view);
    const mapEl = el("div", "pks-embed-map");
    mapEl.id = "pks-embed-map";
    container.appendChild(mapEl);
    if (view.data_date) {
      container.appendChild(el("div", "pks-embed-note", [view.data_date, texts.note].filter(Boolean).join(" · ")));
    }
    const map = L.map(mapEl, { zoomSnap: 0.25, attributionControl: true });
    if (options.tileUrl) {
      L.tileLayer(options.tileUrl, { attribution: options.tileAttribution || "" }).addTo(map);
    }
    const layer = L.geoJSON(data, {
      style: (feature) => {
        const noData = feature.properties["class"] === null && !feature.properties.suppressed;
        return { fillColor: colorOf(feature.properties, data.legend), fillOpacity: noData ? 0.55 : 0.85,
          color: noData ? "#636363" : "#737373", weight: 0.7, dashArray: noData ? "3 3" : null };
      },
      onEachFeature: (feature, lyr) => {
        const p = feature.properties;
        lyr.bindTooltip(`<strong>${escapeHtml(p.nama)}</strong>` +
          `<br>${escapeHtml(texts.value)}: ${p.suppressed ? escapeHtml(data.legend.suppressed.label) : formatValue(p.value, lang)}` +
          `<br>${escapeHtml(texts.incidents)}: ${p.suppressed ? escapeHtml(data.legend.suppressed.label) : formatValue(p.n_incidents, lang)}`,
        { sticky: true });
      },
    }).addTo(map);
    const extent = view.extent;
    if (extent) map.fitBounds([[extent[1], extent[0]], [extent[3], extent[2]]]);
    else if (layer.getLayers().length) map.fitBounds(layer.getBounds(), { padding: [8, 8] });
    else map.setView([0, 120], 5);
    layer.eachLayer((lyr) => {
      const path = lyr.getElement && lyr.getElement();
      if (path) path.setAttribute("data-kode", lyr.feature.properties.kode);
    });
    legendControl(data, texts).addTo(map);
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(escapeHtml(view.source || ""));
    container.setAttribute("data-ready", "true");
    container.setAttribute("data-features", String(layer.getLayers().length));
    return map;
  }

  function showError(message) {
    const container = document.getElementById("pks-embed");
    container.appendChild(el("p", "pks-embed-error", message));
    container.setAttribute("data-ready", "error");
  }

  const inline = document.getElementById("pks-embed-data");
  const config = document.getElementById("pks-embed-config");
  if (inline) {
    render(JSON.parse(inline.textContent), {});
  } else if (config) {
    const cfg = JSON.parse(config.textContent);
    window.PKS.getJSON(cfg.dataUrl, { headers: { Accept: "application/geo+json" } })
      .then((body) => render(body, cfg))
      .catch((err) => showError(err.reason || cfg.texts.failed));
  }
})();
