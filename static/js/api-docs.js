// Swagger UI puts a link inside each operation's toggle button (nested interactive controls):
// the button already opens the operation and updates the address, so the inner link becomes
// plain text (an anchor without href is not a control).
(function () {
  function tidy(root) {
    root.querySelectorAll(".opblock-summary-control a[href]").forEach(function (link) {
      link.removeAttribute("href");
    });
  }
  var target = document.getElementById("swagger-ui");
  if (!target) return;
  new MutationObserver(function () { tidy(target); }).observe(target, { childList: true, subtree: true });
})();
