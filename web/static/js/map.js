// Adds the data layers to the folium-built Leaflet map. Data come from the app's own API,
// so layers can be redrawn without a page reload.
(function () {
  "use strict";
  const cfg = window.PKS_GEO;
  const map = window[cfg.map];
  const t = cfg.texts;
  const status = document.getElementById("pks-status");

  function tooltip(props) {
    return `<b>${props.nama}</b><br>${t.kode}: ${props.kode}<br>` +
      `${t.jenis}: ${props.jenis || ""}<br>${t.area_km2}: ${props.area_km2}`;
  }

  async function loadAreas(level) {
    const response = await fetch(`/api/v1/areas?level=${level}`, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`${level}: HTTP ${response.status}`);
    return response.json();
  }

  function areaLayer(data, style) {
    return L.geoJSON(data, {
      style: () => style,
      onEachFeature: (feature, layer) => {
        layer.bindTooltip(tooltip(feature.properties), { sticky: true, className: "pks-tip" });
      },
    });
  }

  async function init() {
    try {
      const [kec, desa] = await Promise.all([loadAreas("kecamatan"), loadAreas("desa")]);
      const desaLayer = areaLayer(desa, { color: "#7a8b99", weight: 0.6, fillOpacity: 0.05 });
      const kecLayer = areaLayer(kec, { color: "#1f3b57", weight: 2, fillColor: "#9ecae1",
        fillOpacity: 0.25 });
      desaLayer.addTo(map);
      kecLayer.addTo(map);
      for (const layer of [desaLayer, kecLayer]) {
        layer.eachLayer((l) => {
          const el = l.getElement && l.getElement();
          if (el) {
            el.setAttribute("data-kode", l.feature.properties.kode);
            el.setAttribute("data-level", l.feature.properties.level);
          }
        });
      }
      const overlays = {};
      overlays[t.layer_kecamatan] = kecLayer;
      overlays[t.layer_desa] = desaLayer;
      L.control.layers(null, overlays, { collapsed: false }).addTo(map);
      if (kec.features.length) {
        map.fitBounds(kecLayer.getBounds());
        status.textContent = `${kec.features.length} ${t.kecamatan} · ${desa.features.length} ${t.desa}`;
      } else {
        status.textContent = t.no_boundaries;
      }
      document.body.dataset.ready = "true";
      document.body.dataset.kecamatan = String(kec.features.length);
    } catch (err) {
      status.textContent = `${t.load_failed}: ${err.message}`;
      document.body.dataset.ready = "error";
    }
  }

  init();
})();
