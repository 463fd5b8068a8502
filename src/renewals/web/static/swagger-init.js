// renewals: starts Swagger UI on /docs (a file, not an inline script: CSP script-src 'self').
// "Try it out" runs with the signed-in session; unsafe requests carry its CSRF token.
window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  const token = document.body.dataset.csrf;
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.openapi,
    dom_id: "#swagger-ui",
    deepLinking: true,
    layout: "BaseLayout",
    presets: [window.SwaggerUIBundle.presets.apis],
    requestInterceptor: (request) => {
      if (token && request.method && request.method.toUpperCase() !== "GET") {
        request.headers["X-CSRF-Token"] = token;
      }
      return request;
    },
  });
});
