// Vector-tile layers for big maps (a province of desa, the nation's kecamatan), drawn by
// Leaflet.VectorGrid from the app's own /tiles endpoints (Mapbox Vector Tiles made by PostGIS).
//
// Needs, in this order: /vendor/leaflet/leaflet.js,
// /vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js, /static/js/tiles.js.
//
//   const tj = await PKSTiles.tileJson("areas-desa", params);   // feature_count, use_tiles, legend
//   if (tj.use_tiles) {
//     const layer = PKSTiles.areaLayer(map, "desa", params, null, { tooltip: (p) => p.nama });
//     layer.addTo(map);
//     layer.setParams(newParams);                                 // filters changed: new tiles
//   }
//
// `params` are the choropleth parameters of /api/v1/choropleth (metric, scheme, k, from, to,
// election, stage, kategori, verified, smooth, within, lang) as an object, a query string or
// URLSearchParams; without any of them the tiles carry only kode and nama. With them every
// feature has value, class, color, rank and n_incidents of the current choropleth.
(function () {
  "use strict";

  const DEFAULT_THRESHOLD = 2000;
  const NO_DATA_COLOR = window.PKS.NO_DATA_COLOR;  // common.js is loaded first

  // Leaflet >= 1.8 dropped L.DomEvent.fakeStop, which VectorGrid 1.3's canvas renderer calls
  // on a feature click; stopping propagation has the intended effect (no map click as well).
  if (window.L && L.DomEvent && !L.DomEvent.fakeStop) {
    L.DomEvent.fakeStop = function (e) { L.DomEvent.stopPropagation(e); };
  }

  function toParams(params) {
    const source = params instanceof URLSearchParams ? params : new URLSearchParams(params || {});
    const out = new URLSearchParams();
    for (const [key, value] of source) {
      if (value !== null && value !== undefined && value !== "") out.append(key, value);
    }
    return out;
  }

  function withQuery(path, params) {
    const qs = toParams(params).toString();
    return qs ? `${path}?${qs}` : path;
  }

  function tileUrl(layerName, params) {
    return withQuery(`/tiles/${layerName}/{z}/{x}/{y}.pbf`, params);
  }

  async function tileJson(layerName, params) {
    const response = await fetch(withQuery(`/tiles/${layerName}.json`, params),
      { credentials: "same-origin", headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) {
      const error = new Error(body.error || response.statusText);
      error.parameter = body.parameter;
      error.status = response.status;
      throw error;
    }
    return body;
  }

  function shouldUseTiles(featureCount, threshold) {
    return featureCount > (threshold === undefined ? DEFAULT_THRESHOLD : threshold);
  }

  function defaultAreaStyle(level) {
    return function (props) {
      const choropleth = props.color !== undefined;
      return {
        fill: true, fillColor: choropleth ? props.color || NO_DATA_COLOR : "#ffffff",
        fillOpacity: choropleth ? 0.8 : 0.05, color: "#555555",
        weight: level === "desa" ? 0.4 : 1, opacity: 1,
      };
    };
  }

  function defaultPointStyle(color) {
    return function () {
      return { radius: 3, fill: true, fillColor: color, fillOpacity: 0.9, color: "#ffffff",
        weight: 0.5 };
    };
  }

  // One VectorGrid layer over /tiles/<layerName>, with setParams() to follow the filters and
  // an optional hover tooltip (options.tooltip(properties) -> HTML string).
  function vectorLayer(map, layerName, params, styleFn, options) {
    const opts = Object.assign({}, options || {});
    const tooltip = opts.tooltip;
    delete opts.tooltip;
    const styles = {};
    styles[layerName] = styleFn;
    const layer = L.vectorGrid.protobuf(tileUrl(layerName, params), Object.assign({
      vectorTileLayerStyles: styles,
      interactive: true,
      rendererFactory: L.canvas.tile,
      maxZoom: 22,
      fetchOptions: { credentials: "same-origin" },
    }, opts));
    layer.pksLayerName = layerName;
    layer.setParams = function (newParams) {
      layer.setUrl(tileUrl(layerName, newParams));
      return layer;
    };
    if (tooltip && map) {
      layer.on("mouseover", (e) => {
        if (e.layer && e.layer.properties) {
          map.openTooltip(tooltip(e.layer.properties), e.latlng,
            { className: "pks-tip", direction: "top" });
        }
      });
      layer.on("mouseout", () => {
        map.eachLayer((l) => { if (l instanceof L.Tooltip) map.closeTooltip(l); });
      });
    }
    return layer;
  }

  // The choropleth (or plain outlines) of `level` ("kecamatan" or "desa") as vector tiles.
  // styleFn(properties, zoom) -> Leaflet path options; default: the feature's `color`.
  function areaLayer(map, level, params, styleFn, options) {
    const layerName = `areas-${level}`;
    return vectorLayer(map, layerName, params, styleFn || defaultAreaStyle(level),
      Object.assign({ getFeatureId: (f) => f.properties.kode }, options || {}));
  }

  // Incident points (analyst and above; the server answers 403 otherwise).
  function incidentLayer(map, params, styleFn, options) {
    return vectorLayer(map, "incidents", params, styleFn || defaultPointStyle("#b2182b"), options);
  }

  // TPS points of one election (params: { election, within }).
  function tpsLayer(map, params, styleFn, options) {
    return vectorLayer(map, "tps", params, styleFn || defaultPointStyle("#2166ac"), options);
  }

  window.PKSTiles = { areaLayer, incidentLayer, tpsLayer, tileUrl, tileJson, shouldUseTiles,
    defaultAreaStyle, DEFAULT_THRESHOLD };
})();
