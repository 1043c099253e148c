/* The Rencana Pengamanan map (web/templates/security.html): TPS coloured by risk category,
 * each patrol sector's area and route in its own colour, the stops numbered in visiting order
 * and the posts the routes start from. The data is the page's own JSON block (#sec-map-data,
 * the same risk result and plan as the tables); kecamatan outlines come from /api/v1/areas for
 * orientation, as nothing may be fetched from outside the app (no online tiles). Changing a
 * parameter submits the page's form, so the map is drawn again with the tables. */
(function () {
  "use strict";
  var holder = document.getElementById("sec-map");
  var dataNode = document.getElementById("sec-map-data");
  if (!holder || !dataNode || typeof L === "undefined") { return; }
  var data = JSON.parse(dataNode.textContent);
  var t = data.texts;
  var map = L.map(holder, { zoomSnap: 0.25, scrollWheelZoom: false });
  window.pksSecurityMap = map;

  function esc(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function slug(category) { return String(category).replace(/ /g, "-"); }
  function pad3(n) { return ("00" + n).slice(-3); }

  var extent = L.latLngBounds([]);
  var sectorsById = {};
  data.sectors.forEach(function (s) {
    sectorsById[s.id] = s;
    if (s.area.length) {
      L.polygon(s.area, { color: s.color, weight: 1, opacity: 0.6, fillColor: s.color, fillOpacity: 0.08,
                          className: "sec-area", interactive: false }).addTo(map);
    }
    var route = L.polyline(s.route, { color: s.color, weight: 3.5, opacity: 0.9, className: "sec-route" })
      .addTo(map);
    route.bindTooltip(esc(t.sec_sector + " " + s.id + " · " + s.polsek + " · " + s.km + " km · " +
                          s.minutes + " " + t.sec_minutes.toLowerCase()), { sticky: true });
    extent.extend(route.getBounds());
  });

  var posts = {};
  data.sectors.forEach(function (s) {
    var key = s.start.join(",");
    if (posts[key]) { return; }
    posts[key] = true;
    L.marker(s.start, { keyboard: false, zIndexOffset: 1000,
                        icon: L.divIcon({ className: "sec-post", html: "P", iconSize: [22, 22] }) })
      .bindTooltip(esc(t.sec_start + ": " + s.start_name)).addTo(map);
    extent.extend(s.start);
  });

  data.tps.forEach(function (p) {
    var label = "TPS " + pad3(p.no) + " " + p.desa + " (" + p.kode + ") · " + p.category;
    var marker;
    if (p.sector) {
      label += " · " + t.sec_sector + " " + p.sector + ", " + t.sec_stop_order + " " + p.order;
      marker = L.marker([p.lat, p.lon], { keyboard: false, title: label,
        icon: L.divIcon({ className: "sec-stop sec-cat-" + slug(p.category) + (p.approx ? " sec-approx" : ""),
                          html: String(p.order), iconSize: [22, 22] }) });
    } else {  // a TPS no sector covers (its kecamatan has no Polsek, or no plan was made)
      marker = L.circleMarker([p.lat, p.lon], { radius: 6, weight: 1, color: "#333333", fillOpacity: 0.95,
        fillColor: data.colors[p.category] || "#999999", className: "sec-tps-free" });
    }
    marker.bindTooltip(esc(label)).addTo(map);
    extent.extend([p.lat, p.lon]);
  });

  if (extent.isValid()) {
    map.fitBounds(extent, { padding: [16, 16], maxZoom: 14 });
  } else {
    map.setView([-4.2, 122.4], 9);
  }
  holder.dataset.markers = String(data.tps.length);
  holder.dataset.routes = String(data.sectors.length);

  function ready(state) { holder.dataset.ready = state; }
  fetch("/api/v1/areas?level=kecamatan", { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (areas) {
      if (areas) {
        L.geoJSON(areas, { style: { color: "#4a5a6a", weight: 1, dashArray: "4 3", fillColor: "#ffffff",
                                    fillOpacity: 0.5 }, interactive: false }).addTo(map).bringToBack();
      }
      ready("1");
    })
    .catch(function () { ready("1"); });  // the plan is drawn; only the outlines are missing

  /* A sector's row in the table shows its route on the map. */
  document.querySelectorAll("#sec-sectors tr[data-sector] .sec-show-map").forEach(function (button) {
    button.addEventListener("click", function () {
      var s = sectorsById[button.closest("tr").getAttribute("data-sector")];
      if (!s) { return; }
      map.fitBounds(L.latLngBounds(s.route).extend(s.start), { padding: [24, 24], maxZoom: 15 });
      holder.scrollIntoView({ behavior: "smooth", block: "center" });
    });
  });
})();
