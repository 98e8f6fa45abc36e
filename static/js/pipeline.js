// The pipeline board: drag a card to another level's column (SortableJS); the drop is posted
// through htmx.ajax (CSRF header from <body hx-headers>, the answer replaces the card). When
// the server refuses, app.js shows its message and the card goes back where it was.
(function () {
  "use strict";

  function drop(event) {
    var item = event.item, from = event.from, oldIndex = event.oldIndex;
    function putBack(done) {
      if (done.detail.elt !== item) { return; }
      item.removeEventListener("htmx:afterRequest", putBack);
      if (!done.detail.successful && item.isConnected) {
        from.insertBefore(item, from.children[oldIndex] || null);
      }
    }
    item.addEventListener("htmx:afterRequest", putBack);
    htmx.ajax("POST", item.dataset.levelUrl, {
      source: item, target: item, swap: "outerHTML", values: { level: event.to.dataset.level }
    });
  }

  function bind(root) {
    if (!window.Sortable || !root) { return; }
    root.querySelectorAll(".kanban-list[data-level]").forEach(function (list) {
      if (list.dataset.sortable) { return; }
      list.dataset.sortable = "1";
      Sortable.create(list, {
        group: "pipeline", animation: 150, delay: 150, delayOnTouchOnly: true, filter: "select, a, button",
        preventOnFilter: false, onAdd: drop
      });
    });
  }

  bind(document.getElementById("pipeline-board"));
  document.body.addEventListener("htmx:afterSwap", function () { bind(document.getElementById("pipeline-board")); });
})();
