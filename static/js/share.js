// The quote page's buttons, without inline handlers: print, select the link on focus, and
// share the customer's link (the Web Share API on phones; else copy it to the clipboard;
// else select it so the user can copy it by hand).
(function () {
  "use strict";

  function status(button, text, ok) {
    var holder = button.parentNode.querySelector("[data-share-status]");
    if (!holder) { return; }
    holder.textContent = text || "";
    holder.classList.toggle("text-success", !!ok);
    holder.classList.toggle("text-danger", !ok);
  }

  function selectLink(button) {
    var input = button.parentNode.querySelector("input[readonly]");
    if (input) { input.focus(); input.select(); }
  }

  function copy(button, url) {
    var done = button.getAttribute("data-share-done");
    var failed = button.getAttribute("data-share-failed");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(
        function () { status(button, done, true); },
        function () { selectLink(button); status(button, failed, false); }
      );
      return;
    }
    selectLink(button);
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
    status(button, copied ? done : failed, copied);
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-print], [data-share-url]") : null;
    if (!target) { return; }
    if (target.hasAttribute("data-print")) { window.print(); return; }
    var url = target.getAttribute("data-share-url");
    var title = target.getAttribute("data-share-title") || document.title;
    if (navigator.share) {
      navigator.share({ title: title, url: url }).catch(function (error) {
        if (error && error.name === "AbortError") { return; }  // the user closed the sheet
        copy(target, url);
      });
      return;
    }
    copy(target, url);
  });

  document.addEventListener("focusin", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-select-on-focus")) { event.target.select(); }
  });
})();
