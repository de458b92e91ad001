// The admin panel's script. Everything here improves pages that work
// without it: the live "N selected" count and the bulk buttons' state,
// the clear-all button that waits for the confirmation word, where the
// keyboard focus goes after htmx swaps part of a page, and pausing the
// dashboard's refresh while its tab is hidden. (The site's CSP allows no
// inline script and no eval, so htmx's hx-on and trigger filters are not
// used.)
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // --- Selection in the session list --------------------------------------
  function rowBoxes() { return $$('#session-table input[name="ids"][form="bulk-form"]'); }

  function updateSelection() {
    var count = $("#selected-count"), end = $("#end-selected");
    if (!count || !end) return;
    var boxes = rowBoxes(), ticked = boxes.filter(function (b) { return b.checked; });
    var page = $("#select-page"), matching = $("#select-matching");
    if (page) {
      page.checked = boxes.length > 0 && ticked.length === boxes.length;
      page.indeterminate = ticked.length > 0 && ticked.length < boxes.length;
    }
    var text;
    if (matching && matching.checked) {
      text = "All " + matching.getAttribute("data-total") + " matching selected";
    } else if (ticked.length === 0) {
      text = "None selected";
    } else {
      text = ticked.length + " selected";
    }
    if (count.textContent !== text) count.textContent = text;
    var any = ticked.length > 0 || (matching && matching.checked);
    end.disabled = !any;
    end.setAttribute("aria-disabled", any ? "false" : "true");
  }

  // A confirmation no longer matches a changed selection: drop it.
  function dropConfirmation() {
    var panel = $("#bulk-confirm");
    if (panel) panel.innerHTML = "";
  }

  document.addEventListener("change", function (e) {
    var t = e.target;
    if (!(t instanceof HTMLInputElement) || !t.closest("#session-table")) return;
    var matching = $("#select-matching");
    if (t.id === "select-page") {
      rowBoxes().forEach(function (b) { b.checked = t.checked; });
      if (!t.checked && matching) matching.checked = false;
    } else if (t.id === "select-matching") {
      if (t.checked) rowBoxes().forEach(function (b) { b.checked = true; });
    } else if (t.name === "ids") {
      if (!t.checked && matching) matching.checked = false;
    } else {
      return;
    }
    dropConfirmation();
    updateSelection();
  });

  // --- Clear all: the button waits for the word -----------------------------
  function updateConfirmWord() {
    var input = $("#confirm"), button = $("#clear-all");
    if (!input || !button) return;
    var ok = input.value.trim().toLowerCase() === button.getAttribute("data-confirm-word");
    button.disabled = !ok;
  }
  document.addEventListener("input", function (e) {
    if (e.target && e.target.id === "confirm") updateConfirmWord();
  });

  // --- Cancel a bulk confirmation -------------------------------------------
  document.addEventListener("click", function (e) {
    var cancel = e.target instanceof Element && e.target.closest("#bulk-confirm [data-cancel-confirm]");
    if (!cancel) return;
    e.preventDefault();
    dropConfirmation();
    var end = $("#end-selected");
    if (end) end.focus();
  });

  // --- Focus after swaps ------------------------------------------------------
  // Ending a row removes it: focus moves to the End button of the row that
  // takes its place (or the one before, or the list's summary).
  var rowFocus = null;
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    if (!target || !target.id || target.id.indexOf("row-") !== 0) return;
    var next = target.nextElementSibling || target.previousElementSibling;
    rowFocus = next ? $(".col-actions button", next) : $("#session-summary");
    setTimeout(afterRowEnded, 0);
  });

  function afterRowEnded() {
    var from = $("#session-table");
    var range = $("#session-range");
    if (from && range) {
      var first = parseInt(from.getAttribute("data-from"), 10) || 1;
      var rows = $$("#session-table tbody tr[data-hash]").length;
      range.textContent = rows > 0 ? first + "–" + (first + rows - 1) : "none";
    }
    updateSelection();
    if (rowFocus && document.contains(rowFocus)) rowFocus.focus();
    rowFocus = null;
  }

  // After any other swap: what the server marked, else the first field
  // with an error, else (a new page) its heading, else, when the focused
  // control went away with the old content, the swapped region.
  function focusAfter(region) {
    var marked = $("[data-autofocus]");
    if (marked) {
      marked.removeAttribute("data-autofocus");
      marked.focus();
      return;
    }
    var invalid = $('[aria-invalid="true"]', region);
    if (invalid) {
      invalid.focus();
      return;
    }
    if (region && region.id === "page") {
      var h1 = $("#page-heading");
      if (h1) h1.focus();
      return;
    }
    if (document.activeElement === document.body || !document.activeElement) {
      var summary = region && region.id === "session-table" ? $("#session-summary") : null;
      if (summary) summary.focus();
    }
  }

  document.addEventListener("htmx:afterSettle", function (e) {
    var region = e.detail.target;
    if (region && region.id && region.id.indexOf("row-") === 0) return;
    if (region && region.id === "admin-stats") return; // a refresh moves nothing
    updateSelection();
    updateConfirmWord();
    focusAfter(region);
  });

  // --- The dashboard's refresh pauses while the tab is hidden -----------------
  document.addEventListener("htmx:beforeRequest", function (e) {
    var elt = e.detail.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute("data-poll") && document.visibilityState !== "visible") {
      e.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", function () {
    var stats = $("#admin-stats");
    if (document.visibilityState === "visible" && stats && window.htmx) window.htmx.trigger(stats, "admin:refresh");
  });

  document.addEventListener("DOMContentLoaded", function () {
    updateSelection();
    updateConfirmWord();
    var marked = $("[data-autofocus]");
    if (marked) {
      marked.removeAttribute("data-autofocus");
      marked.focus();
    }
  });
})();
