import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { csvCell } from "../../src/domain/csv";
import { EXPORT_PAGE, exportColumns } from "../../src/routes/api/ticket-export";
import { BASE, call, seedAccount, seedQueue, seedTicket, seedUser, type SeededUser } from "../helpers/api";
import { meteredD1 } from "../helpers/metered-d1";

type Row = Record<string, string>;

/** The export as a spreadsheet reads it: the raw text, the byte order mark, and the records parsed by a real CSV parser. */
async function exportCsv(user: SeededUser | null, query = "", body?: unknown) {
  const headers: Record<string, string> = user ? { Authorization: `Bearer ${user.token}` } : {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await exports.default.fetch(`${BASE}/api/v1/tickets/export.csv${query}`, {
    method: body === undefined ? "GET" : "POST",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder("utf-8", { ignoreBOM: true, fatal: true }).decode(bytes);
  if (res.status !== 200) return { status: res.status, headers: res.headers, text, rows: [] as Row[], fields: [] as string[], bytes };
  const parsed = Papa.parse<Row>(text.replace(/^\uFEFF/, ""), { header: true, skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  return { status: res.status, headers: res.headers, text, rows: parsed.data, fields: parsed.meta.fields ?? [], bytes };
}

const ids = (rows: Row[]) => rows.map((r) => Number(r.ticket));

describe("CSV cells", () => {
  it("quote what needs quoting and neutralise what a spreadsheet would run", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
    expect(csvCell("line\nbreak")).toBe('"line\nbreak"');
    for (const start of ["=", "+", "-", "@", "\t", "\r"]) expect(csvCell(`${start}1+1`).startsWith(start === "\r" ? "\"'" : "'")).toBe(true);
    expect(csvCell("=HYPERLINK(\"http://x\")")).toBe("\"'=HYPERLINK(\"\"http://x\"\")\"");
    expect(csvCell(-5)).toBe("-5");
    expect(csvCell(null)).toBe("");
    expect(csvCell("a=b")).toBe("a=b");
  });
});

describe("GET /api/v1/tickets/export.csv", () => {
  it("is RFC 4180 UTF-8 with a BOM and a header: a parser reads back every value, formulas neutralised", async () => {
    const queueId = await seedQueue();
    const account = await seedAccount(queueId);
    const admin = await seedUser("admin");
    const agent = await seedUser("agent", { queues: [queueId] });
    await env.DB.prepare("UPDATE users SET display_name = 'Ayşe, \"Yılmaz\"' WHERE id = ?1").bind(agent.id).run();
    const risky = await seedTicket(account.id, queueId, ["=HYPERLINK(\"http://evil.test\",\"tıkla\")\nikinci satır 📦"]);
    const plain = await seedTicket(account.id, queueId, ["Merhaba, siparişim nerede? 🙂"]);
    const created = Date.UTC(2026, 0, 2, 3, 4, 5);
    await env.DB.prepare(
      "UPDATE tickets SET subject = ?2, tags = ?3, disposition = '@SUM(A1)', status = 'closed', current = NULL, assignee_id = ?4, created_at = ?5, closed_at = ?6 WHERE id = ?1",
    )
      .bind(risky.ticketId, '+Konu, "alıntı"\r\nyeni satır', JSON.stringify(["-iade", "vip"]), agent.id, created, created + 3_600_000)
      .run();
    await env.DB.prepare("UPDATE contacts SET display_name = '\tZeynep' WHERE id = ?1").bind(risky.contactId).run();
    await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, author_id, body, status, created_at) VALUES (?1, ?2, 'out', ?3, 'Yanıt', 'sent', ?4)")
      .bind(account.id, risky.ticketId, agent.id, created + 90_000)
      .run();
    await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, body, status) VALUES (?1, ?2, 'in', '-5 puan', 'received')").bind(account.id, risky.ticketId).run();

    const csv = await exportCsv(admin, `?queueId=${queueId}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toMatch(/^attachment; filename="tickets-\d{8}T\d{6}Z\.csv"$/);
    expect([...csv.bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.text.endsWith("\r\n")).toBe(true);
    // Every record ends with CRLF; a line break inside a cell is quoted.
    expect(csv.text.split("\r\n")[0]).toBe(`\uFEFF${exportColumns.join(",")}`);
    expect(csv.fields).toEqual(exportColumns);
    expect(ids(csv.rows)).toEqual([plain.ticketId, risky.ticketId]);

    const r = csv.rows[1]!;
    expect(r).toMatchObject({
      account_id: account.id,
      account: "Bot",
      provider: "telegram",
      contact_id: String(risky.contactId),
      contact: "'\tZeynep",
      contact_username: "zeynep_c",
      queue_id: queueId,
      agent_id: agent.id,
      agent: 'Ayşe, "Yılmaz"',
      status: "closed",
      subject: '\'+Konu, "alıntı"\r\nyeni satır',
      tags: "'-iade; vip",
      disposition: "'@SUM(A1)",
      unread: "2",
      created_at: "2026-01-02T03:04:05Z",
      first_reply_at: "2026-01-02T03:05:35Z",
      closed_at: "2026-01-02T04:04:05Z",
      last_message: "'-5 puan",
      first_response_s: "90",
      duration_s: "3600",
      escalated: "no",
    });
    expect(csv.rows[0]).toMatchObject({ last_message: "Merhaba, siparişim nerede? 🙂", closed_at: "", duration_s: "", first_response_s: "", agent: "" });
    // No cell of the file starts a formula.
    for (const row of csv.rows) for (const [column, value] of Object.entries(row) as [string, string][]) expect(/^[=+\-@\t\r]/.test(value), `${column}: ${value}`).toBe(false);
  });

  it("streams every match page after page, the list's filters applied as the list applies them", async () => {
    const queueId = await seedQueue();
    const account = await seedAccount(queueId);
    const admin = await seedUser("admin");
    const total = 2 * EXPORT_PAGE + 37;
    const contact = await env.DB.prepare("INSERT INTO contacts (account_id, external_id, address, display_name) VALUES (?1, 'bulk', 'bulk', 'Toplu') RETURNING id").bind(account.id).first<{ id: number }>();
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?4)
       INSERT INTO tickets (account_id, contact_id, queue_id, status, tags) SELECT ?1, ?2, ?3, CASE WHEN i % 3 = 0 THEN 'closed' ELSE 'open' END, CASE WHEN i % 5 = 0 THEN '["vip"]' ELSE '[]' END FROM n`,
    )
      .bind(account.id, contact!.id, queueId, total)
      .run();
    const all = await exportCsv(admin, `?queueId=${queueId}`);
    expect(all.rows).toHaveLength(total);
    const got = ids(all.rows);
    expect(got).toEqual([...got].sort((a, b) => b - a));
    expect(new Set(got).size).toBe(total);

    // The same filters as the list: compared with the list's own pages.
    for (const query of [`queueId=${queueId}&status=closed`, `queueId=${queueId}&tags=vip`, `queueId=${queueId}&status=open&tags=vip`, `contactId=${contact!.id}`]) {
      const listed: number[] = [];
      for (let cursor: number | null = null; ; ) {
        const page: { data: { items: { id: number }[]; nextCursor: number | null } } = await call(`/api/v1/tickets?${query}&limit=100${cursor ? `&cursor=${cursor}` : ""}`, { token: admin.token });
        listed.push(...page.data.items.map((t) => t.id));
        cursor = page.data.nextCursor;
        if (cursor === null) break;
      }
      const exported = await exportCsv(admin, `?${query}`);
      expect(ids(exported.rows), query).toEqual(listed);
      expect(listed.length, query).toBeGreaterThan(0);
    }
  });

  it("reads D1 in proportion to what it exports, not to the history", async () => {
    const queueId = await seedQueue();
    const haystack = await seedQueue();
    const account = await seedAccount(queueId);
    const admin = await seedUser("admin");
    const contact = await env.DB.prepare("INSERT INTO contacts (account_id, external_id, address, display_name) VALUES (?1, 'hay', 'hay', 'Saman') RETURNING id").bind(account.id).first<{ id: number }>();
    const insert = (queue: string, count: number) =>
      env.DB.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?4)
         INSERT INTO tickets (account_id, contact_id, queue_id, status) SELECT ?1, ?2, ?3, 'closed' FROM n`,
      )
        .bind(account.id, contact!.id, queue, count)
        .run();
    await insert(queueId, 150);
    await insert(haystack, 20_000);
    await insert(queueId, 100);
    const exported = 250;
    const app = createApp();
    const meter = meteredD1(env.DB);
    const metered = async (init: RequestInit, query = "") => {
      const ctx = createExecutionContext();
      meter.reset();
      const res = await app.fetch(new Request(`${BASE}/api/v1/tickets/export.csv${query}`, { ...init, headers: { Authorization: `Bearer ${admin.token}`, "Content-Type": "application/json" } }), { ...env, DB: meter.db }, ctx);
      const text = await res.text();
      await waitOnExecutionContext(ctx);
      return { rows: text.split("\r\n").length - 2, rowsRead: meter.rowsRead() };
    };
    const byQueue = await metered({ method: "GET" }, `?queueId=${queueId}&status=closed`);
    expect(byQueue.rows).toBe(exported);
    // About a row per ticket exported (273 for 250 when written), not the 20,250 tickets there are.
    expect(byQueue.rowsRead).toBeLessThan(2 * exported + 50);
    const { results } = await env.DB.prepare("SELECT id FROM tickets WHERE queue_id = ?1").bind(queueId).all<{ id: number }>();
    const byIds = await metered({ method: "POST", body: JSON.stringify({ ids: results.map((r) => r.id) }) });
    expect(byIds.rows).toBe(exported);
    // Each id is looked up and counted once more as json_each gives it (767 for 250 when written).
    expect(byIds.rowsRead).toBeLessThan(4 * exported + 50);
  });
});

describe("POST /api/v1/tickets/export.csv", () => {
  it("exports the named ids or a search's matches; agents get only their queues' tickets", async () => {
    const queueId = await seedQueue();
    const otherQueueId = await seedQueue();
    const account = await seedAccount(queueId);
    const [admin, supervisor, agent] = await Promise.all([seedUser("admin"), seedUser("supervisor"), seedUser("agent", { queues: [queueId] })]);
    const a = await seedTicket(account.id, queueId, ["İlk"]);
    const b = await seedTicket(account.id, otherQueueId, ["Straße kaputt, größer"]);
    const c = await seedTicket(account.id, queueId, ["Üçüncü"]);

    const named = await exportCsv(admin, "", { ids: [a.ticketId, b.ticketId, a.ticketId, 99_999_999] });
    expect(ids(named.rows)).toEqual([b.ticketId, a.ticketId]);
    expect(ids((await exportCsv(supervisor, "", { ids: [a.ticketId, b.ticketId, c.ticketId] })).rows)).toEqual([c.ticketId, b.ticketId, a.ticketId]);
    expect(ids((await exportCsv(agent, "", { ids: [a.ticketId, b.ticketId, c.ticketId] })).rows)).toEqual([c.ticketId, a.ticketId]);

    const search = { match: "any", conditions: [{ field: "messageText", op: "contains", value: "strasse" }, { field: "queue", op: "equals", value: queueId, disabled: true }] };
    expect(ids((await exportCsv(admin, "", search)).rows)).toEqual([b.ticketId]);
    expect(ids((await exportCsv(agent, "", search)).rows)).toEqual([]);

    for (const body of [{}, { ids: [] }, { ids: ["x"] }, { ids: [1], match: "all" }, { match: "all", conditions: [{ field: "nope", op: "equals", value: 1 }] }]) {
      const bad = await exportCsv(admin, "", body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(JSON.parse(bad.text).error.code).toBe("validation_failed");
    }
  });

  it("who may export: every role, agents only their queues", async () => {
    const queueId = await seedQueue();
    const otherQueueId = await seedQueue();
    const account = await seedAccount(queueId);
    const [admin, supervisor, agent] = await Promise.all([seedUser("admin"), seedUser("supervisor"), seedUser("agent", { queues: [queueId] })]);
    const mine = await seedTicket(account.id, queueId, ["a"]);
    const theirs = await seedTicket(account.id, otherQueueId, ["b"]);

    const agentAll = ids((await exportCsv(agent)).rows);
    expect(agentAll).toContain(mine.ticketId);
    expect(agentAll).not.toContain(theirs.ticketId);
    expect((await exportCsv(agent, `?queueId=${otherQueueId}`)).status).toBe(404);
    expect(ids((await exportCsv(supervisor, `?queueId=${otherQueueId}`)).rows)).toEqual([theirs.ticketId]);
    expect(ids((await exportCsv(admin, `?accountId=${account.id}`)).rows)).toEqual([theirs.ticketId, mine.ticketId]);
    expect((await exportCsv(null)).status).toBe(401);
    expect((await exportCsv(null, "", { ids: [1] })).status).toBe(401);
    const unknown = await exportCsv(admin, "?sırala=asc");
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.text).error.details).toEqual([{ path: "sırala", message: expect.stringContaining("Unknown query parameter") }]);
    expect((await exportCsv(admin, "?limit=5")).status).toBe(400);

    const doc = (await call("/api/openapi.json")).data.paths["/api/v1/tickets/export.csv"];
    expect(doc.get["x-required-roles"]).toEqual(["admin", "supervisor", "agent"]);
    expect(doc.post["x-required-roles"]).toEqual(["admin", "supervisor", "agent"]);
    expect(Object.keys(doc.get.responses[200].content)).toEqual(["text/csv"]);
    const del = (await call("/api/openapi.json")).data.paths;
    expect(del["/api/v1/tickets/delete"].post["x-required-roles"]).toEqual(["admin", "supervisor"]);
    expect(del["/api/v1/contacts/{id}"].delete["x-required-roles"]).toEqual(["admin", "supervisor"]);
  });
});
