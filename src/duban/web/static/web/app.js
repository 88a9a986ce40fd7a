// Live deadline countdowns: every .countdown[data-due] shows "剩余 3小时12分" or "已超期 2天".
(function () {
  "use strict";
  function span(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
    if (days) return hours ? days + "天" + hours + "小时" : days + "天";
    if (hours) return hours + "小时" + mins + "分";
    return mins + "分钟";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var left = Date.parse(el.dataset.due) - now;
      if (isNaN(left)) return;
      // The clock's own due-soon window (tickets/clocks.py), in seconds; 24 h without one.
      var soon = el.dataset.soon ? Number(el.dataset.soon) * 1000 : 86400000;
      el.textContent = left >= 0 ? "剩余 " + span(left) : "已超期 " + span(left);
      el.classList.toggle("overdue", left < 0);
      el.classList.toggle("soon", left >= 0 && left < soon);
    });
  }
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  setInterval(tick, 30000);
})();

// Bulk actions on the desks: "全选本页" ticks every card's checkbox of its form.
document.addEventListener("change", function (event) {
  "use strict";
  var all = event.target;
  if (!all.matches || !all.matches("[data-pick-all]")) return;
  document.querySelectorAll('input[name="t"][form="' + all.dataset.pickAll + '"]').forEach(function (box) {
    box.checked = all.checked;
  });
});

// The 办理单 page's 打印 button.
document.addEventListener("click", function (event) {
  "use strict";
  if (event.target.closest && event.target.closest("[data-print]")) window.print();
});

// Buttons that used inline handlers (forbidden by the Content-Security-Policy):
// data-remove-closest="SELECTOR" removes the enclosing element (关闭, 取消);
// button.pick[data-pick] puts its unit into its form's unit field (选用).
document.addEventListener("click", function (event) {
  "use strict";
  if (!event.target.closest) return;
  var remover = event.target.closest("[data-remove-closest]");
  if (remover) {
    event.preventDefault();
    var box = remover.closest(remover.dataset.removeClosest);
    if (box) box.remove();
    return;
  }
  var pick = event.target.closest("button.pick[data-pick]");
  if (pick && pick.form && pick.form.elements.unit) pick.form.elements.unit.value = pick.dataset.pick;
});
