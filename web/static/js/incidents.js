// The Insiden page: on a phone the filters start folded (their summary says when some are
// active), so the list is what the planner sees first. Everything else works without script.
(function () {
  "use strict";
  function setup() {
    const filters = document.getElementById("inc-filters");
    if (filters && window.matchMedia("(max-width: 700px)").matches && !document.getElementById("inc-error")) {
      filters.open = false;
    }
    document.body.setAttribute("data-ready", "true");
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
