// The visit form: the source (来源) follows the kind (到店 / 来电) until the user picks a source
// of their own. Delegated, so it survives the htmx swaps of #visit-form.
(function () {
  "use strict";
  document.body.addEventListener("change", function (event) {
    var target = event.target;
    var form = target.closest && target.closest("#visit-form form");
    if (!form) { return; }
    var source = form.querySelector("select[name=source]");
    if (!source) { return; }
    if (target === source) {
      source.setAttribute("data-touched", "1");
      return;
    }
    if (target.name === "kind" && target.checked && !source.hasAttribute("data-touched")) {
      if (source.querySelector('option[value="' + target.value + '"]')) { source.value = target.value; }
    }
  });
})();
