import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { BASE, seedAccount, seedQueue, seedUser, type SeededUser } from "../helpers/api";
import { meteredD1 } from "../helpers/metered-d1";

// The list's filters and the search at 100,000 tickets and 1,000,000 messages: D1's own count of
// rows read for a page (auth, names and read marks included) stays within a small multiple of the
// page for the common filters, and for full text grows with the matching messages, not the history.

const TICKETS = 100_000;
const MESSAGES = 1_000_000;
const PAGE = 50;
const FIXED = 25;
const BOUND = 3 * PAGE + FIXED;
// Messages holding the rare word: one in every RARE_EVERY tickets.
const RARE_EVERY = 500;
const RARE_MATCHES = TICKETS / RARE_EVERY;
const START = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

const app = createApp();
const meter = meteredD1(env.DB);
let queues: string[] = [];
let accounts: string[] = [];
let agents: SeededUser[] = [];
let admin: SeededUser;
let agent: SeededUser;
let firstId = 0;

async function fetchPage(user: SeededUser, path: string, json?: unknown) {
  const ctx = createExecutionContext();
  meter.reset();
  const res = await app.fetch(
    new Request(`${BASE}${path}`, {
      method: json ? "POST" : "GET",
      headers: { Authorization: `Bearer ${user.token}`, ...(json ? { "Content-Type": "application/json" } : {}) },
      body: json ? JSON.stringify(json) : undefined,
    }),
    { ...env, DB: meter.db },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  expect(res.status, path).toBe(200);
  const body = (await res.json()) as { items: { id: number }[]; nextCursor: number | null };
  return { ...body, rowsRead: meter.rowsRead() };
}

async function expected(where: string, limit: number, before?: number) {
  const { results } = await env.DB.prepare(`SELECT id FROM tickets t WHERE ${where}${before ? ` AND id < ${before}` : ""} ORDER BY id DESC LIMIT ${limit}`).all<{ id: number }>();
  return results.map((r) => r.id);
}

beforeAll(async () => {
  queues = [await seedQueue(), await seedQueue()];
  accounts = [(await seedAccount(queues[0]!)).id, (await seedAccount(queues[1]!)).id];
  agents = await Promise.all([0, 1, 2, 3].map(() => seedUser("agent", { queues: [queues[0]!] })));
  [admin, agent] = await Promise.all([seedUser("admin"), seedUser("agent", { queues: [queues[1]!] })]);
  const started = Date.now();
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
     INSERT INTO contacts (account_id, external_id, address, display_name) SELECT ?1, 'rr-' || i, 'rr-' || i, 'Seeded' FROM n`,
  )
    .bind(accounts[0])
    .run();
  // Numbers are written into the SQL (D1 binds a JS number as a REAL). One ticket a minute.
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${TICKETS - 1})
     INSERT INTO tickets (account_id, contact_id, queue_id, status, assignee_id, disposition, tags, created_at, updated_at, last_message_at, closed_at)
     SELECT CASE i % 2 WHEN 0 THEN ?1 ELSE ?2 END, (SELECT min(id) FROM contacts WHERE external_id = 'rr-1') + i % 1000,
       CASE i % 2 WHEN 0 THEN ?3 ELSE ?4 END,
       CASE WHEN (i / 7) % 50 = 0 THEN 'open' WHEN (i / 7) % 50 < 5 THEN 'assigned' ELSE 'closed' END,
       CASE WHEN (i / 7) % 50 = 0 THEN NULL ELSE CASE i % 4 WHEN 0 THEN ?5 WHEN 1 THEN ?6 WHEN 2 THEN ?7 ELSE ?8 END END,
       CASE WHEN (i / 7) % 50 >= 5 THEN CASE i % 3 WHEN 0 THEN 'solved' WHEN 1 THEN 'spam' ELSE 'callback' END END,
       CASE i % 5 WHEN 0 THEN '["vip","iade"]' WHEN 1 THEN '["kargo"]' ELSE '[]' END,
       ${START} + i * ${MINUTE}, ${START} + i * ${MINUTE}, ${START} + i * ${MINUTE},
       CASE WHEN (i / 7) % 50 >= 5 THEN ${START} + i * ${MINUTE} + 600000 END
     FROM n`,
  )
    .bind(accounts[0], accounts[1], queues[0], queues[1], ...agents.map((a) => a.id))
    .run();
  firstId = (await env.DB.prepare("SELECT min(id) AS id FROM tickets WHERE account_id = ?1").bind(accounts[0]).first<{ id: number }>())!.id;
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${MESSAGES - 1})
     INSERT INTO messages (account_id, ticket_id, direction, body, status)
     SELECT ?1, ${firstId} + i / ${MESSAGES / TICKETS}, 'in',
       CASE WHEN i % ${(MESSAGES / TICKETS) * RARE_EVERY} = 3 THEN 'Siparişim zümrüt nerede' ELSE 'Merhaba, siparişim nerede?' END, 'received' FROM n`,
  )
    .bind(accounts[0])
    .run();
  console.log(`seeded ${TICKETS} tickets and ${MESSAGES} messages (full text and ticket columns kept by triggers) in ${Date.now() - started} ms`);
  for (const user of [admin, agent]) await fetchPage(user, "/api/v1/tickets?limit=1");
}, 300_000);

describe("rows read per page of the list and the search", () => {
  it("seeded what it says, and the triggers kept the tickets' counts", async () => {
    const row = await env.DB.prepare(
      "SELECT (SELECT count(*) FROM tickets WHERE id >= ?1) AS t, (SELECT count(*) FROM messages WHERE ticket_id >= ?1) AS m, (SELECT sum(inbound_count) FROM tickets WHERE id >= ?1) AS inbound",
    )
      .bind(firstId)
      .first<{ t: number; m: number; inbound: number }>();
    expect(row).toEqual({ t: TICKETS, m: MESSAGES, inbound: MESSAGES });
  });

  type Case = { name: string; user: () => SeededUser; query: () => string; where: () => string; bound?: number; body?: () => unknown };
  const cases: Case[] = [
    { name: "by account", user: () => admin, query: () => `accountId=${accounts[1]}`, where: () => `account_id = '${accounts[1]}'` },
    { name: "by assignee", user: () => admin, query: () => `assigneeId=${agents[2]!.id}`, where: () => `assignee_id = '${agents[2]!.id}'` },
    { name: "by contact", user: () => admin, query: () => `contactId=${firstId ? "" : ""}`, where: () => "1 = 1" },
    { name: "by disposition", user: () => admin, query: () => "disposition=callback", where: () => "disposition = 'callback'" },
    { name: "by provider", user: () => admin, query: () => "provider=telegram", where: () => "1 = 1" },
    { name: "created since a day ago", user: () => admin, query: () => `createdFrom=${START + (TICKETS - 1440) * MINUTE}`, where: () => `created_at >= ${START + (TICKETS - 1440) * MINUTE}` },
    // Fewer than a page: the walk stops at the first ticket created in the range instead of reading to the end.
    { name: "created in the last half hour", user: () => admin, query: () => `createdFrom=${START + (TICKETS - 30) * MINUTE}`, where: () => `created_at >= ${START + (TICKETS - 30) * MINUTE}` },
    {
      name: "search: created between, a day's tickets forty days back, with a status",
      user: () => admin,
      query: () => "",
      body: () => ({
        match: "all",
        conditions: [
          { field: "created", op: "between", value: [START + (TICKETS - 41 * 1440) * MINUTE, START + (TICKETS - 40 * 1440) * MINUTE] },
          { field: "status", op: "equals", value: "assigned" },
        ],
      }),
      where: () => `created_at >= ${START + (TICKETS - 41 * 1440) * MINUTE} AND created_at < ${START + (TICKETS - 40 * 1440) * MINUTE} AND status = 'assigned'`,
    },
    {
      name: "agent, by queue and status and assignee",
      user: () => agent,
      query: () => `status=closed&assigneeId=${agents[1]!.id}`,
      where: () => `queue_id = '${queues[1]}' AND status = 'closed' AND assignee_id = '${agents[1]!.id}'`,
    },
    { name: "by a tag on a fifth of the tickets", user: () => admin, query: () => "tags=vip", where: () => `tags LIKE '%"vip"%'` },
    { name: "by two tags, all of them", user: () => admin, query: () => "tags=iade,vip&tagsMatch=all", where: () => `tags LIKE '%"vip"%' AND tags LIKE '%"iade"%'` },
    // An agent's page walks their queues and tests the tag on each ticket: about five per ticket returned here.
    { name: "agent, by a tag on a fifth of the tickets", user: () => agent, query: () => "tags=kargo", where: () => `queue_id = '${queues[1]}' AND tags LIKE '%"kargo"%'`, bound: 6 * PAGE + FIXED },
    {
      name: "full text, a rare word",
      user: () => admin,
      query: () => "q=zumrut",
      where: () => "id IN (SELECT ticket_id FROM messages WHERE body LIKE '%zümrüt%')",
      bound: BOUND + 3 * RARE_MATCHES,
    },
    {
      name: "search: account and closed in a range",
      user: () => admin,
      query: () => "",
      body: () => ({
        match: "all",
        conditions: [
          { field: "account", op: "equals", value: accounts[0] },
          { field: "closed", op: "between", value: [START + (TICKETS - 5000) * MINUTE, START + TICKETS * MINUTE] },
        ],
      }),
      where: () => `account_id = '${accounts[0]}' AND closed_at >= ${START + (TICKETS - 5000) * MINUTE} AND closed_at < ${START + TICKETS * MINUTE}`,
    },
  ];
  // The contact filter needs the seeded contact's id.
  cases[2]!.query = () => `contactId=${contactId}`;
  cases[2]!.where = () => `contact_id = ${contactId}`;
  let contactId = 0;

  for (const c of cases) {
    it(`${c.name}: two pages, each within its bound`, async () => {
      contactId ||= (await env.DB.prepare("SELECT contact_id AS id FROM tickets WHERE id = ?1").bind(firstId + 5).first<{ id: number }>())!.id;
      const bound = c.bound ?? BOUND;
      const path = c.body ? "/api/v1/tickets/search?" : `/api/v1/tickets?${c.query()}&`;
      const first = await fetchPage(c.user(), `${path}limit=${PAGE}`, c.body?.());
      const want = await expected(c.where(), PAGE);
      expect(first.items.map((t) => t.id), c.name).toEqual(want);
      console.log(`${c.name}: ${first.rowsRead} rows read for ${first.items.length} tickets`);
      expect(first.rowsRead, `${c.name}: first page`).toBeLessThanOrEqual(bound);
      if (first.nextCursor === null) return;
      const second = await fetchPage(c.user(), `${path}limit=${PAGE}&cursor=${first.nextCursor}`, c.body?.());
      expect(second.items.map((t) => t.id), c.name).toEqual(await expected(c.where(), PAGE, first.nextCursor));
      expect(second.rowsRead, `${c.name}: second page`).toBeLessThanOrEqual(bound);
    });
  }
});
