import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { AppContext } from "./env";
import { ApiError, errorBody, validationHook } from "./errors";
import { apiRoutes } from "./routes/api";
import { docsRoutes } from "./routes/docs";
import { agentSocket, supervisorSocket } from "./routes/agent-socket";
import { webhooks } from "./routes/webhooks";

export function createApp() {
  const app = new OpenAPIHono<AppContext>({ defaultHook: validationHook });

  app.get("/healthz", (c) => c.json({ ok: true, service: "channel-hub" }));
  app.route("/api/v1", apiRoutes());
  docsRoutes(app);
  app.route("/", webhooks);
  app.route("/", agentSocket);
  app.route("/", supervisorSocket);

  app.notFound((c) => c.json(errorBody("not_found", `No route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(errorBody(err.code, err.message, err.details), err.status);
    if (err instanceof HTTPException) return c.json(errorBody(httpErrorCode(err), err.message), err.status);
    console.error("unhandled error", err);
    return c.json(errorBody("internal", "Internal error"), 500);
  });
  return app;
}

/** Hono's own errors (malformed JSON body, wrong content type) in the API's vocabulary. */
function httpErrorCode(err: HTTPException): string {
  if (err.status === 400) return /malformed json/i.test(err.message) ? "malformed_json" : "bad_request";
  if (err.status === 415) return "unsupported_media_type";
  return "http_error";
}
