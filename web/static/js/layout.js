// The shared header: on a phone the navigation folds into one menu button (Escape or a click
// elsewhere closes it). Also the few page-wide behaviours that must not be inline handlers
// under a strict Content-Security-Policy: forms with data-confirm ask before they submit.
(function () {
  "use strict";
  function setup() {
    const bar = document.getElementById("pks-bar");
    const button = document.getElementById("pks-menu-button");
    if (bar && button) {
      button.hidden = false;
      const setOpen = function (open) {
        bar.classList.toggle("pks-menu-open", open);
        button.setAttribute("aria-expanded", open ? "true" : "false");
      };
      button.addEventListener("click", function (event) {
        event.stopPropagation();
        setOpen(!bar.classList.contains("pks-menu-open"));
      });
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && bar.classList.contains("pks-menu-open")) {
          setOpen(false);
          button.focus();
        }
      });
      document.addEventListener("click", function (event) {
        if (!bar.contains(event.target)) setOpen(false);
      });
    }
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
