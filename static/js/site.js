// Progressive additions to the header's disclosures (they work without this file): a click
// outside the account drop-down or the Escape key closes an open one.
(function () {
  function openMenus() {
    return document.querySelectorAll("details.user-menu[open], details.site-menu[open]");
  }
  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    openMenus().forEach(function (menu) {
      var hadFocus = menu.contains(document.activeElement);
      menu.removeAttribute("open");
      if (hadFocus) menu.querySelector("summary").focus();
    });
  });
})();
