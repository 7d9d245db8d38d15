// Names the admin leaves out, now and for inline rows added later: select2 boxes carry no
// accessible name of their own (axe: aria-input-field-name), and the controls of a tabular
// inline have only their column's heading (axe: label).
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
  function nameInlineCells(root) {
    root.querySelectorAll(".tabular tbody td").forEach(function (cell) {
      var table = cell.closest("table");
      var headings = table && table.tHead && table.tHead.rows[0];
      var heading = headings && headings.cells[cell.cellIndex];
      var text = heading ? heading.textContent.trim() : "";
      if (!text) return;
      cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (control) {
        var labelled = control.labels && control.labels.length;
        if (!labelled && control.getAttribute("aria-label") !== text) control.setAttribute("aria-label", text);
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    name(document);
    nameInlineCells(document);
    var content = document.getElementById("content") || document.body;
    new MutationObserver(function () { name(content); nameInlineCells(content); }).observe(content, { childList: true, subtree: true });
  });
})();
