// The Briefing page: saved views as cards (preview, title, creator, date) with their products,
// sharing, deletion (creator or admin) and their active embed links with revoke.
(function () {
  "use strict";
  const root = document.getElementById("pks-briefing");
  const t = JSON.parse(document.getElementById("pks-texts").textContent);
  const lang = root.dataset.lang;
  const canSave = root.dataset.canSave === "1";
  const isAdmin = root.dataset.isAdmin === "1";
  const me = root.dataset.user;
  const cards = document.getElementById("pks-cards");
  const status = document.getElementById("pks-b-status");
  const { api, fill, download, dateTime } = window.PKSShare;
  const share = window.PKSShare.setup(t, lang);

  function day(iso) {
    return new Date(iso).toLocaleDateString(lang === "id" ? "id-ID" : "en-GB",
      { day: "numeric", month: "short", year: "numeric" });
  }

  function node(tag, attrs, text) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
    if (text !== undefined) el.textContent = text;
    return el;
  }

  async function drawLinks(view, box) {
    box.replaceChildren(node("h3", {}, t.b_links));
    let links = [];
    try {
      links = (await api("GET", `/api/v1/views/${encodeURIComponent(view.id)}/embed-links`)).links;
    } catch (err) {
      box.appendChild(node("p", { class: "pks-error" }, fill(t.c_failed, { error: window.PKS.reason(err, t) })));
      return;
    }
    if (!links.length) { box.appendChild(node("p", { class: "pks-note" }, t.b_no_links)); return; }
    const list = node("ul", { class: "pks-links" });
    for (const link of links) {
      const li = node("li", { "data-link": link.id });
      li.appendChild(node("span", {}, fill(t.b_link_row, { user: link.created_by,
        date: dateTime(link.expires_at, lang) })));
      if (isAdmin || link.created_by === me || view.created_by === me) {
        const revoke = node("button", { type: "button", class: "pks-danger" }, t.b_revoke);
        revoke.addEventListener("click", async () => {
          if (!window.confirm(t.b_revoke_confirm)) return;
          try {
            await api("DELETE", link.revoke);
            status.textContent = t.b_revoked;
            drawLinks(view, box);
          } catch (err) { status.textContent = fill(t.c_failed, { error: window.PKS.reason(err, t) }); }
        });
        li.appendChild(revoke);
      }
      list.appendChild(li);
    }
    box.appendChild(list);
  }

  function card(view) {
    const art = node("article", { class: "pks-vcard", "data-view": view.id });
    const img = node("img", { src: `/maps/${encodeURIComponent(view.id)}/preview.svg?lang=${lang}`,
      alt: fill(t.b_preview, { title: view.title }), width: "320", height: "200" });
    art.appendChild(img);
    const body = node("div", { class: "pks-card-body" });
    body.appendChild(node("h2", {}, view.title));
    body.appendChild(node("p", { class: "pks-note" }, fill(t.b_by, { user: view.created_by || "–",
      date: view.created_at ? day(view.created_at) : "–" })));
    const actions = node("div", { class: "pks-card-actions" });
    const mapUrl = `${view.links.map}&lang=${lang}`;
    actions.appendChild(node("a", { href: mapUrl, class: "pks-button" }, t.b_open));
    const note = node("p", { class: "pks-note", role: "status" });
    const products = [["b_pdf", `${view.links.pdf}?download=1&lang=${lang}`, "PDF"],
      ["b_png", `${view.links.png}?download=1&lang=${lang}`, "PNG"],
      ["b_atlas", `${view.links.atlas}?download=1&lang=${lang}`, "Atlas PDF"],
      ["b_html", `${view.links.html}?download=1&lang=${lang}`, "HTML"]];
    for (const [key, url, what] of products) {
      const a = node("a", { href: url, class: "pks-button", "data-product": key }, t[key]);
      a.addEventListener("click", (ev) => { ev.preventDefault(); download(url, what, note, t); });
      actions.appendChild(a);
    }
    if (canSave && share) {
      const b = node("button", { type: "button", class: "pks-button", "data-action": "share" }, t.c_share);
      b.addEventListener("click", () => share.open(view));
      actions.appendChild(b);
    }
    if (isAdmin || (canSave && view.created_by === me)) {
      const del = node("button", { type: "button", class: "pks-button pks-danger", "data-action": "delete" },
        t.b_delete);
      del.addEventListener("click", async () => {
        if (!window.confirm(fill(t.b_delete_confirm, { title: view.title }))) return;
        try {
          await api("DELETE", `/api/v1/views/${encodeURIComponent(view.id)}`);
          art.remove();
          status.textContent = t.b_deleted;
        } catch (err) { status.textContent = fill(t.c_failed, { error: window.PKS.reason(err, t) }); }
      });
      actions.appendChild(del);
    }
    body.appendChild(actions);
    body.appendChild(note);
    if (canSave) {
      const links = node("div", { class: "pks-card-links" });
      body.appendChild(links);
      drawLinks(view, links);
      document.addEventListener("pks-embed-link", (ev) => { if (ev.detail.view === view.id) drawLinks(view, links); });
    }
    art.appendChild(body);
    return art;
  }

  async function load() {
    try {
      const views = (await api("GET", "/api/v1/views")).views;
      cards.replaceChildren(...views.map(card));
      status.textContent = views.length ? fill(window.PKS.plural(t, "b_count", views.length, lang), { n: views.length }) : t.b_none;
      document.body.dataset.ready = "true";
    } catch (err) {
      status.textContent = fill(t.c_failed, { error: window.PKS.reason(err, t) });
      document.body.dataset.ready = "error";
    }
  }
  load();
})();
