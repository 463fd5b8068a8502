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

// 4. A table wider than the screen scrolls sideways: it can then take the keyboard's focus
//    (arrow keys scroll it, WCAG 2.1.1) and is named after its heading for screen readers.
function focusableScrollers(root) {
  root.querySelectorAll(".table-wrap").forEach((wrap) => {
    const scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
    if (!scrolls || wrap.hasAttribute("tabindex")) return;
    wrap.tabIndex = 0;
    wrap.setAttribute("role", "region");
    const section = wrap.closest("section");
    const heading = wrap.querySelector("caption") || (section && section.querySelector("h2, h3"));
    // the words in the page's language (base.html's data-table-word, data-scrolls-word)
    const words = document.body.dataset;
    const name = heading ? heading.textContent.trim() : words.tableWord || "Table";
    wrap.setAttribute("aria-label", name + " " + (words.scrollsWord || "(scrolls sideways)"));
  });
}
document.addEventListener("DOMContentLoaded", () => focusableScrollers(document));
document.addEventListener("htmx:afterSwap", (event) => focusableScrollers(event.target));
window.addEventListener("resize", () => focusableScrollers(document));
