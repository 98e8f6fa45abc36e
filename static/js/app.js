// dealer_saas front end: htmx does the work; this only shows errors and tidies the shell.
(function () {
  "use strict";

  function toast(message) {
    var template = document.getElementById("toast-template");
    if (!template) { return; }
    var node = template.content.firstElementChild.cloneNode(true);
    node.querySelector(".toast-body").textContent = message;
    document.getElementById("toasts").appendChild(node);
    var instance = bootstrap.Toast.getOrCreateInstance(node, { delay: 6000 });
    node.addEventListener("hidden.bs.toast", function () { node.remove(); });
    instance.show();
  }

  // A 4xx/5xx is not swapped by htmx: show the error fragment's text as a toast instead.
  document.body.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status === 401 && xhr.getResponseHeader("HX-Redirect")) { return; }
    var holder = document.createElement("div");
    holder.innerHTML = xhr.responseText || "";
    var text = (holder.textContent || "").replace(/\s+/g, " ").trim();
    toast(text || ("HTTP " + xhr.status));
  });
  document.body.addEventListener("htmx:sendError", function () {
    toast(document.documentElement.lang === "en" ? "Network error: not saved, please retry." : "网络错误：未保存，请重试。");
  });

  // Feedback on every htmx request: the progress bar runs while any request is out, and the
  // control that submitted a change is disabled until its answer arrives (no double saves).
  var pending = 0;
  function setBusy(delta) {
    pending = Math.max(0, pending + delta);
    document.body.classList.toggle("is-loading", pending > 0);
  }
  function submitControls(elt) {
    if (!elt) { return []; }
    if (elt.tagName === "FORM") {
      return Array.prototype.slice.call(elt.querySelectorAll("button:not([type=button]), input[type=submit]"));
    }
    if (elt.tagName === "BUTTON" || (elt.tagName === "INPUT" && elt.type === "submit")) { return [elt]; }
    return [];
  }
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    setBusy(1);
    var config = event.detail.requestConfig || {};
    if ((config.verb || "get").toLowerCase() === "get") { return; }
    submitControls(event.detail.elt).forEach(function (control) {
      if (control.disabled) { return; }
      control.disabled = true;
      control.setAttribute("data-busy", "1");
      control.setAttribute("aria-busy", "true");
    });
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    setBusy(-1);
    submitControls(event.detail.elt).forEach(function (control) {
      if (!control.hasAttribute("data-busy")) { return; }
      control.disabled = false;
      control.removeAttribute("data-busy");
      control.removeAttribute("aria-busy");
    });
  });

  // Back to a list keeps its scroll position: the position is kept per address for this tab
  // (sessionStorage, no customer data), and restored after a back/forward navigation; rows
  // beyond the first page come back through the list's own "load more" (it loads when revealed).
  var scrollKey = "scroll:" + location.pathname + location.search;
  window.addEventListener("pagehide", function () {
    try { sessionStorage.setItem(scrollKey, String(window.scrollY)); } catch (e) { /* private mode */ }
  });
  var navigation = (performance.getEntriesByType && performance.getEntriesByType("navigation")[0]) || {};
  var wanted = 0;
  try { wanted = navigation.type === "back_forward" ? Number(sessionStorage.getItem(scrollKey) || 0) : 0; } catch (e) { wanted = 0; }
  if (wanted > 0) {
    var tries = 0;
    var restore = function () {
      window.scrollTo(0, wanted);
      tries += 1;
      if (Math.abs(window.scrollY - wanted) < 2 || tries > 10) {
        document.body.removeEventListener("htmx:afterSettle", restore);
      }
    };
    document.body.addEventListener("htmx:afterSettle", restore);
    window.addEventListener("load", restore);
  }

  // Close the phone menu once a link in it has been followed.
  document.body.addEventListener("click", function (event) {
    var link = event.target.closest("#module-nav a.nav-link");
    if (!link) { return; }
    var menu = bootstrap.Offcanvas.getInstance(document.getElementById("module-nav"));
    if (menu) { menu.hide(); }
  });

  // Modal dialogs opened by htmx close themselves on the "closeModal" event.
  document.body.addEventListener("closeModal", function () {
    document.querySelectorAll(".modal.show").forEach(function (el) {
      bootstrap.Modal.getOrCreateInstance(el).hide();
    });
  });

  // Sign-in captcha: a new image (the server starts a new challenge for each one).
  document.body.addEventListener("click", function (event) {
    var button = event.target.closest("[data-captcha-refresh]");
    if (!button) { return; }
    var image = document.querySelector("[data-captcha-image]");
    if (image) { image.src = image.src.split("?")[0] + "?" + Date.now(); }
    var input = document.getElementById("captcha");
    if (input) { input.value = ""; input.focus(); }
  });

  // Behaviour the templates ask for with data attributes (no inline handlers: the
  // Content-Security-Policy allows scripts from our own files only).
  // data-confirm on a form or a submit button: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var message = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  // data-autosubmit on a field: submit its form when the value changes.
  document.body.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) { field.form.submit(); }
  });
  // data-print: print the page; data-select-on-focus: select the field's text.
  document.body.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
    var field = event.target.closest("[data-select-on-focus]");
    if (field) { field.select(); }
  });
})();
