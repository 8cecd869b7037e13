import { z } from "@hono/zod-openapi";
import { listAudit } from "../../db/audit";
import { apiRoute, db, jsonResponse, page, pageOf, pageQuery, router, timestamp } from "./shared";

const auditSchema = z
  .object({
    id: z.number().int(),
    actorId: z.string().nullable(),
    action: z.string().openapi({ example: "queue.create" }),
    entityType: z.string(),
    entityId: z.string(),
    details: z.record(z.string(), z.unknown()).nullable(),
    at: timestamp,
  })
  .openapi("AuditEntry");

const list = apiRoute(["admin"], {
  method: "get",
  path: "/audit",
  tags: ["audit"],
  summary: "The audit log, newest first",
  request: {
    query: z.object({
      entityType: z.string().min(1).max(32).optional(),
      entityId: z.string().min(1).max(64).optional(),
      actorId: z.string().min(1).max(64).optional(),
      ...pageQuery,
    }),
  },
  responses: { 200: jsonResponse(pageOf(auditSchema), "A page of audit entries") },
});

export function auditRoutes() {
  const app = router();
  app.openapi(list, async (c) => {
    const { cursor, limit, ...filter } = c.req.valid("query");
    const rows = await listAudit(db(c), { ...filter, before: cursor, limit });
    return c.json(page(rows, limit), 200);
  });
  return app;
}
