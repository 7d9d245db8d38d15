// Resource page: after a download starts, show the new download count from the API.
(function () {
  "use strict";
  var button = document.getElementById("download-button");
  var counter = document.getElementById("download-count");
  if (!button || !counter || !window.fetch) {
    return;
  }
  var url = counter.getAttribute("data-count-url");

  function refresh(attemptsLeft, before) {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.download_count > before) {
          counter.textContent = String(data.download_count);
        } else if (attemptsLeft > 0) {
          window.setTimeout(function () { refresh(attemptsLeft - 1, before); }, 1000);
        }
      })
      .catch(function () { /* the count refreshes on the next visit */ });
  }

  button.addEventListener("click", function () {
    var before = parseInt(counter.textContent, 10) || 0;
    window.setTimeout(function () { refresh(10, before); }, 500);
  });
})();
