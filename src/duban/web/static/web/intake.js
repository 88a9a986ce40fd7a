// Intake desk keyboard and suggestion helpers (no framework).
// Alt+1..3 picks a suggested unit; Ctrl+Enter registers and dispatches; a confident
// suggestion (the server decides: data-top-unit / data-top-category, blank when below the
// preselect threshold) preselects the primary unit and the category until the operator
// chooses them; "复制答复" fills the answer.
(function () {
  "use strict";
  var form, unit, answer, category, touched = false, categoryTouched = false;

  function pick(unitId) {
    document.querySelectorAll("#suggestions .pick").forEach(function (b) {
      b.classList.toggle("chosen", !!unitId && b.dataset.pick === String(unitId));
    });
    if (!unit || !unitId) return false;
    unit.value = unitId;
    return unit.value === String(unitId);
  }

  function onSuggestions() {
    var box = document.querySelector("#suggestions .suggest");
    if (!box) return;
    if (!touched && unit) {
      // Follow the suggestion: a low-confidence one leaves 主办单位 empty.
      if (!box.dataset.topUnit || !pick(box.dataset.topUnit)) { unit.value = ""; pick(""); }
    } else if (unit) pick(unit.value);
    // An id missing from the select (a retired category) leaves it empty.
    if (!categoryTouched && category) category.value = box.dataset.topCategory || "";
  }

  function onKey(e) {
    if (!form) return;
    if (e.altKey && !e.ctrlKey && !e.metaKey && /^Digit[1-3]$/.test(e.code)) {
      var b = document.querySelector('#suggestions .pick[data-index="' + e.code.slice(5) + '"]');
      if (b && pick(b.dataset.pick)) { touched = true; e.preventDefault(); }
    } else if ((e.ctrlKey || e.metaKey) && e.key === "Enter" && form.contains(e.target)) {
      e.preventDefault();
      form.requestSubmit(document.getElementById("submit-dispatch"));
    }
  }

  function onClick(e) {
    var b = e.target.closest("#suggestions .pick");
    if (b) { touched = true; pick(b.dataset.pick); return; }
    var c = e.target.closest("#suggestions .copy-answer");
    if (c && answer) {
      answer.value = c.dataset.answer;
      answer.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    form = document.getElementById("intake-form");
    if (!form) return;
    unit = form.querySelector("[name=unit]");
    answer = form.querySelector("[name=answer]");
    category = form.querySelector("[name=category]");
    touched = !!(unit && unit.value);  // kept input after an error: the operator's choice
    categoryTouched = !!(category && category.value);
    if (unit) unit.addEventListener("change", function () { touched = true; pick(unit.value); });
    if (category) category.addEventListener("change", function () { categoryTouched = true; });
    // One submit per render: the idempotency key guards the server, this the button.
    form.addEventListener("submit", function (e) {
      if (form.dataset.sent) { e.preventDefault(); return; }
      form.dataset.sent = "1";
    });
    // After an error: the first field to fix; otherwise the phone field of a fresh form.
    var first = form.querySelector(".has-error input, .has-error select, .has-error textarea");
    (first || form.querySelector("[name=caller_phone]")).focus();
  });
  document.addEventListener("keydown", onKey);
  document.addEventListener("click", onClick);
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail && e.detail.target && e.detail.target.id === "suggestions") onSuggestions();
  });
})();
