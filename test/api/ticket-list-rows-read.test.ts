import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { MERGED_QUEUES, ticketPageQueries, WALKED_QUEUES, type TicketListFilter } from "../../src/db/ticket-list";
import { BASE, seedAccount, seedQueue, seedUser, type SeededUser } from "../helpers/api";
import { meteredD1 } from "../helpers/metered-d1";

// `GET /api/v1/tickets` at 100,000 tickets and 1,000,000 messages: D1's own count of rows read for
// a page, auth included, stays within 3x the page size whatever the filter and however deep the
// page, for an agent of up to 2 * MERGED_QUEUES queues too; from WALKED_QUEUES queues it grows
// with their queues, never with the tickets.

const TICKETS = 100_000;
const MESSAGES = 1_000_000;
const PAGE = 50;
// The token lookup and, for an agent, their memberships: a few rows whatever the page.
const AUTH_AND_MEMBERSHIP_ROWS = 10;
const BOUND = 3 * PAGE + AUTH_AND_MEMBERSHIP_ROWS;

type Ticket = { id: number; queueId: string; status: string };

const app = createApp();
const meter = meteredD1(env.DB);
let queues: string[] = [];
let accountId = "";
let admin: SeededUser;
let agentOfOne: SeededUser;
let agentOfThree: SeededUser;
let agentOfEight: SeededUser;
let agentOfMany: SeededUser;
const MANY = 100;

/** The route as a client calls it, on the metered binding: its answer and the rows D1 read for it. */
async function list(user: SeededUser, query: string) {
  const ctx = createExecutionContext();
  meter.reset();
  const res = await app.fetch(
    new Request(`${BASE}/api/v1/tickets?${query}`, { headers: { Authorization: `Bearer ${user.token}` } }),
    { ...env, DB: meter.db },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  expect(res.status, query).toBe(200);
  const body = (await res.json()) as { items: Ticket[]; nextCursor: number | null };
  return { ...body, rowsRead: meter.rowsRead() };
}

/** What the page should hold, from a plain query over every ticket. */
async function expected(where: string, limit: number) {
  const { results } = await env.DB.prepare(`SELECT id FROM tickets WHERE ${where} ORDER BY id DESC LIMIT ${limit}`).all<{ id: number }>();
  return results.map((r) => r.id);
}

const inList = (ids: string[]) => `queue_id IN (${ids.map((q) => `'${q}'`).join(", ")})`;

/** Every statement of every kind of page searches an index in id order: nothing is sorted. */
async function expectIndexedPlans() {
  const many = [...queues, ...queues, ...queues].map((q, i) => `${q}-${i}`);
  expect(many.length).toBeGreaterThanOrEqual(WALKED_QUEUES);
  const shapes: Omit<TicketListFilter, "limit">[] = [
    {},
    { before: 500 },
    { status: "open" },
    { status: "open", before: 500 },
    { queueIds: [queues[0]!] },
    { queueIds: [queues[0]!], before: 500 },
    { queueIds: [queues[0]!], status: "closed" },
    { queueIds: [queues[0]!], status: "closed", before: 500 },
    { queueIds: queues.slice(0, MERGED_QUEUES) },
    { queueIds: many.slice(0, 2 * MERGED_QUEUES), status: "open" },
    { queueIds: queues.slice(0, 3), status: "assigned", before: 500 },
    { queueIds: many },
    { queueIds: many, status: "open", before: 500 },
  ];
  for (const shape of shapes) {
    for (const { sql, params } of ticketPageQueries({ ...shape, limit: PAGE })) {
      const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>();
      const plan = results.map((r) => r.detail);
      expect(plan.join(" | "), sql).not.toMatch(/TEMP B-TREE/);
      // Unfiltered, the table itself is walked by id; filtered, only the walk's own queue and its
      // list of queues are scanned: tickets are searched through an index.
      const filtered = shape.status !== undefined || shape.queueIds !== undefined;
      if (filtered) for (const step of plan.filter((d) => d.startsWith("SCAN"))) expect(step, sql).toMatch(/^SCAN (w|q VIRTUAL TABLE .*)$/);
    }
  }
}

beforeAll(async () => {
  queues = [];
  for (let i = 0; i < 5; i++) queues.push(await seedQueue());
  const account = await seedAccount(queues[0]!);
  accountId = account.id;
  const started = Date.now();
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
     INSERT INTO contacts (account_id, external_id, address, display_name) SELECT ?1, 'seed-' || i, 'seed-' || i, 'Seeded' FROM n`,
  )
    .bind(account.id)
    .run();
  // Numbers are written into the SQL: D1 binds a JS number as a REAL. Queues by i % 5; statuses across them: 2% open, 8% assigned, 90% closed.
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${TICKETS - 1})
     INSERT INTO tickets (account_id, contact_id, queue_id, status)
     SELECT ?1, (SELECT min(id) FROM contacts WHERE account_id = ?1) + i % 1000,
       CASE i % 5 WHEN 0 THEN ?2 WHEN 1 THEN ?3 WHEN 2 THEN ?4 WHEN 3 THEN ?5 ELSE ?6 END,
       CASE WHEN (i / 7) % 50 = 0 THEN 'open' WHEN (i / 7) % 50 < 5 THEN 'assigned' ELSE 'closed' END
     FROM n`,
  )
    .bind(account.id, ...queues)
    .run();
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${MESSAGES - 1})
     INSERT INTO messages (account_id, ticket_id, direction, body, status)
     SELECT ?1, (SELECT min(id) FROM tickets WHERE account_id = ?1) + i / ${MESSAGES / TICKETS}, 'in', 'Merhaba', 'received' FROM n`,
  )
    .bind(account.id)
    .run();
  console.log(`seeded ${TICKETS} tickets and ${MESSAGES} messages in ${Date.now() - started} ms`);

  const empty: string[] = [];
  for (let i = 0; i < MANY - 2; i++) empty.push(await seedQueue());
  [admin, agentOfOne, agentOfThree, agentOfEight, agentOfMany] = await Promise.all([
    seedUser("admin"),
    seedUser("agent", { queues: [queues[1]!] }),
    seedUser("agent", { queues: [queues[0]!, queues[2]!, queues[3]!] }),
    // Two statements of merged queues, both with tickets to merge.
    seedUser("agent", { queues: [queues[0]!, queues[1]!, ...empty.slice(0, 3), queues[2]!, queues[3]!, queues[4]!] }),
    seedUser("agent", { queues: [...empty.slice(0, 45), queues[1]!, ...empty.slice(45), queues[2]!] }),
  ]);
  // The first request of a token records its use; pages are measured after that.
  for (const user of [admin, agentOfOne, agentOfThree, agentOfEight, agentOfMany]) await list(user, "limit=1");
}, 120_000);

describe("GET /api/v1/tickets reads in proportion to the page", () => {
  it("seeded what it says", async () => {
    const counts = await env.DB.prepare("SELECT (SELECT count(*) FROM tickets WHERE account_id = ?1) AS t, (SELECT count(*) FROM messages WHERE account_id = ?1) AS m")
      .bind(accountId)
      .first<{ t: number; m: number }>();
    expect(counts).toEqual({ t: TICKETS, m: MESSAGES });
  });

  type Case = { name: string; user: () => SeededUser; query: string; where: () => string; bound?: number };
  const walkBound = 3 * (PAGE + 1) + 3 * MANY + AUTH_AND_MEMBERSHIP_ROWS;
  const cases: Case[] = [
    { name: "admin, every ticket", user: () => admin, query: "", where: () => "1 = 1" },
    { name: "admin, by queue", user: () => admin, query: "queueId=@2", where: () => inList([queues[2]!]) },
    { name: "admin, by status", user: () => admin, query: "status=open", where: () => "status = 'open'" },
    { name: "admin, by queue and status", user: () => admin, query: "queueId=@3&status=assigned", where: () => `${inList([queues[3]!])} AND status = 'assigned'` },
    { name: "agent of one queue", user: () => agentOfOne, query: "", where: () => inList([queues[1]!]) },
    { name: "agent of one queue, by status", user: () => agentOfOne, query: "status=open", where: () => `${inList([queues[1]!])} AND status = 'open'` },
    { name: "agent of three queues", user: () => agentOfThree, query: "", where: () => inList([queues[0]!, queues[2]!, queues[3]!]) },
    {
      name: "agent of three queues, by status",
      user: () => agentOfThree,
      query: "status=open",
      where: () => `${inList([queues[0]!, queues[2]!, queues[3]!])} AND status = 'open'`,
    },
    { name: "agent of three queues, one of them", user: () => agentOfThree, query: "queueId=@2", where: () => inList([queues[2]!]) },
    // Two merged statements in one batch.
    { name: "agent of eight queues", user: () => agentOfEight, query: "", where: () => "1 = 1" },
    { name: "agent of eight queues, by status", user: () => agentOfEight, query: "status=assigned", where: () => "status = 'assigned'" },
    // One walk: about three rows per ticket and three per queue (its membership included).
    { name: `agent of ${MANY} queues`, user: () => agentOfMany, query: "", where: () => inList([queues[1]!, queues[2]!]), bound: walkBound },
    {
      name: `agent of ${MANY} queues, by status`,
      user: () => agentOfMany,
      query: "status=open",
      where: () => `${inList([queues[1]!, queues[2]!])} AND status = 'open'`,
      bound: walkBound,
    },
  ];

  /** The first and the second page hold what they should, each read within the case's bound. */
  async function twoPages(c: Case) {
    const query = c.query.replace(/@(\d)/, (_, i: string) => queues[Number(i)]!);
    const bound = c.bound ?? BOUND;
    const want = await expected(c.where(), 2 * PAGE + 1);
    expect(want.length, c.name).toBe(2 * PAGE + 1);

    const first = await list(c.user(), `${query}&limit=${PAGE}`);
    expect(first.items.map((t) => t.id), c.name).toEqual(want.slice(0, PAGE));
    expect(first.nextCursor, c.name).toBe(want[PAGE - 1]);
    expect(first.rowsRead, `${c.name}: rows read for the first page`).toBeLessThanOrEqual(bound);

    const second = await list(c.user(), `${query}&limit=${PAGE}&cursor=${first.nextCursor}`);
    expect(second.items.map((t) => t.id), c.name).toEqual(want.slice(PAGE, 2 * PAGE));
    expect(second.rowsRead, `${c.name}: rows read for the second page`).toBeLessThanOrEqual(bound);
  }

  for (const c of cases) it(`${c.name}: the first and the second page`, () => twoPages(c));

  it("a page deep in the list costs what the first one does", async () => {
    const deep = await expected(`${inList([queues[1]!])} AND id < 1000`, PAGE);
    const page = await list(agentOfOne, `limit=${PAGE}&cursor=1000`);
    expect(page.items.map((t) => t.id)).toEqual(deep);
    expect(page.rowsRead).toBeLessThanOrEqual(BOUND);
  });

  it("every plan walks an index in id order: no sort", () => expectIndexedPlans());

  it("with D1's statistics of the tickets (ANALYZE) the plans and the bounds hold", async () => {
    await env.DB.prepare("ANALYZE tickets").run();
    await expectIndexedPlans();
    for (const c of cases) await twoPages(c);
  });

  it("without the list's indexes the same pages read thousands of rows (the bound above is theirs)", async () => {
    const withIndexes = await list(admin, `queueId=${queues[2]}&limit=${PAGE}`);
    await env.DB.batch([env.DB.prepare("DROP INDEX tickets_queue_id_id_idx"), env.DB.prepare("DROP INDEX tickets_status_id_idx")]);
    try {
      const byQueue = await list(admin, `queueId=${queues[2]}&limit=${PAGE}`);
      expect(byQueue.items).toEqual(withIndexes.items);
      expect(byQueue.rowsRead).toBeGreaterThan(10 * BOUND);
      const byStatus = await list(admin, `status=open&limit=${PAGE}`);
      expect(byStatus.rowsRead).toBeGreaterThan(10 * BOUND);
    } finally {
      await env.DB.batch([
        env.DB.prepare("CREATE INDEX tickets_queue_id_id_idx ON tickets (queue_id, id)"),
        env.DB.prepare("CREATE INDEX tickets_status_id_idx ON tickets (status, id)"),
      ]);
    }
  });
});
