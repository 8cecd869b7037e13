import { z } from "@hono/zod-openapi";
import { listAudit } from "../../db/audit";
import { auditActions, auditEntityTypes } from "../../kinds/audit";
import { apiRoute, db, jsonResponse, page, pageOf, pageQuery, router, timestamp } from "./shared";

const auditSchema = z
  .object({
    id: z.number().int(),
    actorId: z.string().nullable(),
    action: z.enum(auditActions).openapi({ example: "queue.create" }),
    entityType: z.enum(auditEntityTypes).openapi({ example: "queue" }),
    entityId: z.string(),
    details: z.record(z.string(), z.unknown()).nullable(),
    at: timestamp,
  })
  .openapi("AuditEntry");

/** A moment as epoch milliseconds or an ISO 8601 date-time. */
const instant = z
  .string()
  .transform((s, ctx) => {
    const ms = /^\d{1,16}$/.test(s) ? Number(s) : /^\d{4}-\d{2}-\d{2}/.test(s) ? Date.parse(s) : Number.NaN;
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: "custom", message: "Expected epoch milliseconds or an ISO 8601 date-time such as 2026-03-01T00:00:00Z" });
      return z.NEVER;
    }
    return ms;
  })
  .optional();

const userId = z.string().min(1).max(64).optional();

const list = apiRoute(["admin"], {
  method: "get",
  path: "/audit",
  tags: ["audit"],
  summary: "The audit log, newest first, filtered (every filter given must hold); unknown parameters are refused",
  request: {
    query: z.object({
      actor: userId.openapi({ description: "The user who acted (their id)" }),
      actorId: userId.openapi({ description: "Same as `actor`" }),
      action: z.enum(auditActions).optional(),
      entityType: z.enum(auditEntityTypes).optional(),
      entityId: z.string().min(1).max(64).optional(),
      from: instant.openapi({ type: "string", description: "Entries at or after this moment: epoch ms or ISO 8601", example: "2026-03-01T00:00:00Z" }),
      to: instant.openapi({ type: "string", description: "Entries at or before this moment: epoch ms or ISO 8601", example: "1772409599999" }),
      ...pageQuery,
    }),
  },
  responses: { 200: jsonResponse(pageOf(auditSchema), "A page of audit entries") },
});

export function auditRoutes() {
  const app = router();
  app.openapi(list, async (c) => {
    const { cursor, limit, actor, actorId, ...filter } = c.req.valid("query");
    if (actor !== undefined && actorId !== undefined && actor !== actorId) return c.json({ items: [], nextCursor: null }, 200);
    const rows = await listAudit(db(c), { ...filter, actorId: actor ?? actorId, before: cursor, limit });
    return c.json(page(rows, limit), 200);
  });
  return app;
}
