// What every page's script needs the same way (window.PKS): escaping of server strings before
// they go into HTML, numbers and dates in the page's language, JSON fetches whose failures
// carry the server's reason, and a sequence guard that lets only the newest answer through.
(function () {
  "use strict";
  const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  // Any value as HTML text: names, descriptions, labels, colours from the server.
  function esc(value) {
    return String(value ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c]);
  }

  function locale(lang) {
    return (lang || document.documentElement.lang) === "en" ? "en-US" : "id-ID";
  }

  // A number in the page's language ("1.234,5" / "1,234.5"); null/undefined -> `empty` ("–").
  // Very small non-zero values (p-values) in scientific notation.
  function num(value, opts) {
    const o = opts || {};
    if (value === null || value === undefined || value === "") return o.empty ?? "–";
    const v = Number(value);
    if (!Number.isFinite(v)) return esc(value);
    const loc = locale(o.lang);
    if (o.tiny && v !== 0 && Math.abs(v) < 0.001) {
      return v.toExponential(1).replace(".", loc === "id-ID" ? "," : ".");
    }
    return v.toLocaleString(loc, { maximumFractionDigits: o.digits ?? 2 });
  }

  // An ISO date (2019-04-10) as "10 Apr 2019" / "10 Apr 2019" in the page's language;
  // anything else comes back as it was (escaped by the caller).
  function date(value, lang) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(value ?? ""));
    if (!m) return value ?? "";
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    return d.toLocaleDateString(locale(lang), { day: "numeric", month: "short", year: "numeric",
      timeZone: "UTC" });
  }

  // GET (or any method) a JSON answer; a refused request throws an Error whose message is the
  // server's `error` (else "HTTP 500"), with .status, .parameter (the refused field) and .reason
  // (the server's words, undefined when it gave none).
  async function getJSON(url, init) {
    const response = await fetch(url, Object.assign({ credentials: "same-origin",
      headers: { Accept: "application/json" } }, init || {}));
    const body = await response.json().catch(() => null);
    if (!response.ok || body === null) {
      const err = new Error((body && (body.error || body.message)) || `HTTP ${response.status}`);
      err.status = response.status;
      err.parameter = body && body.parameter;
      err.reason = body && (body.error || body.message);  // the server's own words, if any
      throw err;
    }
    return body;
  }

  // One counter per kind of request: next() returns a function telling whether that request is
  // still the newest one started, so an older answer that arrives late is dropped.
  function sequence() {
    let latest = 0;
    return {
      next() {
        const mine = ++latest;
        return () => mine === latest;
      },
    };
  }

  // Show a message in an element (as text) or hide it when the message is empty.
  function showError(el, message) {
    if (!el) return;
    el.textContent = message || "";
    el.hidden = !message;
  }

  // A failure in the page's language, from the catalogue texts `t` (err_*): the API explains in
  // English, so only English pages show the server's words; others name what happened by the
  // HTTP status (a request that got no answer: the network).
  function reason(err, t) {
    if (!t || document.documentElement.lang === "en") return err.message;
    if (!err.status) return t.err_network || err.message;
    const text = t[err.status >= 500 ? "err_5xx" : `err_${err.status}`] || t.err_other;
    return text ? text.replace("{status}", err.status) : err.message;
  }

  // An Error for a refused response (status and the server's words kept), for fetches made
  // without getJSON.
  function refused(response, body) {
    const err = new Error((body && (body.error || body.message)) || `HTTP ${response.status}`);
    err.status = response.status;
    err.parameter = body && body.parameter;
    return err;
  }

  // The colour of "no data" where the server's legend names none (pks_geo/stats/palettes.py).
  const NO_DATA_COLOR = "#bdbdbd";

  // A choropleth legend's rows: one per class, then "no data" (hatched) and "suppressed" (cells
  // hidden below analyst). `allNoData`: list "no data" even when no area has it (embeds do).
  function choroplethRows(legend, allNoData) {
    const rows = legend.labels.map((label, i) => ({
      label, color: legend.colors[i], count: legend.counts ? legend.counts[i] : null }));
    if (legend.no_data && (allNoData || legend.no_data.count)) {
      rows.push({ label: legend.no_data.label, color: legend.no_data.color || NO_DATA_COLOR,
        count: legend.no_data.count, hatch: true });
    }
    if (legend.suppressed && legend.suppressed.count) {
      rows.push({ label: legend.suppressed.label, color: legend.suppressed.color,
        count: legend.suppressed.count, hatch: false });
    }
    return rows;
  }

  // Legend rows as HTML, every value escaped: swatch (or none), label, count when given, and the
  // row's class key as data-bin. The map's legend and its analysis layers' legends draw them so.
  function legendRowsHTML(rows) {
    return rows.map((r) => `<div class="pks-legend-row"${r.bin !== undefined ? ` data-bin="${esc(r.bin)}"` : ""}>` +
      (r.color ? `<i style="background:${esc(r.color)}"></i>` : `<i class="pks-no-swatch"></i>`) +
      `<span>${esc(r.label)}</span>` +
      (r.count !== undefined ? `<span class="pks-count">${esc(r.count)}</span>` : "") + "</div>").join("");
  }

  // The catalogue text `key` for the count n: "key#one" where the language has a singular form
  // (English: one incident, two incidents), else "key" (pks_geo/catalogue.py spreads the .po's
  // plural messages so).
  function plural(t, key, n, lang) {
    const category = new Intl.PluralRules(locale(lang)).select(Number(n));
    return t[`${key}#${category}`] ?? t[key];
  }

  window.PKS = { esc, num, date, getJSON, sequence, showError, locale, reason, refused,
    NO_DATA_COLOR, choroplethRows, legendRowsHTML, plural };
})();
