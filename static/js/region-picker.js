/* Region picker: province → prefecture → county selects that load the next level on change.
 *
 * The server renders the options the current value needs, so the form works without this
 * script; with it, choosing a province fetches its prefectures from the regions API in one
 * call (page_size=500), and choosing a prefecture fetches its counties.
 */
(function () {
  "use strict";

  function option(value, label) {
    var element = document.createElement("option");
    element.value = value;
    element.textContent = label;
    return element;
  }

  function reset(select, placeholder) {
    while (select.firstChild) select.removeChild(select.firstChild);
    select.appendChild(option("", placeholder));
    select.disabled = true;
  }

  function fetchChildren(url, parent) {
    var query = url + (url.indexOf("?") === -1 ? "?" : "&") +
      "page_size=500&parent=" + encodeURIComponent(parent);
    return fetch(query, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) { return data.results || data; });
  }

  function setup(picker) {
    var url = picker.getAttribute("data-children-url");
    var placeholder = picker.getAttribute("data-placeholder") || "—";
    var loading = picker.getAttribute("data-loading") || "…";
    var status = picker.querySelector(".region-picker-status");
    var selects = Array.prototype.slice.call(picker.querySelectorAll("select"));

    selects.forEach(function (select, index) {
      if (index > 0 && select.options.length <= 1) select.disabled = true;
      select.addEventListener("change", function () {
        var below = selects.slice(index + 1);
        below.forEach(function (other) { reset(other, placeholder); });
        var next = below[0];
        if (!next || !select.value) return;
        if (status) status.textContent = loading;
        picker.setAttribute("aria-busy", "true");
        fetchChildren(url, select.value)
          .then(function (regions) {
            regions.forEach(function (region) { next.appendChild(option(region.code, region.name)); });
            next.disabled = regions.length === 0;
            if (status) status.textContent = "";
          })
          .catch(function () {
            if (status) status.textContent = "";
            next.disabled = true;
          })
          .then(function () { picker.removeAttribute("aria-busy"); });
      });
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-region-picker]"), setup);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
