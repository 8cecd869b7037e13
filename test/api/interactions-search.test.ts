import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { markEscalated } from "../../src/db/replies";
import { operatorsFor, searchFieldNames } from "../../src/domain/search-conditions";
import { call, seedAccount, seedQueue, seedTicket, seedUser, unique, type SeededUser } from "../helpers/api";

// Every list filter and every search field and operator, each compared with a plain computation
// over the same seeded tickets (the model below, written to D1 as it is built).

type Model = {
  id: number;
  accountId: string;
  provider: string;
  queueId: string;
  contactId: number;
  contactName: string;
  handle: string;
  username: string | null;
  status: "open" | "assigned" | "closed";
  assigneeId: string | null;
  tags: string[];
  disposition: string | null;
  subject: string | null;
  createdAt: number;
  closedAt: number | null;
  firstReplyAt: number | null;
  escalated: boolean;
  bodies: string[];
  inbound: number;
  readByAdmin: number;
};

const N = 36;
const BASE_TIME = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const names = ["Zeynep Çelik", "Jürgen Müller", "Ana Núñez", "Bob Stone"];
const phrases = [
  "IŞIK yanmıyor, yardım edin",
  "Die Straße ist gesperrt, Herr Müller",
  "Hasta mañana, está aquí",
  "hola 😀 amigo",
  "thanks 😀😀 🎉",
  "Where is my order?",
  "İstanbul şubesi kapalı mı?",
];

let q1 = "";
let q2 = "";
let accA = "";
let accB = "";
let admin: SeededUser;
let supervisor: SeededUser;
let agent: SeededUser;
let agentX: SeededUser;
let agentY: SeededUser;
const model: Model[] = [];
const seededIds = new Set<number>();

beforeAll(async () => {
  q1 = await seedQueue();
  q2 = await seedQueue();
  accA = (await seedAccount(q1)).id;
  accB = crypto.randomUUID();
  await env.DB.prepare(
    "INSERT INTO channel_accounts (id, provider, key, name, queue_id, settings, credentials) VALUES (?1, 'custom', ?2, 'Shop chat', ?3, '{}', 'x')",
  )
    .bind(accB, unique("key"), q2)
    .run();
  [admin, supervisor, agent, agentX, agentY] = await Promise.all([
    seedUser("admin"),
    seedUser("supervisor"),
    seedUser("agent", { queues: [q1] }),
    seedUser("agent", { queues: [q1, q2] }),
    seedUser("agent", { queues: [q1, q2] }),
  ]);
  for (let i = 0; i < N; i++) {
    const accountId = i % 2 ? accB : accA;
    const status = (["open", "assigned", "closed"] as const)[i % 3]!;
    // One ticket is created out of order (an older time after newer ones): times never decide the order.
    const createdAt = i === 30 ? BASE_TIME + 2.5 * HOUR : BASE_TIME + i * HOUR;
    const contact = await env.DB.prepare(
      "INSERT INTO contacts (account_id, external_id, address, display_name, username) VALUES (?1, ?2, ?2, ?3, ?4) RETURNING id",
    )
      .bind(accountId, `+90555${1000 + i}`, names[i % 4], i % 3 === 0 ? null : `user_${i}`)
      .first<{ id: number }>();
    const m: Model = {
      id: 0,
      accountId,
      provider: i % 2 ? "custom" : "telegram",
      queueId: i % 3 === 0 ? q2 : q1,
      contactId: contact!.id,
      contactName: names[i % 4]!,
      handle: `+90555${1000 + i}`,
      username: i % 3 === 0 ? null : `user_${i}`,
      status,
      assigneeId: status === "open" ? null : i % 4 === 0 ? agentX.id : agentY.id,
      tags: [[], ["vip"], ["vip", "billing"], ["billing"], ["İade"]][i % 5]!,
      disposition: status === "closed" ? (i % 2 ? "solved" : "spam") : null,
      subject: i % 4 === 0 ? null : `Order ${i}${i % 4 === 1 ? " Straße" : ""}`,
      createdAt,
      closedAt: status === "closed" ? createdAt + 2 * HOUR : null,
      firstReplyAt: i % 4 === 3 ? null : createdAt + (i % 7) * 60_000,
      escalated: i % 6 === 0,
      bodies: [phrases[i % phrases.length]!, `message number ${i}`],
      inbound: 2,
      readByAdmin: 0,
    };
    const t = await env.DB.prepare(
      `INSERT INTO tickets (account_id, contact_id, queue_id, status, assignee_id, tags, disposition, subject, created_at, updated_at, last_message_at, closed_at, escalated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ${createdAt}, ${createdAt}, ${createdAt}, ${m.closedAt ?? "NULL"}, ${m.escalated ? createdAt : "NULL"}) RETURNING id`,
    )
      .bind(accountId, m.contactId, m.queueId, status, m.assigneeId, JSON.stringify(m.tags), m.disposition, m.subject)
      .first<{ id: number }>();
    m.id = t!.id;
    seededIds.add(m.id);
    const stmts = m.bodies.map((body, k) =>
      env.DB.prepare(`INSERT INTO messages (account_id, ticket_id, direction, body, status, created_at) VALUES (?1, ?2, 'in', ?3, 'received', ${createdAt + k})`).bind(
        accountId,
        m.id,
        body,
      ),
    );
    if (m.firstReplyAt !== null) {
      // An automatic message first: it is not an agent's reply.
      stmts.push(env.DB.prepare(`INSERT INTO messages (account_id, ticket_id, direction, body, status, created_at) VALUES (?1, ?2, 'system', 'Welcome', 'sent', ${createdAt})`).bind(accountId, m.id));
      stmts.push(
        env.DB.prepare(`INSERT INTO messages (account_id, ticket_id, direction, author_id, body, status, created_at) VALUES (?1, ?2, 'out', ?3, 'On it', 'sent', ${m.firstReplyAt})`).bind(
          accountId,
          m.id,
          m.assigneeId ?? agentY.id,
        ),
      );
    }
    stmts.push(env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, author_id, body, status) VALUES (?1, ?2, 'note', ?3, 'internal gizli', 'sent')").bind(accountId, m.id, agentY.id));
    await env.DB.batch(stmts);
    if (i % 4 === 1 || i % 4 === 3) {
      // The admin read everything, or the first customer message.
      const mark = await env.DB.prepare(`SELECT ${i % 4 === 1 ? "max" : "min"}(id) AS id FROM messages WHERE ticket_id = ?1`).bind(m.id).first<{ id: number }>();
      await env.DB.prepare("INSERT INTO ticket_reads (ticket_id, user_id, last_read_message_id) VALUES (?1, ?2, ?3)").bind(m.id, admin.id, mark!.id).run();
      m.readByAdmin = i % 4 === 1 ? 2 : 1;
    }
    model.push(m);
  }
});

/** Every page of a list or search, followed by its cursor: the seeded tickets' ids among them, in order. */
async function allIds(user: SeededUser, path: string, json?: unknown): Promise<number[]> {
  const ids: number[] = [];
  let cursor: number | null = null;
  for (let n = 0; n < 100; n++) {
    const sep = path.includes("?") ? "&" : "?";
    const res = await call(`${path}${sep}limit=7${cursor === null ? "" : `&cursor=${cursor}`}`, { token: user.token, method: json ? "POST" : "GET", json });
    expect(res.status, `${path} ${JSON.stringify(json)}: ${res.text}`).toBe(200);
    ids.push(...(res.data.items as { id: number }[]).map((t) => t.id));
    cursor = res.data.nextCursor;
    if (cursor === null) break;
  }
  expect(ids).toEqual([...ids].sort((a, b) => b - a));
  expect(new Set(ids).size).toBe(ids.length);
  return ids.filter((id) => seededIds.has(id));
}

const expected = (pred: (m: Model) => boolean) =>
  model
    .filter(pred)
    .map((m) => m.id)
    .sort((a, b) => b - a);

const fold = (s: string) => s.toLowerCase();
const unread = (m: Model) => m.inbound - m.readByAdmin;

describe("GET /api/v1/tickets filters", () => {
  const cases: [string, () => string, (m: Model) => boolean][] = [
    ["accountId", () => `accountId=${accB}`, (m) => m.accountId === accB],
    ["queueId", () => `queueId=${q2}`, (m) => m.queueId === q2],
    ["provider", () => "provider=telegram", (m) => m.provider === "telegram"],
    ["status", () => "status=assigned", (m) => m.status === "assigned"],
    ["assigneeId", () => `assigneeId=${agentX.id}`, (m) => m.assigneeId === agentX.id],
    ["unread=true", () => "unread=true", (m) => unread(m) > 0],
    ["unread=false", () => "unread=false", (m) => unread(m) === 0],
    ["tags (any)", () => "tags=vip,İade", (m) => m.tags.includes("vip") || m.tags.includes("İade")],
    ["tags (all)", () => "tags=vip,billing&tagsMatch=all", (m) => m.tags.includes("vip") && m.tags.includes("billing")],
    ["disposition", () => "disposition=solved", (m) => m.disposition === "solved"],
    ["contactId", () => `contactId=${model[5]!.contactId}`, (m) => m.contactId === model[5]!.contactId],
    ["createdFrom", () => `createdFrom=${BASE_TIME + 10 * HOUR}`, (m) => m.createdAt >= BASE_TIME + 10 * HOUR],
    ["createdTo (ISO)", () => `createdTo=${new Date(BASE_TIME + 10 * HOUR).toISOString()}`, (m) => m.createdAt < BASE_TIME + 10 * HOUR],
    ["closedFrom and closedTo", () => `closedFrom=${BASE_TIME + 6 * HOUR}&closedTo=${BASE_TIME + 20 * HOUR}`, (m) => m.closedAt !== null && m.closedAt >= BASE_TIME + 6 * HOUR && m.closedAt < BASE_TIME + 20 * HOUR],
    ["q", () => "q=mañana", (m) => m.bodies.some((b) => b.includes("mañana"))],
    ["several together", () => `queueId=${q1}&status=closed&tags=vip`, (m) => m.queueId === q1 && m.status === "closed" && m.tags.includes("vip")],
  ];
  for (const [name, query, pred] of cases) {
    it(name, async () => {
      const want = expected(pred);
      expect(want.length, `${name} selects some tickets`).toBeGreaterThan(0);
      expect(want.length, `${name} leaves some out`).toBeLessThan(N);
      expect(await allIds(admin, `/api/v1/tickets?${query()}`)).toEqual(want);
    });
  }

  it("an unknown parameter is a 400, not ignored", async () => {
    const res = await call("/api/v1/tickets?colour=red", { token: admin.token });
    expect(res.status).toBe(400);
    expect(res.data.error.details[0].path).toBe("colour");
  });

  it("a row carries what the list shows", async () => {
    const m = model.find((x) => x.status === "assigned" && x.readByAdmin === 1)!;
    const res = await call(`/api/v1/tickets?contactId=${m.contactId}`, { token: admin.token });
    const row = res.data.items[0];
    expect(row).toMatchObject({
      id: m.id,
      accountId: m.accountId,
      accountName: m.accountId === accB ? "Shop chat" : "Bot",
      provider: m.provider,
      contactName: m.contactName,
      contactHandle: m.handle,
      contactUsername: m.username,
      queueId: m.queueId,
      status: "assigned",
      assigneeId: m.assigneeId,
      agentName: expect.stringMatching(/^agent /),
      tags: m.tags,
      unread: unread(m),
      createdAt: m.createdAt,
      firstReplyAt: m.firstReplyAt,
      closedAt: null,
      escalated: m.escalated,
      preview: m.firstReplyAt === null ? m.bodies[1] : "On it",
    });
    expect(unread(m)).toBe(1);
    expect(typeof row.queueName).toBe("string");
    const other = await call(`/api/v1/tickets?contactId=${m.contactId}`, { token: supervisor.token });
    expect(other.data.items[0].unread).toBe(2);
  });
});

type Case = { field: string; op: string; value?: unknown; pred: (m: Model) => boolean };

const times = (m: Model) => m.createdAt;
const frs = (m: Model) => (m.firstReplyAt === null ? null : (m.firstReplyAt - m.createdAt) / 1000);

function searchCases(): Case[] {
  const t10 = BASE_TIME + 10 * HOUR;
  const t20 = BASE_TIME + 20 * HOUR;
  return [
    { field: "status", op: "equals", value: "open", pred: (m) => m.status === "open" },
    { field: "status", op: "not_equals", value: "open", pred: (m) => m.status !== "open" },
    { field: "status", op: "in", value: ["open", "closed"], pred: (m) => m.status !== "assigned" },
    { field: "status", op: "not_in", value: ["open", "closed"], pred: (m) => m.status === "assigned" },
    { field: "account", op: "equals", value: accA, pred: (m) => m.accountId === accA },
    { field: "account", op: "not_equals", value: accA, pred: (m) => m.accountId !== accA },
    { field: "account", op: "in", value: [accB], pred: (m) => m.accountId === accB },
    { field: "account", op: "not_in", value: [accB], pred: (m) => m.accountId !== accB },
    { field: "queue", op: "equals", value: q2, pred: (m) => m.queueId === q2 },
    { field: "queue", op: "not_equals", value: q2, pred: (m) => m.queueId !== q2 },
    { field: "queue", op: "in", value: [q1], pred: (m) => m.queueId === q1 },
    { field: "queue", op: "not_in", value: [q1], pred: (m) => m.queueId !== q1 },
    { field: "contact", op: "equals", value: String(model[3]!.contactId), pred: (m) => m.contactId === model[3]!.contactId },
    { field: "contact", op: "not_equals", value: String(model[3]!.contactId), pred: (m) => m.contactId !== model[3]!.contactId },
    { field: "contact", op: "in", value: [String(model[3]!.contactId), String(model[4]!.contactId)], pred: (m) => m === model[3] || m === model[4] },
    { field: "contact", op: "not_in", value: [String(model[3]!.contactId)], pred: (m) => m !== model[3] },
    { field: "provider", op: "equals", value: "custom", pred: (m) => m.provider === "custom" },
    { field: "provider", op: "not_equals", value: "custom", pred: (m) => m.provider !== "custom" },
    { field: "provider", op: "in", value: ["custom", "meta"], pred: (m) => m.provider === "custom" },
    { field: "provider", op: "not_in", value: ["custom"], pred: (m) => m.provider !== "custom" },
    { field: "agent", op: "equals", value: agentY.id, pred: (m) => m.assigneeId === agentY.id },
    { field: "agent", op: "not_equals", value: agentY.id, pred: (m) => m.assigneeId !== agentY.id },
    { field: "agent", op: "in", value: [agentX.id], pred: (m) => m.assigneeId === agentX.id },
    { field: "agent", op: "not_in", value: [agentX.id], pred: (m) => m.assigneeId !== agentX.id },
    { field: "agent", op: "is_empty", pred: (m) => m.assigneeId === null },
    { field: "agent", op: "is_not_empty", pred: (m) => m.assigneeId !== null },
    { field: "tags", op: "contains", value: "billing", pred: (m) => m.tags.includes("billing") },
    { field: "tags", op: "not_contains", value: "billing", pred: (m) => !m.tags.includes("billing") },
    { field: "tags", op: "in", value: ["İade", "vip"], pred: (m) => m.tags.includes("İade") || m.tags.includes("vip") },
    { field: "tags", op: "is_empty", pred: (m) => m.tags.length === 0 },
    { field: "tags", op: "is_not_empty", pred: (m) => m.tags.length > 0 },
    ...textCases("disposition", (m) => m.disposition, "solved", "sol", "ved", "spam"),
    ...textCases("subject", (m) => m.subject, "Order 5 Straße", "straße", "Order 1", "Order 2"),
    // Case is ignored beyond ASCII: Ç, Ü, Ú, Ñ match their small letters.
    ...textCases("contactName", (m) => m.contactName, "Bob Stone", "MÜLLER", "zeynep ç", "NÚÑEZ"),
    { field: "contactHandle", op: "equals", value: model[7]!.handle, pred: (m) => m === model[7] },
    { field: "contactHandle", op: "not_equals", value: model[7]!.handle, pred: (m) => m !== model[7] },
    { field: "contactHandle", op: "contains", value: "user_1", pred: (m) => (m.username ?? "").includes("user_1") },
    { field: "contactHandle", op: "not_contains", value: "user_1", pred: (m) => !(m.username ?? "").includes("user_1") },
    { field: "contactHandle", op: "starts_with", value: "+905551002", pred: (m) => m.handle.startsWith("+905551002") },
    { field: "contactHandle", op: "ends_with", value: "5", pred: (m) => m.handle.endsWith("5") || (m.username ?? "").endsWith("5") },
    { field: "contactHandle", op: "in", value: [model[2]!.handle, "user_4"], pred: (m) => m === model[2] || m.username === "user_4" },
    { field: "contactHandle", op: "is_empty", pred: () => false },
    { field: "contactHandle", op: "is_not_empty", pred: () => true },
    { field: "messageText", op: "contains", value: "isik", pred: (m) => m.bodies.some((b) => b.includes("IŞIK")) },
    { field: "created", op: "before", value: t10, pred: (m) => times(m) < t10 },
    // No ticket created out of order before 2h: the walk starts below the newer tickets.
    { field: "created", op: "before", value: BASE_TIME + 2 * HOUR, pred: (m) => times(m) < BASE_TIME + 2 * HOUR },
    { field: "created", op: "between", value: [BASE_TIME + 2 * HOUR, BASE_TIME + 3 * HOUR], pred: (m) => times(m) >= BASE_TIME + 2 * HOUR && times(m) < BASE_TIME + 3 * HOUR },
    { field: "created", op: "after", value: new Date(t10).toISOString(), pred: (m) => times(m) >= t10 },
    { field: "created", op: "between", value: [t10, t20], pred: (m) => times(m) >= t10 && times(m) < t20 },
    { field: "created", op: "is_empty", pred: () => false },
    { field: "created", op: "is_not_empty", pred: () => true },
    { field: "closed", op: "before", value: t20, pred: (m) => m.closedAt !== null && m.closedAt < t20 },
    { field: "closed", op: "after", value: t20, pred: (m) => m.closedAt !== null && m.closedAt >= t20 },
    { field: "closed", op: "between", value: [t10, t20], pred: (m) => m.closedAt !== null && m.closedAt >= t10 && m.closedAt < t20 },
    { field: "closed", op: "is_empty", pred: (m) => m.closedAt === null },
    { field: "closed", op: "is_not_empty", pred: (m) => m.closedAt !== null },
    { field: "firstResponseSeconds", op: "equals", value: 180, pred: (m) => frs(m) === 180 },
    { field: "firstResponseSeconds", op: "greater_than", value: 180, pred: (m) => (frs(m) ?? -1) > 180 },
    { field: "firstResponseSeconds", op: "less_than", value: 180, pred: (m) => frs(m) !== null && frs(m)! < 180 },
    { field: "firstResponseSeconds", op: "between", value: [60, 240], pred: (m) => frs(m) !== null && frs(m)! >= 60 && frs(m)! <= 240 },
    { field: "firstResponseSeconds", op: "is_empty", pred: (m) => m.firstReplyAt === null },
    { field: "firstResponseSeconds", op: "is_not_empty", pred: (m) => m.firstReplyAt !== null },
    { field: "unread", op: "equals", value: true, pred: (m) => unread(m) > 0 },
    { field: "unread", op: "equals", value: false, pred: (m) => unread(m) === 0 },
    { field: "escalated", op: "equals", value: true, pred: (m) => m.escalated },
    { field: "escalated", op: "equals", value: false, pred: (m) => !m.escalated },
  ];
}

/** Every text operator on a field that may be unset (null counts as ""), LIKE's ASCII case folding included. */
function textCases(field: string, get: (m: Model) => string | null, exact: string, part: string, start: string, end: string): Case[] {
  const v = (m: Model) => get(m) ?? "";
  const ci = (s: string) => fold(s);
  const likeCi = (hay: string, needle: string) => ci(hay).includes(ci(needle));
  return [
    { field, op: "equals", value: exact, pred: (m) => v(m) === exact },
    { field, op: "not_equals", value: exact, pred: (m) => v(m) !== exact },
    { field, op: "contains", value: part, pred: (m) => likeCi(v(m), part) },
    { field, op: "not_contains", value: part, pred: (m) => !likeCi(v(m), part) },
    { field, op: "starts_with", value: start, pred: (m) => ci(v(m)).startsWith(ci(start)) },
    { field, op: "ends_with", value: end, pred: (m) => ci(v(m)).endsWith(ci(end)) },
    { field, op: "in", value: [exact, end], pred: (m) => v(m) === exact || v(m) === end },
    { field, op: "is_empty", pred: (m) => v(m) === "" },
    { field, op: "is_not_empty", pred: (m) => v(m) !== "" },
  ];
}

describe("POST /api/v1/tickets/search", () => {
  it("the cases cover every field with every operator it takes", () => {
    const covered = new Set(searchCases().map((c) => `${c.field} ${c.op}`));
    for (const field of searchFieldNames) for (const op of operatorsFor(field)) expect(covered, `${field} ${op}`).toContain(`${field} ${op}`);
  });

  for (const field of searchFieldNames) {
    it(`${field}: every operator`, async () => {
      for (const c of searchCases().filter((x) => x.field === field)) {
        const condition = { field: c.field, op: c.op, ...(c.value === undefined ? {} : { value: c.value }) };
        const got = await allIds(admin, "/api/v1/tickets/search", { match: "all", conditions: [condition] });
        expect(got, `${c.field} ${c.op} ${JSON.stringify(c.value)}`).toEqual(expected(c.pred));
      }
    });
  }

  it("all, any, and a disabled condition kept and ignored", async () => {
    const vip = { field: "tags", op: "contains", value: "vip" };
    const closed = { field: "status", op: "equals", value: "closed" };
    const off = { field: "account", op: "equals", value: "nobody", disabled: true };
    expect(await allIds(admin, "/api/v1/tickets/search", { match: "all", conditions: [vip, closed, off] })).toEqual(
      expected((m) => m.tags.includes("vip") && m.status === "closed"),
    );
    expect(await allIds(admin, "/api/v1/tickets/search", { match: "any", conditions: [vip, closed, off] })).toEqual(
      expected((m) => m.tags.includes("vip") || m.status === "closed"),
    );
    expect(await allIds(admin, "/api/v1/tickets/search", { match: "any", conditions: [off] })).toEqual(expected(() => true));
  });

  it("a wrong operator, value or field is a 400 naming the condition", async () => {
    const bad = [
      { field: "status", op: "contains", value: "open" },
      { field: "status", op: "equals", value: "pending" },
      { field: "created", op: "between", value: [5] },
      { field: "unread", op: "equals", value: "yes" },
      { field: "agent", op: "is_empty", value: "x" },
    ];
    for (const [i, condition] of bad.entries()) {
      const res = await call("/api/v1/tickets/search", { method: "POST", token: admin.token, json: { match: "all", conditions: [{ field: "status", op: "equals", value: "open" }, condition] } });
      expect(res.status, JSON.stringify(condition)).toBe(400);
      expect(res.data.error.details[0].path, `${i}`).toBe("conditions.1");
    }
    const unknownField = await call("/api/v1/tickets/search", { method: "POST", token: admin.token, json: { conditions: [{ field: "colour", op: "equals", value: "red" }] } });
    expect(unknownField.status).toBe(400);
    expect(JSON.stringify(unknownField.data.error.details)).toContain("conditions.0.field");
  });

  it("values are bound, never spliced into the SQL", async () => {
    const res = await call("/api/v1/tickets/search", {
      method: "POST",
      token: admin.token,
      json: { conditions: [{ field: "subject", op: "contains", value: "') OR 1=1 --" }, { field: "tags", op: "contains", value: "x' OR '1'='1" }] },
    });
    expect(res.status).toBe(200);
    expect(res.data.items).toEqual([]);
  });
});

describe("full text", () => {
  const find = async (q: string) => allIds(admin, `/api/v1/tickets?q=${encodeURIComponent(q)}`);
  const withBody = (s: string) => expected((m) => m.bodies.some((b) => b.includes(s)));

  it("folds Turkish, German and Spanish letters both ways", async () => {
    for (const q of ["isik", "ışık", "IŞIK", "yanmiyor"]) expect(await find(q), q).toEqual(withBody("IŞIK"));
    for (const q of ["istanbul", "İstanbul", "ISTANBUL", "subesi"]) expect(await find(q), q).toEqual(withBody("İstanbul"));
    for (const q of ["strasse", "straße", "STRASSE"]) expect(await find(q), q).toEqual(withBody("Straße"));
    for (const q of ["muller", "müller"]) expect(await find(q), q).toEqual(withBody("Müller"));
    for (const q of ["manana", "mañana", "esta aqui", "está"]) expect(await find(q), q).toEqual(withBody("mañana"));
  });

  it("finds emoji, alone or repeated", async () => {
    expect(await find("😀")).toEqual(withBody("😀"));
    expect(await find("🎉")).toEqual(withBody("🎉"));
    expect((await find("😀")).length).toBeGreaterThan((await find("🎉")).length);
  });

  it("every word must begin a word of one message; notes are searched; punctuation alone finds nothing", async () => {
    expect(await find("order wher")).toEqual(withBody("Where is my order"));
    expect(await find("gizli")).toEqual(expected(() => true));
    expect(await find("order hola")).toEqual([]);
    expect(await find('"*')).toEqual([]);
  });

  it("follows edits, unsends and deletions", async () => {
    const m = model[20]!;
    const word = unique("zümrüt").replace(/-/g, "");
    const { id } = (await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, body, status) VALUES (?1, ?2, 'in', ?3, 'received') RETURNING id")
      .bind(m.accountId, m.id, `eski ${word}`)
      .first<{ id: number }>())!;
    expect(await find(word)).toEqual([m.id]);
    expect(await find(word.replace("ü", "u"))).toEqual([m.id]);
    await env.DB.prepare("UPDATE messages SET body = ?2 WHERE id = ?1").bind(id, "yeni metin safir").run();
    expect(await find(word)).toEqual([]);
    expect(await find("safir")).toEqual([m.id]);
    const row = (await call(`/api/v1/tickets?contactId=${m.contactId}`, { token: admin.token })).data.items[0];
    expect(row.preview).toBe("yeni metin safir");
    expect(row.unread).toBe(3);
    await env.DB.prepare("UPDATE messages SET body = '', deleted_at = 1 WHERE id = ?1").bind(id).run();
    expect(await find("safir")).toEqual([]);
    expect((await call(`/api/v1/tickets?contactId=${m.contactId}`, { token: admin.token })).data.items[0].unread).toBe(2);
    await env.DB.prepare("UPDATE messages SET body = 'geri safir', deleted_at = NULL WHERE id = ?1").bind(id).run();
    expect(await find("safir")).toEqual([m.id]);
    await env.DB.prepare("DELETE FROM messages WHERE id = ?1").bind(id).run();
    expect(await find("safir")).toEqual([]);
    const after = (await call(`/api/v1/tickets?contactId=${m.contactId}`, { token: admin.token })).data.items[0];
    expect(after.unread).toBe(2);
    expect(after.preview).not.toContain("safir");
  });
});

describe("who sees what", () => {
  it("an agent sees only their queues' tickets, in the list and in the search", async () => {
    const mine = expected((m) => m.queueId === q1);
    expect(await allIds(agent, "/api/v1/tickets")).toEqual(mine);
    expect(await allIds(agent, "/api/v1/tickets?q=gizli")).toEqual(mine);
    expect(await allIds(agent, "/api/v1/tickets/search", { match: "any", conditions: [{ field: "queue", op: "equals", value: q2 }, { field: "status", op: "equals", value: "open" }] })).toEqual(
      expected((m) => m.queueId === q1 && m.status === "open"),
    );
    expect(await allIds(agent, "/api/v1/tickets/search", { conditions: [{ field: "queue", op: "in", value: [q1, q2] }] })).toEqual(mine);
    expect((await call(`/api/v1/tickets?queueId=${q2}`, { token: agent.token })).status).toBe(404);
    for (const user of [admin, supervisor]) expect(await allIds(user, "/api/v1/tickets")).toEqual(expected(() => true));
  });

  it("every new route wants a token", async () => {
    expect((await call("/api/v1/tickets")).status).toBe(401);
    expect((await call("/api/v1/tickets/search", { method: "POST", json: { conditions: [] } })).status).toBe(401);
    expect((await call("/api/v1/saved-searches")).status).toBe(401);
    expect((await call(`/api/v1/tickets/${model[0]!.id}/read`, { method: "POST", json: { messageId: 1 } })).status).toBe(401);
  });

  it("the read mark: the caller's own, on a ticket they may see", async () => {
    const m = model.find((x) => x.queueId === q1)!;
    const other = model.find((x) => x.queueId === q2)!;
    const last = await env.DB.prepare("SELECT max(id) AS id FROM messages WHERE ticket_id = ?1").bind(m.id).first<{ id: number }>();
    const res = await call(`/api/v1/tickets/${m.id}/read`, { method: "POST", token: agent.token, json: { messageId: last!.id } });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ lastReadMessageId: last!.id, unread: 0 });
    expect((await call(`/api/v1/tickets?contactId=${m.contactId}`, { token: agent.token })).data.items[0].unread).toBe(0);
    expect((await call(`/api/v1/tickets?contactId=${m.contactId}`, { token: supervisor.token })).data.items[0].unread).toBe(m.inbound);
    expect((await call(`/api/v1/tickets/${other.id}/read`, { method: "POST", token: agent.token, json: { messageId: 1 } })).status).toBe(404);
    expect((await call(`/api/v1/tickets/${m.id}/read`, { method: "POST", token: agent.token, json: { messageId: 1 } })).status).toBe(404);
  });
});

describe("saved searches", () => {
  const body = { name: "VIP waiting", match: "all", conditions: [{ field: "tags", op: "contains", value: "vip" }, { field: "status", op: "equals", value: "open", disabled: true }] };

  it("CRUD with roles: own ones private, shared ones by supervisors and admins, seen by all", async () => {
    const own = await call("/api/v1/saved-searches", { method: "POST", token: agent.token, json: body });
    expect(own.status).toBe(201);
    expect(own.data).toMatchObject({ ...body, ownerId: agent.id, shared: false });
    expect((await call("/api/v1/saved-searches", { method: "POST", token: agent.token, json: { ...body, shared: true } })).status).toBe(403);
    const shared = await call("/api/v1/saved-searches", { method: "POST", token: supervisor.token, json: { ...body, name: "Team: VIP", shared: true } });
    expect(shared.status).toBe(201);

    const agentList = (await call("/api/v1/saved-searches", { token: agent.token })).data.items.map((s: { id: string }) => s.id);
    expect(agentList).toEqual(expect.arrayContaining([own.data.id, shared.data.id]));
    const otherAgent = (await call("/api/v1/saved-searches", { token: agentX.token })).data.items.map((s: { id: string }) => s.id);
    expect(otherAgent).toContain(shared.data.id);
    expect(otherAgent).not.toContain(own.data.id);
    expect((await call(`/api/v1/saved-searches/${own.data.id}`, { token: agentX.token })).status).toBe(404);
    expect((await call(`/api/v1/saved-searches/${shared.data.id}`, { token: agentX.token })).status).toBe(200);

    expect((await call(`/api/v1/saved-searches/${shared.data.id}`, { method: "PATCH", token: agent.token, json: { name: "mine now" } })).status).toBe(403);
    expect((await call(`/api/v1/saved-searches/${shared.data.id}`, { method: "DELETE", token: agent.token })).status).toBe(403);
    expect((await call(`/api/v1/saved-searches/${own.data.id}`, { method: "PATCH", token: agent.token, json: { shared: true } })).status).toBe(403);
    const renamed = await call(`/api/v1/saved-searches/${own.data.id}`, { method: "PATCH", token: agent.token, json: { name: "Mine" } });
    expect(renamed.status).toBe(200);
    expect(renamed.data).toMatchObject({ name: "Mine", conditions: body.conditions });
    const byAdmin = await call(`/api/v1/saved-searches/${shared.data.id}`, { method: "PATCH", token: admin.token, json: { match: "any" } });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.data.match).toBe("any");

    // A saved search runs as the search does.
    const run = await allIds(agent, "/api/v1/tickets/search", { match: renamed.data.match, conditions: renamed.data.conditions });
    expect(run).toEqual(expected((m) => m.queueId === q1 && m.tags.includes("vip")));

    expect((await call(`/api/v1/saved-searches/${own.data.id}`, { method: "DELETE", token: agent.token })).status).toBe(204);
    expect((await call(`/api/v1/saved-searches/${own.data.id}`, { token: agent.token })).status).toBe(404);
    expect((await call(`/api/v1/saved-searches/${shared.data.id}`, { method: "DELETE", token: admin.token })).status).toBe(204);
  });

  it("conditions are checked as the search checks them", async () => {
    const res = await call("/api/v1/saved-searches", { method: "POST", token: admin.token, json: { ...body, conditions: [{ field: "closed", op: "contains", value: "x" }] } });
    expect(res.status).toBe(400);
    expect(res.data.error.details[0].path).toBe("conditions.0");
  });
});

describe("escalated", () => {
  it("is Contact Message Timeout's mark, kept when the tag is taken off", async () => {
    const { ticketId, contactId } = await seedTicket(accA, q1);
    const search = async () =>
      (
        await call("/api/v1/tickets/search", {
          method: "POST",
          token: admin.token,
          json: { conditions: [{ field: "contact", op: "equals", value: String(contactId) }, { field: "escalated", op: "equals", value: true }] },
        })
      ).data.items.map((t: { id: number }) => t.id);
    expect(await search()).toEqual([]);
    await markEscalated(env.DB, ticketId, 1_000);
    expect(await search()).toEqual([ticketId]);
    await env.DB.prepare("UPDATE tickets SET tags = '[]' WHERE id = ?1").bind(ticketId).run();
    expect(await search()).toEqual([ticketId]);
    const row = (await call(`/api/v1/tickets?contactId=${contactId}`, { token: admin.token })).data.items[0];
    expect(row.escalated).toBe(true);
  });
});

describe("what the row keeps in step", () => {
  it("the unread count after the caller's mark follows unsends before it and messages after it", async () => {
    const { ticketId, contactId } = await seedTicket(accA, q1, ["bir", "iki", "üç"]);
    const unreadNow = async () => (await call(`/api/v1/tickets?contactId=${contactId}`, { token: admin.token })).data.items[0].unread;
    const ids = (await env.DB.prepare("SELECT id FROM messages WHERE ticket_id = ?1 ORDER BY id").bind(ticketId).all<{ id: number }>()).results.map((r) => r.id);
    expect(await unreadNow()).toBe(3);
    expect((await call(`/api/v1/tickets/${ticketId}/read`, { method: "POST", token: admin.token, json: { messageId: ids[1] } })).data).toEqual({ lastReadMessageId: ids[1], unread: 1 });
    expect(await unreadNow()).toBe(1);
    await env.DB.prepare("UPDATE messages SET body = '', deleted_at = 5 WHERE id = ?1").bind(ids[0]).run();
    expect(await unreadNow()).toBe(1);
    await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, body, status) VALUES (?1, ?2, 'in', 'dört', 'received')").bind(accA, ticketId).run();
    expect(await unreadNow()).toBe(2);
    await env.DB.prepare("DELETE FROM messages WHERE id = ?1").bind(ids[1]).run();
    expect(await unreadNow()).toBe(2);
    const last = await env.DB.prepare("SELECT max(id) AS id FROM messages WHERE ticket_id = ?1").bind(ticketId).first<{ id: number }>();
    await call(`/api/v1/tickets/${ticketId}/read`, { method: "POST", token: admin.token, json: { messageId: last!.id } });
    expect(await unreadNow()).toBe(0);
  });

  it("a tag's tickets follow the tickets' tags", async () => {
    const { ticketId } = await seedTicket(accA, q1);
    const tag = unique("etiket");
    const tagged = async (t: string) => (await call(`/api/v1/tickets?tags=${encodeURIComponent(t)}`, { token: admin.token })).data.items.map((x: { id: number }) => x.id);
    expect(await tagged(tag)).toEqual([]);
    await env.DB.prepare("UPDATE tickets SET tags = ?2 WHERE id = ?1").bind(ticketId, JSON.stringify([tag, "İade"])).run();
    expect(await tagged(tag)).toEqual([ticketId]);
    await env.DB.prepare("UPDATE tickets SET tags = ?2 WHERE id = ?1").bind(ticketId, JSON.stringify(["İade"])).run();
    expect(await tagged(tag)).toEqual([]);
    expect(await tagged("İade")).toContain(ticketId);
    const rows = async () => (await env.DB.prepare("SELECT count(*) AS n FROM ticket_tags WHERE ticket_id = ?1").bind(ticketId).first<{ n: number }>())!.n;
    expect(await rows()).toBe(1);
    await env.DB.batch([env.DB.prepare("DELETE FROM messages WHERE ticket_id = ?1").bind(ticketId), env.DB.prepare("DELETE FROM tickets WHERE id = ?1").bind(ticketId)]);
    expect(await rows()).toBe(0);
  });

  it("the contact's name and handle follow the contact", async () => {
    const { contactId } = await seedTicket(accA, q1);
    await env.DB.prepare("UPDATE contacts SET display_name = 'Zeynep Ç. Yıldız', username = 'zeyneply' WHERE id = ?1").bind(contactId).run();
    const row = (await call(`/api/v1/tickets?contactId=${contactId}`, { token: admin.token })).data.items[0];
    expect(row).toMatchObject({ contactName: "Zeynep Ç. Yıldız", contactUsername: "zeyneply" });
    const found = await call("/api/v1/tickets/search", { method: "POST", token: admin.token, json: { conditions: [{ field: "contactName", op: "contains", value: "Ç. Yıl" }] } });
    expect(found.data.items.map((t: { contactId: number }) => t.contactId)).toEqual([contactId]);
  });
});
