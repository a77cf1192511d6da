// The new-analysis form shows the persona fields only for the kinds that use them.
// Without JavaScript every field is shown, and the server ignores what a kind does not take.
(function () {
  "use strict";
  var form = document.getElementById("new-analysis");
  if (!form) return;
  function update() {
    var checked = form.querySelector('input[name="kind"]:checked');
    var kind = checked ? checked.value : "audit";
    form.querySelectorAll("[data-kinds]").forEach(function (el) {
      var shown = el.dataset.kinds.split(" ").indexOf(kind) !== -1;
      el.hidden = !shown;
      el.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !shown; });
    });
  }
  form.addEventListener("change", function (event) { if (event.target.name === "kind") update(); });
  update();
})();
