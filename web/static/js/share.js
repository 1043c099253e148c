// Shared by the map and the Briefing page: the share dialog (signed embed link with a chosen
// expiry, iframe code and link with copy buttons, the self-contained HTML file, and a check of
// the site that will frame the map) and file downloads that say they are working.
(function () {
  "use strict";
  const csrf = () => (document.querySelector("meta[name='csrf-token']") || {}).content || "";

  async function api(method, url) {
    const response = await fetch(url, { method, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf() } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw window.PKS.refused(response, body);
    return body;
  }

  function dateTime(iso, lang) {
    return new Date(iso).toLocaleString(lang === "id" ? "id-ID" : "en-GB", { day: "numeric",
      month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (m, key) => (key in values ? values[key] : m));
  }

  function filename(response, fallback) {
    const header = response.headers.get("Content-Disposition") || "";
    const match = header.match(/filename="([^"]+)"/);
    return match ? match[1] : fallback;
  }

  // Fetch a file (a PDF can take a while to render), say so meanwhile, then save it.
  async function download(url, what, statusEl, t) {
    statusEl.textContent = fill(t.p_rendering, { what });
    statusEl.classList.add("pks-working");
    document.body.dataset.download = "working";
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        throw window.PKS.refused(response, body);
      }
      const blob = await response.blob();
      const name = filename(response, "pks-geo");
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = name;
      document.body.appendChild(link);
      link.click();
      setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
      statusEl.textContent = fill(t.p_done, { what, name });
      document.body.dataset.download = name;
    } catch (err) {
      statusEl.textContent = fill(t.c_failed, { error: window.PKS.reason(err, t) });
      document.body.dataset.download = "error";
    } finally {
      statusEl.classList.remove("pks-working");
    }
  }

  async function copy(targetId, button, t) {
    const field = document.getElementById(targetId);
    field.select();
    let ok = false;
    try { await navigator.clipboard.writeText(field.value); ok = true; } catch (err) {
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    }
    const old = button.dataset.label || button.textContent;
    button.dataset.label = old;
    button.textContent = ok ? `✓ ${t.s_copied}` : old;
    if (!ok) document.getElementById("pks-share-status").textContent = t.s_copy_failed;
    setTimeout(() => { button.textContent = old; }, 2500);
  }

  // The dialog: open(view, texts, lang) with view = {id, title}.
  function setup(t, lang) {
    const dialog = document.getElementById("pks-share-dialog");
    if (!dialog) return null;
    const el = (id) => document.getElementById(id);
    let view = null;
    let checkTimer = null;

    async function checkSite() {
      const note = el("pks-share-site-note");
      const site = el("pks-share-site").value.trim();
      note.classList.remove("pks-bad", "pks-good");
      if (!site) { note.hidden = true; return true; }
      try {
        const result = await api("GET", `/api/v1/embed-check?site=${encodeURIComponent(site)}`);
        const origin = new URL(site.includes("://") ? site : `https://${site}`).origin;
        note.textContent = fill(result.allowed ? t.s_site_ok : t.s_site_refused, { origin });
        note.classList.add(result.allowed ? "pks-good" : "pks-bad");
        note.hidden = false;
        dialog.dataset.siteAllowed = String(result.allowed);
        return result.allowed;
      } catch (err) {
        note.textContent = t.s_site_bad;
        note.classList.add("pks-bad");
        note.hidden = false;
        dialog.dataset.siteAllowed = "invalid";
        return false;
      }
    }

    async function make() {
      const error = el("pks-share-error");
      error.hidden = true;
      el("pks-share-status").textContent = t.c_working;
      await checkSite();
      try {
        const hours = el("pks-share-hours").value;
        const body = await api("POST", `/api/v1/views/${encodeURIComponent(view.id)}/embed-token?hours=${hours}`);
        const url = new URL(body.url);
        url.searchParams.set("lang", lang);
        const iframe = body.iframe.replace(body.url.replace(/&/g, "&amp;"), url.href.replace(/&/g, "&amp;"));
        el("pks-share-url").value = url.href;
        el("pks-share-iframe").value = iframe;
        el("pks-share-expires").textContent = fill(t.s_valid_until, { date: dateTime(body.expires_at, lang) });
        el("pks-share-result").hidden = false;
        el("pks-share-status").textContent = "";
        dialog.dataset.link = body.link || "";
        document.dispatchEvent(new CustomEvent("pks-embed-link", { detail: { view: view.id } }));
      } catch (err) {
        el("pks-share-status").textContent = "";
        error.textContent = fill(t.c_failed, { error: window.PKS.reason(err, t) });
        error.hidden = false;
      }
    }

    el("pks-share-make").addEventListener("click", make);
    el("pks-share-site").addEventListener("input", () => {
      clearTimeout(checkTimer);
      checkTimer = setTimeout(checkSite, 400);
    });
    dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
    for (const button of dialog.querySelectorAll("[data-copy]")) {
      button.addEventListener("click", () => copy(button.dataset.copy, button, t));
    }
    el("pks-share-html").addEventListener("click", (ev) => {
      ev.preventDefault();
      download(el("pks-share-html").dataset.url, "HTML", el("pks-share-status"), t);
    });

    return {
      open(v) {
        view = v;
        el("pks-share-view").textContent = v.title;
        el("pks-share-result").hidden = true;
        el("pks-share-error").hidden = true;
        el("pks-share-status").textContent = "";
        el("pks-share-html").dataset.url = `/maps/${encodeURIComponent(v.id)}.html?download=1&lang=${lang}`;
        dialog.dataset.view = v.id;
        dialog.showModal();
        if (el("pks-share-site").value) checkSite();
      },
    };
  }

  window.PKSShare = { setup, download, api, dateTime, fill };
})();
