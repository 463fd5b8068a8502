// renewals: small progressive enhancements. No inline scripts (CSP script-src 'self').
// 1. HTMX requests carry the session's CSRF token.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.body.dataset.csrf;
  if (token) event.detail.headers["X-CSRF-Token"] = token;
});

// 2. Charts are declared in HTML: <canvas data-chart='{"type": "line", "data": {...}}'>.
function drawCharts(root) {
  if (!window.Chart) return;
  root.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    if (canvas.dataset.drawn) return;
    const spec = JSON.parse(canvas.dataset.chart);
    spec.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, spec.options || {});
    new window.Chart(canvas, spec);
    canvas.dataset.drawn = "1";
  });
}
document.addEventListener("DOMContentLoaded", () => drawCharts(document));
document.addEventListener("htmx:afterSwap", (event) => drawCharts(event.target));

// 3. <button data-confirm="..."> asks before submitting.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});
