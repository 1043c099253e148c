/* The Impor page (web/templates/imports.html; pks_geo/web/import_page.py).
 * - upload form: the election picker only for a TPS list, the file picker's accepted types per kind,
 *   "Memeriksa…" while the file goes up;
 * - a running job: the progress bar polls /impor/<token>/status and reloads the page when done;
 * - a finished job: Leaflet map of where the rows landed (/impor/<token>/peta) over the desa;
 * - Confirm / Cancel submit once (a second click does nothing).
 * A file, not inline code: the page's CSP is script-src 'self'. */
(function () {
  "use strict";

  /* Names and ids come from uploaded files and boundaries: text, never HTML (Leaflet tooltips take HTML). */
  function escapeHtml(value) {
    return String(value == null ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function formatNumber(n, lang) {
    return Number(n || 0).toLocaleString(lang === "en" ? "en-GB" : "id-ID");
  }

  /* --- upload form ------------------------------------------------------------------------ */
  var form = document.getElementById("imp-form");
  if (form) {
    var fileInput = document.getElementById("imp-file");
    var electionField = document.getElementById("imp-election-field");
    var kinds = form.querySelectorAll("input[name=kind]");
    var showKind = function () {
      var chosen = form.querySelector("input[name=kind]:checked");
      if (!chosen) { return; }
      electionField.hidden = chosen.value !== "tps";
      fileInput.setAttribute("accept", chosen.getAttribute("data-accept"));
    };
    Array.prototype.forEach.call(kinds, function (input) { input.addEventListener("change", showKind); });
    showKind();
    form.addEventListener("submit", function () {
      document.getElementById("imp-uploading").hidden = false;
      document.getElementById("imp-check").disabled = true;
    });
  }

  /* --- one submission only for Confirm / Cancel --------------------------------------------- */
  Array.prototype.forEach.call(document.querySelectorAll("form.pks-imp-once"), function (f) {
    f.addEventListener("submit", function (event) {
      if (f.dataset.sent) { event.preventDefault(); return; }
      f.dataset.sent = "1";
      Array.prototype.forEach.call(document.querySelectorAll("form.pks-imp-once button"),
        function (b) { b.disabled = true; });
    });
  });

  /* --- progress of a running job ------------------------------------------------------------ */
  var jobBox = document.getElementById("imp-job");
  if (jobBox && jobBox.dataset.running) {
    var bar = document.getElementById("imp-progress");
    var count = document.getElementById("imp-count");
    var lang = jobBox.dataset.lang;
    var poll = function () {
      fetch(jobBox.dataset.statusUrl, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (status) {
          if (!status) { window.setTimeout(poll, 2000); return; }
          if (status.phase !== "checking" && status.phase !== "storing") { window.location.reload(); return; }
          var read = status.read || 0;
          var total = status.total && status.total >= read ? status.total : null;
          if (total) {
            bar.max = total; bar.value = read;
            count.textContent = jobBox.dataset.textRows.replace("{read}", formatNumber(read, lang))
              .replace("{total}", formatNumber(total, lang));
          } else {
            bar.removeAttribute("value");  /* indeterminate */
            count.textContent = jobBox.dataset.textRead.replace("{read}", formatNumber(read, lang));
          }
          if (status.locating_done || (total && read >= total)) {
            count.textContent += " · " + jobBox.dataset.textLocating;
          }
          jobBox.dataset.read = String(read);
          window.setTimeout(poll, 700);
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    };
    window.setTimeout(poll, 300);
  }

  /* --- map of where the rows landed -------------------------------------------------------- */
  var mapBox = document.getElementById("imp-map");
  if (mapBox && window.L) {
    var config = JSON.parse(mapBox.dataset.config || "{}");
    var note = document.getElementById("imp-map-note");
    var map = L.map(mapBox, { zoomSnap: 0.25 });
    window.pksImportMap = map;
    map.fitBounds(config.bounds || [[-4.5367, 121.8819], [-3.9833, 122.9113]], { padding: [8, 8] });
    if (config.tileUrl) { L.tileLayer(config.tileUrl, { attribution: config.tileAttribution || "" }).addTo(map); }
    var areas = fetch("/api/v1/areas?level=desa", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data) {
          L.geoJSON(data, { style: { color: "#1f3b57", weight: 1, fillOpacity: 0.03 },
            onEachFeature: function (f, layer) { layer.bindTooltip(escapeHtml(f.properties.nama), { sticky: true }); }
          }).addTo(map).bringToBack();
        }
      }).catch(function () { return null; });
    var points = fetch(mapBox.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { mapBox.dataset.ready = "error"; return; }
        var grouped = data.grouped === "desa";
        var layer = L.geoJSON(data, {
          pointToLayer: function (f, latlng) {
            var n = f.properties.n || 1;
            return L.circleMarker(latlng, { radius: grouped ? Math.min(4 + Math.sqrt(n), 22) : 6,
              color: "#7f2704", weight: 1.5, fillColor: "#f16913", fillOpacity: 0.75 });
          },
          onEachFeature: function (f, marker) {
            var p = f.properties;
            var label = (p.label ? p.label + " · " : "") + (p.desa || "") + (grouped ? " · " + p.n : "");
            marker.bindTooltip(escapeHtml(label));
          }
        }).addTo(map);
        var rows = data.rows || 0;
        var lang = document.documentElement.lang;
        var one = new Intl.PluralRules(lang === "en" ? "en-GB" : "id-ID").select(rows) === "one";
        note.textContent = rows ? (grouped ? note.dataset.textDesa : one ? note.dataset.textRowsOne : note.dataset.textRows)
          .replace("{n}", formatNumber(rows, lang)) : note.dataset.textEmpty;
        if (data.features.length) { map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 13 }); }
        mapBox.dataset.points = String(data.features.length);
      });
    Promise.all([areas, points]).then(function () {
      if (!mapBox.dataset.ready) { mapBox.dataset.ready = "1"; }
    });
  }
})();
