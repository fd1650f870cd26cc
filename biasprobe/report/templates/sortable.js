(function () {
  "use strict";
  function cellKey(cell, numeric) {
    if (!numeric) { return cell ? cell.textContent.trim().toLowerCase() : ""; }
    var raw = cell ? cell.getAttribute("data-value") : null;
    var value = raw === null ? NaN : parseFloat(raw);
    return isNaN(value) ? null : value;
  }
  function compare(a, b, numeric) {
    if (numeric) {
      if (a === null) { return b === null ? 0 : 1; }
      if (b === null) { return -1; }
      return a - b;
    }
    return a.localeCompare(b);
  }
  function sortTable(table, th, index) {
    var body = table.tBodies[0];
    var numeric = th.getAttribute("data-kind") !== "text" && th.getAttribute("data-kind") !== "bool";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows).map(function (row, i) {
      return { row: row, i: i, key: cellKey(row.cells[index], numeric) };
    });
    rows.sort(function (x, y) {
      var missing = numeric && (x.key === null || y.key === null);
      var order = compare(x.key, y.key, numeric);
      if (!missing && !ascending) { order = -order; }
      return order || x.i - y.i;
    });
    rows.forEach(function (item) { body.appendChild(item.row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
      other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    if (!table.tHead || !table.tBodies.length) { return; }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.tabIndex = 0;
      th.classList.add("sort-key");
      th.addEventListener("click", function () { sortTable(table, th, index); });
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          sortTable(table, th, index);
        }
      });
    });
  });
  document.documentElement.classList.add("js");
})();
