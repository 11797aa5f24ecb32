/* Searchable choices: <select data-searchable> gets a search box above it that hides the options
   not matching what is typed (by code or name); chosen options always stay visible, and the
   number chosen is shown. A file, not inline script (the Content-Security-Policy). */
(function () {
  "use strict";
  var zh = !document.documentElement.lang || document.documentElement.lang.indexOf("zh") === 0;
  function bind(sel) {
    if (sel.dataset.searchBound) { return; }
    sel.dataset.searchBound = "1";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "select-search";
    box.placeholder = zh ? "输入名称或代码筛选" : "Type a name or code to filter";
    box.setAttribute("aria-label", box.placeholder);
    box.setAttribute("aria-controls", sel.id);
    box.dataset.testid = "search-" + (sel.name || sel.id);
    box.setAttribute("data-testid", box.dataset.testid);
    var count = document.createElement("span");
    count.className = "field-help select-count";
    sel.parentNode.insertBefore(box, sel);
    sel.parentNode.insertBefore(count, sel.nextSibling);
    function chosen() {
      var n = Array.prototype.filter.call(sel.options, function (o) { return o.selected; }).length;
      count.textContent = n ? (zh ? "已选 " + n + " 项" : n + " chosen") : "";
    }
    box.addEventListener("input", function () {
      var q = box.value.trim().toLowerCase();
      Array.prototype.forEach.call(sel.options, function (o) {
        o.hidden = !!q && !o.selected && o.text.toLowerCase().indexOf(q) < 0;
      });
    });
    // Enter in the search box chooses the first visible option instead of submitting the form.
    box.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") { return; }
      e.preventDefault();
      var first = Array.prototype.find.call(sel.options, function (o) { return !o.hidden && !o.selected; });
      if (first) { first.selected = true; chosen(); }
    });
    sel.addEventListener("change", chosen);
    chosen();
  }
  function apply(root) { root.querySelectorAll("select[data-searchable]").forEach(bind); }
  document.addEventListener("DOMContentLoaded", function () { apply(document); });
  document.addEventListener("htmx:afterSwap", function (e) { apply(e.target); });
})();
