// The time chart under the map: incidents per month or week, stacked by kategori, drawn with
// uPlot (the app's one chart library). Dragging across it (the brush) sets the date filter; the
// chart itself always shows the whole period under the other filters so the range can be moved.
(function () {
  "use strict";
  const cfg = window.PKS_GEO;
  const t = cfg.texts;
  const lang = cfg.lang;
  const M = window.PKSMap;
  const S = window.PKSShare;
  const section = document.getElementById("pks-chart");
  const plotEl = document.getElementById("pks-chart-plot");
  const intervalEl = document.getElementById("pks-chart-interval");
  const toggle = document.getElementById("pks-toggle-chart");
  const phone = window.matchMedia("(max-width: 700px)");
  // ColorBrewer "Paired" (12 classes, qualitative): one colour per kategori
  const COLORS = ["#1f78b4", "#e31a1c", "#33a02c", "#ff7f00", "#6a3d9a", "#b15928", "#a6cee3",
    "#fb9a99", "#b2df8a", "#fdbf6f", "#cab2d6", "#ffff99"];
  const NAMES_ID = {
    MMMM: ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
      "Oktober", "November", "Desember"],
    MMM: ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
    WWWW: ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"],
    WWW: ["Min", "Sen", "Sel", "Rab", "Kam", "Jum", "Sab"],
  };
  let plot = null;
  let series = null;
  let lastKey = null;
  const day = 86400;

  function iso(sec) { return new Date(sec * 1000).toISOString().slice(0, 10); }
  function secs(isoDate) { return Date.parse(`${isoDate}T00:00:00Z`) / 1000; }

  function kategoriLabel(code) {
    const select = M.form.elements.kategori;
    const option = select && Array.from(select.options).find((o) => o.value === code);
    return option ? option.textContent : code;
  }

  function periodEnd(startSec) {
    const d = new Date(startSec * 1000);
    if (intervalEl.value === "week") return startSec + 6 * day;
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000 - day;
  }

  function ticks(xs) {
    const width = Math.max(280, plotEl.clientWidth) - 60;
    const step = Math.max(1, Math.ceil(xs.length / Math.max(1, Math.floor(width / 70))));
    return xs.filter((_, i) => i % step === 0);
  }

  function tickLabel(sec) {
    const options = intervalEl.value === "week" ? { day: "numeric", month: "short" }
      : { month: "short", year: "numeric" };
    return new Date(sec * 1000).toLocaleDateString(lang === "id" ? "id-ID" : "en-GB", { timeZone: "UTC", ...options });
  }

  function setOpen(open) {
    section.hidden = !open;
    document.body.classList.toggle("pks-chart-open", open);
    toggle.setAttribute("aria-expanded", String(open));
    setTimeout(() => { M.map.invalidateSize(); if (open) load(true); }, 0);
  }

  // Data: every filter except the dates (the brush chooses those).
  function key() {
    const state = M.readForm();
    const params = new URLSearchParams();
    for (const k of ["election", "stage", "kategori", "verified"]) if (state[k]) params.set(k, state[k]);
    params.set("interval", intervalEl.value);
    return params.toString();
  }

  async function load(force) {
    if (section.hidden) return;
    const k = key();
    if (!force && k === lastKey && plot) { showSelection(); return; }
    lastKey = k;
    section.dataset.ready = "loading";
    try {
      series = await S.api("GET", `/api/v1/timeseries?${k}`);
    } catch (err) {
      plotEl.textContent = S.fill(t.c_failed, { error: window.PKS.reason(err, t) });
      section.dataset.ready = "error";
      return;
    }
    draw();
  }

  function draw() {
    if (plot) { plot.destroy(); plot = null; }
    plotEl.replaceChildren();
    if (!series.periods.length) {
      plotEl.textContent = t.t_empty;
      section.dataset.ready = "true";
      return;
    }
    const xs = series.periods.map(secs);
    // stacked: series i is the sum of kategori i..n-1, drawn biggest first so each shows its band
    const cats = series.series;
    // a small cell hidden by the disclosure policy (null) stacks as nothing and reads "< n"
    const stacked = cats.map((_, i) => xs.map((__, j) => cats.slice(i).reduce((s, c) => s + (c.counts[j] || 0), 0)));
    const bars = window.uPlot.paths.bars({ size: [0.85, 80], align: 1 });
    const opts = {
      width: Math.max(280, plotEl.clientWidth), height: phone.matches ? 120 : 130,
      tzDate: (ts) => window.uPlot.tzDate(new Date(ts * 1000), "UTC"),
      fmtDate: (tpl) => window.uPlot.fmtDate(tpl, lang === "id" ? NAMES_ID : undefined),
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      select: { show: true },
      legend: { show: !phone.matches, live: true },
      scales: { x: { time: true, range: (u, min, max) => [min, periodEnd(max) + day] },
        y: { range: (u, min, max) => [0, Math.max(1, max)] } },
      // one tick per period, thinned so labels never touch: "Jan 2024" / "5 Feb"
      axes: [{ size: 30, splits: () => ticks(xs), values: (u, splits) => splits.map(tickLabel) },
        { size: 40, space: 25 }],
      series: [{ label: intervalEl.value === "week" ? t.t_week : t.t_month,
        value: (u, v) => (v === null ? "–" : new Date(v * 1000).toLocaleDateString(lang === "id" ? "id-ID" : "en-GB",
          { timeZone: "UTC", day: intervalEl.value === "week" ? "numeric" : undefined, month: "short", year: "numeric" })) },
      ...cats.map((c, i) => ({ label: kategoriLabel(c.kategori), fill: COLORS[i % COLORS.length],
        stroke: COLORS[i % COLORS.length], width: 0, paths: bars, points: { show: false },
        value: (u, v, si, di) => (di === null || di === undefined ? "–"
          : c.counts[di] === null ? `< ${series.min_cell || 3}` : String(c.counts[di])) }))],
      hooks: { setSelect: [onSelect] },
    };
    plot = new window.uPlot(opts, [xs, ...stacked], plotEl);
    plotEl.setAttribute("role", "img");
    plotEl.setAttribute("aria-label", `${t.t_title}: ${series.total}`);
    showSelection();
    section.dataset.ready = "true";
  }

  // brush -> date filter, snapped to whole periods
  function onSelect(u) {
    if (!u.select.width) return;
    const xs = u.data[0];
    const left = u.posToVal(u.select.left, "x");
    const right = u.posToVal(u.select.left + u.select.width, "x");
    let first = 0;
    let last = 0;
    xs.forEach((x, i) => { if (x <= left) first = i; if (x <= right) last = i; });
    M.form.elements.from.value = iso(xs[first]);
    M.form.elements.to.value = iso(periodEnd(xs[last]));
    M.form.dispatchEvent(new Event("change", { bubbles: true }));
    section.dataset.brushed = `${M.form.elements.from.value}/${M.form.elements.to.value}`;
  }

  // show the current date filter as the selection band
  function showSelection() {
    if (!plot) return;
    const from = M.form.elements.from.value;
    const to = M.form.elements.to.value;
    if (!from && !to) { plot.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false); return; }
    const [min, max] = [plot.scales.x.min, plot.scales.x.max];
    const a = plot.valToPos(from ? Math.max(secs(from), min) : min, "x");
    const b = plot.valToPos(to ? Math.min(secs(to) + day, max) : max, "x");
    plot.setSelect({ left: a, width: Math.max(0, b - a), top: 0, height: plot.bbox.height / devicePixelRatio }, false);
  }

  document.getElementById("pks-chart-all").addEventListener("click", () => {
    M.form.elements.from.value = "";
    M.form.elements.to.value = "";
    M.form.dispatchEvent(new Event("change", { bubbles: true }));
  });
  intervalEl.addEventListener("change", () => load(true));
  document.getElementById("pks-chart-close").addEventListener("click", () => setOpen(false));
  section.addEventListener("keydown", (ev) => { if (ev.key === "Escape") setOpen(false); });
  toggle.addEventListener("click", () => setOpen(section.hidden));
  document.addEventListener("pks-drawn", () => load(false));
  window.addEventListener("resize", () => {
    if (plot) plot.setSize({ width: Math.max(280, plotEl.clientWidth), height: plot.height });
  });
  if (!phone.matches) setOpen(true);
})();
