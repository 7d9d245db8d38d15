/* Live progress of a bulk distribution: polls the JSON endpoint named by
 * data-progress-url, updates the <progress> bar and the [data-field] counters, and reloads
 * the page once the distribution has finished so that the summary appears. */
(function () {
  "use strict";

  var POLL_MS = 1500;
  var section = document.querySelector("[data-progress-url]");
  if (!section || section.getAttribute("data-finished") === "true") {
    return;
  }
  var url = section.getAttribute("data-progress-url");
  var bar = section.querySelector("progress");

  function show(data) {
    Object.keys(data).forEach(function (key) {
      section.querySelectorAll('[data-field="' + key + '"]').forEach(function (node) {
        node.textContent = data[key];
        if (key === "error") {
          node.hidden = !data.error;
        }
      });
    });
    var badge = section.querySelector(".badge");
    if (badge) {
      badge.className = "badge badge-" + data.status;
    }
    if (bar) {
      bar.max = data.total || 1;
      bar.value = data.processed;
      bar.textContent = data.percent + "%";
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, POLL_MS);
        }
      })
      .catch(function () {
        window.setTimeout(poll, POLL_MS * 4);
      });
  }

  window.setTimeout(poll, POLL_MS);
})();
