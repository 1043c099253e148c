/* Incident form: click the map to set lat/lon; typing lat/lon moves the marker.
 * Desa boundaries come from /api/v1/areas so the editor sees which desa a click falls in.
 * Everything (Leaflet included) is served by the app itself. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("incident-form-config").textContent);
  var latInput = document.getElementById("lat");
  var lonInput = document.getElementById("lon");
  var map = L.map("incident-map", { zoomControl: true, zoomSnap: 0.25 });
  window.pksIncidentMap = map;
  var bounds = config.bounds || [[-4.5367, 121.8819], [-3.9833, 122.9113]];
  map.fitBounds(bounds, { padding: [8, 8] });
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution || "" }).addTo(map);
  }
  var marker = null;

  function readPoint() {
    var lat = parseFloat((latInput.value || "").replace(",", "."));
    var lon = parseFloat((lonInput.value || "").replace(",", "."));
    return isFinite(lat) && isFinite(lon) ? L.latLng(lat, lon) : null;
  }

  function showMarker(latlng) {
    if (!latlng) { return; }
    if (marker) { marker.setLatLng(latlng); return; }
    marker = L.circleMarker(latlng, { radius: 8, color: "#b3261e", weight: 3, fillOpacity: 0.6 })
      .addTo(map);
  }

  map.on("click", function (event) {
    latInput.value = event.latlng.lat.toFixed(6);
    lonInput.value = event.latlng.lng.toFixed(6);
    showMarker(event.latlng);
    document.getElementById("incident-map").classList.remove("pks-invalid");
  });
  [latInput, lonInput].forEach(function (input) {
    input.addEventListener("change", function () { showMarker(readPoint()); });
  });
  showMarker(readPoint());

  /* The desa picker posts a code; show the chosen desa's name and fly the map to it. */
  var desaInput = document.getElementById("kode_desa");
  var desaHint = document.getElementById("kode_desa-hint");
  var desaLayers = {};
  var hintText = desaHint ? desaHint.textContent : "";
  function showChosenDesa() {
    if (!desaInput) { return; }
    var code = (desaInput.value || "").trim();
    var option = code ? document.querySelector('#desa-options option[value="' + CSS.escape(code) + '"]') : null;
    desaHint.textContent = option ? option.getAttribute("label") : hintText;
    if (option && desaLayers[code]) { map.fitBounds(desaLayers[code].getBounds(), { maxZoom: 14 }); }
  }
  if (desaInput) { desaInput.addEventListener("change", showChosenDesa); }

  fetch("/api/v1/areas?level=desa", { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (data) {
      if (!data) { return; }
      var layer = L.geoJSON(data, {
        style: { color: "#1f3b57", weight: 1, fillOpacity: 0.04 },
        onEachFeature: function (feature, lyr) {
          lyr.bindTooltip(feature.properties.nama + " (" + feature.properties.kode + ")", { sticky: true });
          desaLayers[feature.properties.kode] = lyr;
        }
      }).addTo(map);
      layer.bringToBack();
      if (marker) { marker.bringToFront(); }
      document.getElementById("incident-map").dataset.ready = "1";
      showChosenDesa();
    })
    .catch(function () { document.getElementById("incident-map").dataset.ready = "error"; });
})();
