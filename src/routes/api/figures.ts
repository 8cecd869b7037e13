// A queue's live figures and today's, and reports of the same figures over a date range (docs/interactions.md#figures-and-reports).
import { z } from "@hono/zod-openapi";
import { getQueue } from "../../db/queues";
import { namesOf, queueFigureSettings, ticketsCreatedIn, type TicketFigureRow } from "../../db/service-figures";
import { csvLine } from "../../domain/csv";
import { dayIn, groupedFigures, serviceFigures, type ServiceFigures } from "../../domain/service-figures";
import { timeZoneSchema } from "../../domain/weekly-schedule";
import { badRequest, notFound } from "../../errors";
import { queueStatsSchema, serviceFiguresSchema } from "../../queue/protocol";
import { apiRoute, db, errors, jsonResponse, router, uuidParam } from "./shared";

/** The longest range a report covers. */
export const REPORT_MAX_DAYS = 366;

const time = z
  .union([z.coerce.number().int().nonnegative(), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))])
  .openapi({ type: "string", description: "Epoch milliseconds, or an ISO 8601 date-time with its offset" });

const reportQuery = z.object({
  from: time.openapi({ type: "string", description: "Tickets created at or after (epoch ms or ISO 8601 with offset)" }),
  to: time.openapi({ type: "string", description: "Tickets created before (epoch ms or ISO 8601 with offset)" }),
  groupBy: z.enum(["day", "queue", "agent", "account"]).default("day"),
  queueId: z.string().min(1).max(64).optional().openapi({ description: "Only this queue's tickets" }),
  timeZone: timeZoneSchema.default("UTC").openapi({ description: "The zone whose calendar days `groupBy=day` uses (IANA name)" }),
});

const figures = serviceFiguresSchema.openapi("ServiceFigures");

const reportSchema = z
  .object({
    from: z.number(),
    to: z.number(),
    groupBy: z.enum(["day", "queue", "agent", "account"]),
    timeZone: z.string(),
    rows: z.array(z.object({ key: z.string().openapi({ description: "The day (YYYY-MM-DD), queue, agent or account id; `unassigned` for tickets no agent took" }), name: z.string(), figures })),
    total: figures,
  })
  .openapi("Report");

const stats = apiRoute(["admin", "supervisor"], {
  method: "get",
  path: "/queues/{id}/stats",
  tags: ["queues"],
  summary: "The queue's live figures, and today's since midnight in its time zone, per queue and per agent",
  request: { params: uuidParam },
  responses: { 200: jsonResponse(queueStatsSchema.openapi("QueueStats"), "The queue's figures"), 404: errors[404] },
});

const report = apiRoute(["admin", "supervisor"], {
  method: "get",
  path: "/reports",
  tags: ["reports"],
  summary: "Service figures of the tickets created in a range, by day, queue, agent or account",
  request: { query: reportQuery },
  responses: { 200: jsonResponse(reportSchema, "One row per group, and the total") },
});

const reportCsv = apiRoute(["admin", "supervisor"], {
  method: "get",
  path: "/reports.csv",
  tags: ["reports"],
  summary: "The report as CSV",
  request: { query: reportQuery },
  responses: {
    200: {
      description: "RFC 4180 CSV in UTF-8 with a byte order mark: a header row, one row per group, then the total",
      content: { "text/csv": { schema: z.string() } },
    },
  },
});

type Report = z.infer<typeof reportSchema>;

async function buildReport(d1: D1Database, q: z.infer<typeof reportQuery>): Promise<Report> {
  if (q.to <= q.from) throw badRequest("`to` must be after `from`", [{ path: "to", message: "Not after from" }]);
  if (q.to - q.from > REPORT_MAX_DAYS * 86_400_000) throw badRequest(`A report covers at most ${REPORT_MAX_DAYS} days`, [{ path: "to", message: "Range too long" }]);
  const [rows, queues] = await Promise.all([ticketsCreatedIn(d1, { from: q.from, to: q.to, queueId: q.queueId }), queueFigureSettings(d1, q.queueId)]);
  const tickets = rows.map((r) => ({ ...r, targetS: queues.get(r.queueId)?.targetS ?? 20 }));
  const keyOf: Record<Report["groupBy"], (t: TicketFigureRow) => string> = {
    day: (t) => dayIn(q.timeZone, t.createdAt),
    queue: (t) => t.queueId,
    agent: (t) => t.assigneeId ?? "unassigned",
    account: (t) => t.accountId,
  };
  const groups = groupedFigures(tickets, keyOf[q.groupBy]);
  const keys = groups.map((g) => g.key);
  const names =
    q.groupBy === "queue"
      ? new Map([...queues.values()].map((s) => [s.id, s.name]))
      : q.groupBy === "agent"
        ? await namesOf(d1, "user", keys.filter((k) => k !== "unassigned"))
        : q.groupBy === "account"
          ? await namesOf(d1, "account", keys)
          : new Map<string, string>();
  const targets = new Set(tickets.map((t) => t.targetS));
  const total: ServiceFigures = serviceFigures(tickets, targets.size === 1 ? tickets[0]!.targetS : null);
  return {
    from: q.from,
    to: q.to,
    groupBy: q.groupBy,
    timeZone: q.timeZone,
    rows: groups.map((g) => ({ key: g.key, name: names.get(g.key) ?? g.key, figures: g.figures })),
    total,
  };
}

export const reportColumns = [
  "group",
  "name",
  "created",
  "handled",
  "abandoned",
  "first_response_count",
  "first_response_avg_s",
  "first_response_p90_s",
  "handle_time_count",
  "handle_time_avg_s",
  "service_level_target_s",
  "service_level_within",
  "service_level_of",
  "service_level_pct",
];

function reportLine(key: string, name: string, f: ServiceFigures): string {
  return csvLine([
    key,
    name,
    f.created,
    f.handled,
    f.abandoned,
    f.firstResponse.count,
    f.firstResponse.avgS,
    f.firstResponse.p90S,
    f.handleTime.count,
    f.handleTime.avgS,
    f.serviceLevel.targetS,
    f.serviceLevel.within,
    f.serviceLevel.of,
    f.serviceLevel.pct,
  ]);
}

export function figureRoutes() {
  const app = router();

  app.openapi(stats, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await getQueue(db(c), id))) throw notFound("Queue");
    return c.json(await c.env.QUEUE_OBJECT.getByName(id).stats(), 200);
  });

  app.openapi(report, async (c) => c.json(await buildReport(c.env.DB, c.req.valid("query")), 200));

  app.openapi(reportCsv, async (c) => {
    const r = await buildReport(c.env.DB, c.req.valid("query"));
    const body = `\uFEFF${csvLine(reportColumns)}${r.rows.map((row) => reportLine(row.key, row.name, row.figures)).join("")}${reportLine("total", "", r.total)}`;
    const name = `report-${r.groupBy}-${new Date(r.from).toISOString().slice(0, 10)}.csv`;
    return c.body(body, 200, { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${name}"`, "Cache-Control": "no-store" });
  });

  return app;
}
