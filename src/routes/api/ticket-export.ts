// GET and POST /tickets/export.csv: every matching ticket as CSV, streamed a page at a time.
import { z } from "@hono/zod-openapi";
import { listTickets } from "../../db/ticket-list";
import { findTickets, withNames, type TicketListItem } from "../../db/ticket-search";
import type { Condition } from "../../domain/search-conditions";
import { roles } from "../../kinds/principal";
import { csvLine, csvTime, secondsBetween, type Cell } from "../../domain/csv";
import { checkedSearch, listSelection, searchBodySchema, ticketListFilters, visibleQueues } from "./ticket-finding";
import { apiRoute, errors, jsonBody, router } from "./shared";

/** Tickets read and written per step of the stream. */
export const EXPORT_PAGE = 50;
/** The most ids one POST may name. */
export const EXPORT_MAX_IDS = 10_000;

/** The columns, in order: the ticket list's, then durations in seconds. Documented in docs/interactions.md. */
const columns: readonly [string, (r: TicketListItem) => Cell][] = [
  ["ticket", (r) => r.id],
  ["account_id", (r) => r.accountId],
  ["account", (r) => r.accountName],
  ["provider", (r) => r.provider],
  ["contact_id", (r) => r.contactId],
  ["contact", (r) => r.contactName],
  ["contact_handle", (r) => r.contactHandle],
  ["contact_username", (r) => r.contactUsername],
  ["queue_id", (r) => r.queueId],
  ["queue", (r) => r.queueName],
  ["agent_id", (r) => r.assigneeId],
  ["agent", (r) => r.agentName],
  ["status", (r) => r.status],
  ["subject", (r) => r.subject],
  ["tags", (r) => r.tags.join("; ")],
  ["disposition", (r) => r.disposition],
  ["escalated", (r) => (r.escalated ? "yes" : "no")],
  ["unread", (r) => r.unread],
  ["created_at", (r) => csvTime(r.createdAt)],
  ["first_reply_at", (r) => csvTime(r.firstReplyAt)],
  ["closed_at", (r) => csvTime(r.closedAt)],
  ["last_message_at", (r) => csvTime(r.lastMessageAt)],
  ["last_message", (r) => r.preview],
  ["first_response_s", (r) => secondsBetween(r.createdAt, r.firstReplyAt)],
  ["duration_s", (r) => secondsBetween(r.createdAt, r.closedAt)],
];

export const exportColumns = columns.map(([name]) => name);

const csvResponse = {
  description:
    "RFC 4180 CSV in UTF-8 with a byte order mark: a header row, then one row per ticket, newest first; streamed. Cells starting with =, +, -, @, a tab or a carriage return are prefixed with '",
  content: { "text/csv": { schema: z.string() } },
};

const exportGet = apiRoute(roles, {
  method: "get",
  path: "/tickets/export.csv",
  tags: ["tickets"],
  summary: "Every ticket the list's filters match, as CSV (agents: tickets of their queues)",
  request: { query: z.object(ticketListFilters) },
  responses: { 200: csvResponse, 404: errors[404] },
});

const idsBody = z
  .strictObject({
    ids: z.array(z.number().int().positive()).min(1).max(EXPORT_MAX_IDS).openapi({ description: `Ticket ids, at most ${EXPORT_MAX_IDS}; repeats and unknown ids are ignored` }),
  })
  .openapi("TicketExportIds");

const exportPost = apiRoute(roles, {
  method: "post",
  path: "/tickets/export.csv",
  tags: ["tickets"],
  summary: "The tickets a search matches, or those named by id, as CSV (agents: those of their queues; others are left out)",
  request: { body: jsonBody(z.union([idsBody, searchBodySchema]).openapi("TicketExport", { description: "`{ids}`, or a search as `POST /tickets/search` takes it" })) },
  responses: { 200: csvResponse },
});

/** Where the next page comes from: `after` is the last id of the page before (ids fall); `more` says whether to ask again. */
type Pages = (after: number | undefined) => Promise<{ rows: TicketListItem[]; last: number | undefined; more: boolean }>;

/** The list's or the search's walk, a page at a time. */
function searchPages(d1: D1Database, f: { queueIds?: string[]; conditions: Condition[]; match: "all" | "any"; userId: string }): Pages {
  return async (after) => {
    const rows = await findTickets(d1, { ...f, before: after, limit: EXPORT_PAGE });
    const page = rows.slice(0, EXPORT_PAGE);
    return { rows: page, last: page[page.length - 1]?.id, more: rows.length > EXPORT_PAGE };
  };
}

/** Given ids, newest first, a page at a time: each page's tickets looked up by id (those of `queueIds` only, when given). */
function idPages(d1: D1Database, ids: readonly number[], queueIds: string[] | undefined, userId: string): Pages {
  const sorted = [...new Set(ids)].sort((a, b) => b - a);
  return async (after) => {
    const start = after === undefined ? 0 : sorted.findIndex((id) => id < after);
    const chunk = start < 0 ? [] : sorted.slice(start, start + EXPORT_PAGE);
    const found = chunk.length === 0 ? [] : await listTickets(d1, { queueIds, where: (p) => `t.id IN (SELECT value FROM json_each(${p(JSON.stringify(chunk))}))`, limit: EXPORT_PAGE });
    return { rows: await withNames(d1, found.slice(0, EXPORT_PAGE), userId), last: chunk[chunk.length - 1], more: start >= 0 && start + EXPORT_PAGE < sorted.length };
  };
}

/**
 * The CSV as a stream that reads a page only when the client has taken the one before: the byte
 * order mark and header first, then a page of rows per pull. A failure part way is logged and ends
 * the stream in error (the client sees it cut).
 */
function csvStream(pages: Pages): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after: number | undefined;
  let started = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          if (!started) {
            started = true;
            controller.enqueue(encoder.encode(`\uFEFF${csvLine(exportColumns)}`));
            return;
          }
          const page = await pages(after);
          if (page.rows.length > 0) controller.enqueue(encoder.encode(page.rows.map((r) => csvLine(columns.map(([, cell]) => cell(r)))).join("")));
          after = page.last;
          if (!page.more || after === undefined) controller.close();
        } catch (err) {
          console.error("ticket export failed", err);
          controller.error(err);
        }
      },
    },
    { highWaterMark: 0 },
  );
}

function csvHeaders(now = new Date()) {
  const name = `tickets-${now.toISOString().slice(0, 19).replace(/[-:]/g, "")}Z.csv`;
  return { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${name}"`, "Cache-Control": "no-store" };
}

export function ticketExportRoutes() {
  const app = router();

  app.openapi(exportGet, async (c) => {
    const { queueIds, conditions } = await listSelection(c.env.DB, c.var.auth, c.req.valid("query"));
    return c.body(csvStream(searchPages(c.env.DB, { queueIds, conditions, match: "all", userId: c.var.auth.userId })), 200, csvHeaders());
  });

  app.openapi(exportPost, async (c) => {
    const body = c.req.valid("json");
    const userId = c.var.auth.userId;
    const queueIds = await visibleQueues(c.env.DB, c.var.auth);
    const pages = "ids" in body ? idPages(c.env.DB, body.ids, queueIds, userId) : searchPages(c.env.DB, { queueIds, ...checkedSearch(body), userId });
    return c.body(csvStream(pages), 200, csvHeaders());
  });

  return app;
}
