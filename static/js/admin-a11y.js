// The admin's select2 boxes carry no accessible name of their own (axe: aria-input-field-name):
// give each the text of its field's label, now and for inline rows added later.
(function () {
  function labelText(select) {
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    return label ? label.textContent.replace(/[:：]\s*$/, "").trim() : "";
  }
  function name(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var text = labelText(select);
      var box = select.nextElementSibling;
      if (!text || !box) return;
      box.querySelectorAll('[role="combobox"], [role="textbox"], .select2-search__field').forEach(function (el) {
        if (el.getAttribute("aria-label") !== text) el.setAttribute("aria-label", text);
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    name(document);
    var content = document.getElementById("content") || document.body;
    new MutationObserver(function () { name(content); }).observe(content, { childList: true, subtree: true });
  });
})();
