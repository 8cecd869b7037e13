import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { BASE, call, seedUser, type SeededUser } from "../helpers/api";
import { meteredD1 } from "../helpers/metered-d1";

// GET /api/v1/audit filtered by actor, action, entity and time, a page at a time: the right entries,
// unknown parameters refused, and D1's count of rows read bounded by the page, not by the log.

const ENTRIES = 20_000;
const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const PAGE = 20;
const AUTH_ROWS = 5;

const app = createApp();
const meter = meteredD1(env.DB);
let admin: SeededUser;
const actors = ["act-ayse", "act-mehmet", "act-zeynep", "act-can"];
const actions = ["queue.update", "account.update", "member.add", "template.create", "user.update"];
const types = ["queue", "account", "queue", "template", "user"];

type Entry = { id: number; actorId: string | null; action: string; entityType: string; entityId: string; at: number };

/** Entry i: actor i % 4, action i % 5, entity `e-(i % 50)`, written a minute after the one before. */
async function seedLog() {
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1)
     INSERT INTO audit_log (actor_id, action, entity_type, entity_id, details, at)
     SELECT json_extract(?2, '$[' || (i % 4) || ']'), json_extract(?3, '$[' || (i % 5) || ']'), json_extract(?4, '$[' || (i % 5) || ']'),
            'e-' || (i % 50), '{}', ?5 + i * ?6 FROM n`,
  )
    .bind(ENTRIES, JSON.stringify(actors), JSON.stringify(actions), JSON.stringify(types), T0, MINUTE)
    .run();
}

async function page(query: string) {
  const ctx = createExecutionContext();
  meter.reset();
  const res = await app.fetch(new Request(`${BASE}/api/v1/audit?${query}`, { headers: { Authorization: `Bearer ${admin.token}` } }), { ...env, DB: meter.db }, ctx);
  await waitOnExecutionContext(ctx);
  const body = (await res.json()) as { items: Entry[]; nextCursor: number | null; error?: { code: string; details: { path: string }[] } };
  return { status: res.status, ...body, rowsRead: meter.rowsRead() };
}

/** Every page of the query, with the most rows any one of them read. */
async function walk(query: string) {
  const items: Entry[] = [];
  let cursor: number | null = null;
  let most = 0;
  do {
    const p = await page(`${query}&limit=${PAGE}${cursor === null ? "" : `&cursor=${cursor}`}`);
    expect(p.status, query).toBe(200);
    items.push(...p.items);
    most = Math.max(most, p.rowsRead);
    cursor = p.nextCursor;
  } while (cursor !== null && items.length < 200);
  return { items, most };
}

/** The same from a plain query: the seeded entries matching `keep`, newest first. */
async function expected(keep: (e: Entry) => boolean, max = 200) {
  const { results } = await env.DB.prepare("SELECT id, actor_id AS actorId, action, entity_type AS entityType, entity_id AS entityId, at FROM audit_log WHERE entity_id LIKE 'e-%' ORDER BY id DESC").all<Entry>();
  return results.filter(keep).slice(0, max).map((e) => e.id);
}

beforeAll(async () => {
  admin = await seedUser("admin");
  await seedLog();
}, 120_000);

describe("the audit log's filters", () => {
  it("by actor, action, entity type and id, and their combination: the right entries newest first, each page reading about a page", async () => {
    const cases: [string, (e: Entry) => boolean][] = [
      ["actor=act-mehmet", (e) => e.actorId === "act-mehmet"],
      ["actorId=act-mehmet", (e) => e.actorId === "act-mehmet"],
      ["action=template.create", (e) => e.action === "template.create"],
      ["entityType=queue", (e) => e.entityType === "queue"],
      ["entityType=account&entityId=e-1", (e) => e.entityType === "account" && e.entityId === "e-1"],
      ["entityType=user&entityId=e-4&actor=act-ayse", (e) => e.entityType === "user" && e.entityId === "e-4" && e.actorId === "act-ayse"],
    ];
    for (const [query, keep] of cases) {
      const { items, most } = await walk(query);
      expect(items.map((e) => e.id), query).toEqual(await expected(keep, items.length));
      expect(items.length, query).toBeGreaterThan(0);
      expect(most, query).toBeLessThanOrEqual(3 * PAGE + AUTH_ROWS);
    }
  });

  it("by time, as epoch ms or ISO 8601, inclusive, however old the range", async () => {
    const from = T0 + 100 * MINUTE;
    const to = T0 + 1100 * MINUTE;
    const inRange = (e: Entry) => e.at >= from && e.at <= to;
    const byMs = await walk(`from=${from}&to=${to}`);
    expect(byMs.items.map((e) => e.id)).toEqual(await expected(inRange));
    expect(byMs.items).toHaveLength(200); // the walk stops at 200: the range holds 1,001
    expect(byMs.most).toBeLessThanOrEqual(3 * PAGE + AUTH_ROWS);
    const byIso = await walk(`from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`);
    expect(byIso.items.map((e) => e.id)).toEqual(byMs.items.map((e) => e.id));
    const withAction = await walk(`from=${from}&to=${to}&action=member.add`);
    expect(withAction.items.map((e) => e.id)).toEqual(await expected((e) => inRange(e) && e.action === "member.add"));
    const nothing = await page(`from=${T0 + ENTRIES * MINUTE * 2}`);
    expect(nothing.items).toEqual([]);
  });

  it("refuses unknown parameters, unknown actions and entity types, and unreadable times, by name", async () => {
    for (const [query, path] of [
      ["user=act-ayse", "user"],
      ["action=queue.explode", "action"],
      ["entityType=planet", "entityType"],
      ["from=yesterday", "from"],
      ["to=2026-13-45T00:00:00Z", "to"],
    ] as const) {
      const res = await page(query);
      expect(res.status, query).toBe(400);
      expect(res.error!.code).toBe("validation_failed");
      expect(res.error!.details.map((d) => d.path), query).toEqual([path]);
    }
  });

  it("is for admins only", async () => {
    const supervisor = await seedUser("supervisor");
    const agent = await seedUser("agent");
    expect((await call("/api/v1/audit", { token: supervisor.token })).status).toBe(403);
    expect((await call("/api/v1/audit", { token: agent.token })).status).toBe(403);
    expect((await call("/api/v1/audit")).status).toBe(401);
  });

  it("documents every action and entity type as an enum", async () => {
    const doc = (await call("/api/openapi.json")).data;
    const entry = doc.components.schemas.AuditEntry.properties;
    expect(entry.action.enum).toEqual(expect.arrayContaining(["template.create", "template.update", "template.delete", "member.add", "account.create", "ticket.erase"]));
    expect(entry.entityType.enum).toEqual(["account", "canned_answer", "contact", "queue", "template", "ticket", "user"]);
  });
});
