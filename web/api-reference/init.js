// The API reference page (GET /api/docs, served by the Worker): Swagger UI, from this build's own
// files, on the document the page names. A file, not an inline script, so the page's CSP can
// forbid inline scripts.
/* global SwaggerUIBundle */
const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  domNode: root,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  deepLinking: true,
  displayOperationId: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  // Nothing leaves this origin: no online validator badge; the token stays in the page only.
  validatorUrl: null,
  persistAuthorization: false,
});
