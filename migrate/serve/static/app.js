// govmigrate review app: small progressive enhancement, no libraries. Every form works without it.
"use strict";
(function () {
  function filterList(input, items, text) {
    var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    items.forEach(function (item) {
      var hay = text(item).toLowerCase();
      item.hidden = !words.every(function (w) { return hay.indexOf(w) !== -1; });
    });
  }

  // The tree picker: a dialog listing the target tree, filtered as you type; a click fills the
  // row's target field and submits its form.
  var picker = document.getElementById("picker");
  if (picker) {
    var filter = document.getElementById("picker-filter");
    var entries = Array.prototype.slice.call(picker.querySelectorAll(".picker-list li"));
    var current = null;
    document.querySelectorAll("form.retarget button.pick").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        current = button.form;
        filter.value = "";
        filterList(filter, entries, function (li) { return li.textContent; });
        picker.showModal();
        filter.focus();
      });
    });
    // Matches are shown with their ancestors (greyed), so the tree stays readable while filtering.
    filter.addEventListener("input", function () {
      filterList(filter, entries, function (li) {
        var b = li.querySelector("button");
        return b.dataset.id + " " + b.dataset.path + " " + li.textContent;
      });
      var stack = [];
      entries.forEach(function (li) {
        var depth = Number(li.dataset.depth);
        stack.length = depth;
        li.classList.toggle("match", !li.hidden && filter.value.trim() !== "");
        li.classList.remove("context");
        if (!li.hidden) {
          stack.forEach(function (up) {
            if (up.hidden) { up.hidden = false; up.classList.add("context"); }
          });
        }
        stack[depth] = li;
      });
    });
    picker.querySelectorAll("button.pick-target").forEach(function (button) {
      button.addEventListener("click", function () {
        if (!current) { return; }
        current.elements.target_id.value = button.dataset.id;
        picker.close();
        current.submit();
      });
    });
  }

  // Filter the source columns of the mapping page.
  var columnFilter = document.getElementById("column-filter");
  if (columnFilter) {
    columnFilter.hidden = false;
    var rows = Array.prototype.slice.call(document.querySelectorAll("#columns tbody tr"));
    columnFilter.addEventListener("input", function () {
      filterList(columnFilter, rows, function (tr) { return tr.dataset.path + " " + tr.textContent; });
    });
  }

  // Select every old URL of the page at once.
  var all = document.querySelector("input.select-all");
  if (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      document.querySelectorAll("input[name=old_url]").forEach(function (box) { box.checked = all.checked; });
    });
  }
})();

// The mapping check runs after the page is shown (on a large workspace it takes seconds).
(function () {
  var section = document.querySelector("#check[data-src]");
  if (!section) { return; }
  fetch(section.dataset.src, { headers: { "X-Fragment": "check" }, credentials: "same-origin" })
    .then(function (resp) { if (!resp.ok) { throw new Error(resp.status); } return resp.text(); })
    .then(function (html) {
      section.innerHTML = html;
      var ok = section.querySelector("ul.problems").dataset.ok === "yes";
      section.classList.add(ok ? "passing" : "failing");
      section.removeAttribute("data-src");
    })
    .catch(function () { section.querySelector("p").textContent = "映射检查失败，请刷新页面重试"; });
})();
