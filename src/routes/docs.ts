import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppContext } from "../env";
import { completeDocument, info, tags } from "./openapi/document";
import type { Doc } from "./openapi/types";

/** Where web/vite.config.ts puts Swagger UI's files and the page's initializer in the static assets. */
export const REFERENCE_ASSETS = "/api-reference";

// No inline script or style of the page's own: Swagger UI sets style attributes, and its
// try-it calls go to this origin only.
const csp = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${info.title} API reference</title>
<link rel="icon" type="image/png" href="${REFERENCE_ASSETS}/favicon-32x32.png">
<link rel="stylesheet" href="${REFERENCE_ASSETS}/swagger-ui.css">
<link rel="stylesheet" href="${REFERENCE_ASSETS}/page.css">
</head>
<body>
<noscript>The API reference needs JavaScript. The document itself: <a href="/api/openapi.json">/api/openapi.json</a></noscript>
<div id="swagger-ui" data-openapi-url="/api/openapi.json"></div>
<script src="${REFERENCE_ASSETS}/swagger-ui-bundle.js"></script>
<script src="${REFERENCE_ASSETS}/init.js"></script>
</body>
</html>
`;

/**
 * GET /api/openapi.json, built once per isolate from the routes registered on `app`, and
 * GET /api/docs, Swagger UI (from the Worker's static assets) pointed at it.
 */
export function docsRoutes(app: OpenAPIHono<AppContext>) {
  let doc: Doc | undefined;
  const document = () => (doc ??= completeDocument(app.getOpenAPI31Document({ openapi: "3.1.0", info, tags }) as unknown as Doc));
  app.get("/api/openapi.json", (c) => c.json(document()));
  app.get("/api/docs", (c) => c.html(page, 200, { "Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer" }));
}
