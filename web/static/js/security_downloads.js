/* Rencana Pengamanan download menu: every file is computed on request (risk, plan, and for the
 * sector sheets a PDF page per sector), which takes seconds, and a plain download link shows
 * nothing meanwhile. This script fetches the file itself, says it is working (with seconds
 * counted) beside the menu, then hands the file to the browser under the server's file name;
 * a failure is said in one sentence. Without the script the links download as usual. */
(function () {
  "use strict";
  var menu = document.getElementById("sec-downloads");
  var status = document.getElementById("sec-dl-status");
  if (!menu || !status || !window.fetch) { return; }

  function filename(response, href) {
    var match = /filename="?([^";]+)"?/.exec(response.headers.get("Content-Disposition") || "");
    return match ? match[1] : href.split("?")[0].split("/").pop();
  }

  function say(text, busy, failed) {
    status.textContent = text;
    status.classList.toggle("pks-error", !!failed);
    menu.setAttribute("aria-busy", busy ? "true" : "false");
  }

  menu.querySelectorAll("a.sec-dl").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey) { return; }
      event.preventDefault();
      if (link.getAttribute("aria-disabled") === "true") { return; }
      var label = link.textContent.trim();
      var started = Date.now();
      link.setAttribute("aria-disabled", "true");
      say(status.dataset.working.replace("{file}", label).replace("{s}", "0"), true);
      var timer = window.setInterval(function () {
        var seconds = String(Math.round((Date.now() - started) / 1000));
        say(status.dataset.working.replace("{file}", label).replace("{s}", seconds), true);
      }, 1000);
      fetch(link.href, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            return response.json().catch(function () { return {}; }).then(function (body) {
              throw new Error(body.error || String(response.status));
            });
          }
          return response.blob().then(function (blob) {
            var url = URL.createObjectURL(blob);
            var save = document.createElement("a");
            save.href = url;
            save.download = filename(response, link.getAttribute("href"));
            document.body.appendChild(save);
            save.click();
            save.remove();
            window.setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
            say(status.dataset.done.replace("{file}", save.download), false);
          });
        })
        .catch(function (error) {
          say(status.dataset.failed + " " + error.message, false, true);
        })
        .finally(function () {
          window.clearInterval(timer);
          link.removeAttribute("aria-disabled");
        });
    });
  });
})();
