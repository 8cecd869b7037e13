import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import Papa from "papaparse";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { supervisorServerFrameSchema } from "../../src/queue/protocol";
import { reportColumns } from "../../src/routes/api/figures";
import { call, seedAccount, seedQueue, seedUser, BASE } from "../helpers/api";
import { createUser, queueStub, settle } from "../helpers/hub";
import { meteredD1 } from "../helpers/metered-d1";
import { cleanUp, connect, desk } from "../helpers/session";
import { customerWrites, stubBotApi } from "../queue/desk";

afterEach(cleanUp);

const DAY = 86_400_000;
const S = 1000;

/** A ticket to seed: times in ms; null where it never happened. */
type Spec = { queueId: string; accountId: string; assigneeId: string | null; createdAt: number; assignedAt: number | null; firstReplyAt: number | null; closedAt: number | null };

async function seedTickets(specs: Spec[]) {
  const contacts = new Map<string, number>();
  for (const accountId of new Set(specs.map((s) => s.accountId))) {
    const row = await env.DB.prepare("INSERT INTO contacts (account_id, external_id, address, display_name) VALUES (?1, ?2, ?2, 'Figür') RETURNING id")
      .bind(accountId, `fig-${crypto.randomUUID()}`)
      .first<{ id: number }>();
    contacts.set(accountId, row!.id);
  }
  const lit = (v: number | null) => (v === null ? "NULL" : String(Math.round(v)));
  const str = (v: string | null) => (v === null ? "NULL" : `'${v}'`);
  for (let i = 0; i < specs.length; i += 50) {
    const rows = specs.slice(i, i + 50).map(
      (s) =>
        `(${str(s.accountId)}, ${contacts.get(s.accountId)}, ${str(s.queueId)}, ${s.closedAt !== null ? "'closed'" : s.assigneeId ? "'assigned'" : "'open'"}, ${str(s.assigneeId)}, ${lit(s.createdAt)}, ${lit(s.createdAt)}, ${lit(s.createdAt)}, ${lit(s.assignedAt)}, ${lit(s.firstReplyAt)}, ${lit(s.closedAt)})`,
    );
    await env.DB.prepare(
      `INSERT INTO tickets (account_id, contact_id, queue_id, status, assignee_id, created_at, updated_at, last_message_at, assigned_at, first_reply_at, closed_at) VALUES ${rows.join(", ")}`,
    ).run();
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

/** The figures computed here, independently of the hub's code, from the specs. */
function expectedFigures(specs: (Spec & { targetS: number })[], targetS: number | null) {
  const frt = specs.filter((s) => s.firstReplyAt !== null).map((s) => (s.firstReplyAt! - s.createdAt) / 1000);
  const taken = specs.filter((s) => s.assignedAt !== null);
  const handled = taken.filter((s) => s.closedAt !== null);
  const abandoned = specs.filter((s) => s.assignedAt === null && s.closedAt !== null);
  const sorted = [...frt].sort((a, b) => a - b);
  const handle = handled.map((s) => (s.closedAt! - s.assignedAt!) / 1000);
  const within = taken.filter((s) => s.assignedAt! - s.createdAt <= s.targetS * 1000).length;
  const avg = (xs: number[]) => (xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length) : null);
  return {
    created: specs.length,
    handled: handled.length,
    abandoned: abandoned.length,
    firstResponse: { count: frt.length, avgS: avg(frt), p90S: sorted.length ? round(sorted[Math.ceil(sorted.length * 0.9) - 1]!) : null },
    handleTime: { count: handle.length, avgS: avg(handle) },
    serviceLevel: { targetS, within, of: taken.length + abandoned.length, pct: taken.length + abandoned.length ? round((within / (taken.length + abandoned.length)) * 100) : null },
  };
}

/** A deterministic spread of ticket histories: some taken fast, some slow, some abandoned, some still waiting. */
function histories(n: number, base: { queueId: string; accountId: string }, agents: string[], createdAt: (i: number) => number): Spec[] {
  return Array.from({ length: n }, (_, i) => {
    const created = createdAt(i);
    const kind = i % 5;
    if (kind === 4) return { ...base, assigneeId: null, createdAt: created, assignedAt: null, firstReplyAt: null, closedAt: i % 2 ? created + 90 * S : null };
    const wait = ((i * 7) % 45) * S; // 0–44 s to be taken
    const reply = wait + ((i * 13) % 120) * S;
    return {
      ...base,
      assigneeId: agents[i % agents.length]!,
      createdAt: created,
      assignedAt: created + wait,
      firstReplyAt: kind === 3 ? null : created + reply,
      closedAt: kind === 2 ? null : created + reply + ((i * 31) % 900) * S,
    };
  });
}

describe("GET /api/v1/queues/{id}/stats and the supervisor's stats frame", () => {
  it("counts waiting tickets, offers, agents by state (members who never connected too), and today's figures as computed independently", async () => {
    stubBotApi();
    const { queueId, key, account } = await desk({ routing: { serviceLevelTargetSeconds: 15 } });
    const a = await createUser({ queues: [queueId], name: "Ayşe", capacity: 2 });
    const b = await createUser({ queues: [queueId], name: "Bora", capacity: 4 });
    const sup = await createUser({ role: "supervisor" });
    const now = Date.now();
    const midnight = now - (now % DAY);
    const span = Math.max(now - midnight - 60 * S, 1);
    const today = histories(40, { queueId, accountId: account.id }, [a.id, b.id], (i) => midnight + Math.floor((span * i) / 40));
    const yesterday = histories(15, { queueId, accountId: account.id }, [a.id, b.id], (i) => midnight - DAY + i * 60 * S);
    await seedTickets([...today, ...yesterday]);

    const ayse = await connect(a.token, queueId);
    expect(await customerWrites(key, 9_100_001, "Merhaba")).toBe(200);
    expect(await customerWrites(key, 9_100_002, "İyi günler")).toBe(200);
    await ayse.next("offer");
    await settle();

    const res = await call(`/api/v1/queues/${queueId}/stats`, { token: sup.token });
    expect(res.status).toBe(200);
    const stats = res.data;
    const snap = await queueStub(queueId).snapshot();
    const live = await env.DB.prepare("SELECT created_at, assigned_at, first_reply_at, closed_at FROM tickets WHERE queue_id = ?1 AND created_at >= ?2")
      .bind(queueId, midnight)
      .all<{ created_at: number; assigned_at: number | null; first_reply_at: number | null; closed_at: number | null }>();
    expect(live.results).toHaveLength(42);
    const all = live.results.map((r) => ({ queueId, accountId: account.id, assigneeId: null, createdAt: r.created_at, assignedAt: r.assigned_at, firstReplyAt: r.first_reply_at, closedAt: r.closed_at, targetS: 15 }));

    expect(stats).toMatchObject({ queueId, timeZone: "UTC", since: midnight, waiting: 2, offersInFlight: 2, agentsByState: { online: 1, away: 0, offline: 1 }, capacity: 2 });
    expect(stats.load).toBe(snap.agents.find((x) => x.id === a.id)!.load);
    expect(stats.longestWaitS).toBeGreaterThanOrEqual(0);
    expect(stats.today).toEqual(expectedFigures(all, 15));
    const perAgent = (id: string) => expectedFigures(today.filter((t) => t.assigneeId === id).map((t) => ({ ...t, targetS: 15 })), 15);
    const byId = (x: any, y: any) => (x.id < y.id ? -1 : 1);
    expect([...stats.agents].sort(byId)).toEqual(
      [
        { id: a.id, name: "Ayşe", status: "online", load: stats.load, capacity: 2, today: perAgent(a.id) },
        { id: b.id, name: "Bora", status: "offline", load: 0, capacity: 4, today: perAgent(b.id) },
      ].sort(byId),
    );

    // The same on the supervisor's socket.
    const sock = await (await import("cloudflare:workers")).exports.default.fetch(`${BASE}/supervisor/ws?queue=${queueId}`, { headers: { Upgrade: "websocket", Authorization: `Bearer ${sup.token}` } });
    const ws = sock.webSocket!;
    ws.accept();
    const got: any[] = [];
    ws.addEventListener("message", (e) => got.push(JSON.parse(e.data as string)));
    ws.send(JSON.stringify({ type: "stats" }));
    for (let i = 0; i < 100 && !got.some((f) => f.type === "queue.stats"); i++) await new Promise((r) => setTimeout(r, 20));
    const frame = got.find((f) => f.type === "queue.stats");
    expect(frame).toMatchObject({ queueId, waiting: 2, agentsByState: { online: 1, offline: 1 }, today: stats.today });
    expect(supervisorServerFrameSchema.parse(frame)).toEqual(frame);
    ws.close(1000);

    // Taking a ticket records when: it counts as taken from then on.
    const offer = await ayse.next("offer");
    ayse.send({ type: "accept", ticketId: offer.ticket.id });
    await ayse.next("ticket.assigned");
    const taken = await env.DB.prepare("SELECT created_at, assigned_at FROM tickets WHERE id = ?1").bind(offer.ticket.id).first<{ created_at: number; assigned_at: number | null }>();
    expect(taken!.assigned_at).toBeGreaterThanOrEqual(taken!.created_at);
    const after = (await call(`/api/v1/queues/${queueId}/stats`, { token: sup.token })).data;
    expect(after.today.serviceLevel.of).toBe(stats.today.serviceLevel.of + 1);
    expect(after.waiting).toBe(1);
  }, 30_000);

  it("is for supervisors and admins; agents get 403, an unknown queue 404", async () => {
    const queueId = await seedQueue();
    const [admin, supervisor, agent] = await Promise.all([seedUser("admin"), seedUser("supervisor"), seedUser("agent", { queues: [queueId] })]);
    expect((await call(`/api/v1/queues/${queueId}/stats`, { token: admin.token })).status).toBe(200);
    expect((await call(`/api/v1/queues/${queueId}/stats`, { token: supervisor.token })).status).toBe(200);
    expect((await call(`/api/v1/queues/${queueId}/stats`, { token: agent.token })).status).toBe(403);
    expect((await call(`/api/v1/queues/${queueId}/stats`)).status).toBe(401);
    expect((await call(`/api/v1/queues/nope/stats`, { token: admin.token })).status).toBe(404);
  });
});

describe("GET /api/v1/reports and reports.csv", () => {
  const START = Date.UTC(2024, 5, 1);

  async function world() {
    const q1 = await seedQueue(`Satış ${crypto.randomUUID().slice(0, 6)}`);
    const q2 = await seedQueue(`=HYPERLINK("http://x") ${crypto.randomUUID().slice(0, 6)}`);
    await env.DB.prepare("UPDATE queues SET routing = json_set(routing, '$.serviceLevelTargetSeconds', 30) WHERE id = ?1").bind(q2).run();
    const acc1 = (await seedAccount(q1)).id;
    const acc2 = (await seedAccount(q2)).id;
    const [u1, u2, admin, supervisor, agent] = await Promise.all([seedUser("agent", { queues: [q1] }), seedUser("agent", { queues: [q2] }), seedUser("admin"), seedUser("supervisor"), seedUser("agent", { queues: [q1] })]);
    const specs = [
      ...histories(60, { queueId: q1, accountId: acc1 }, [u1.id, u2.id], (i) => START + i * 70 * 60 * S),
      ...histories(45, { queueId: q2, accountId: acc2 }, [u2.id], (i) => START + 3_600 * S + i * 95 * 60 * S),
    ].map((s) => ({ ...s, targetS: s.queueId === q2 ? 30 : 20 }));
    await seedTickets(specs);
    return { q1, q2, acc1, acc2, u1, u2, admin, supervisor, agent, specs };
  }

  it("groups by day, queue, agent and account as computed independently; the CSV says the same", async () => {
    const w = await world();
    const from = START;
    const to = START + 4 * DAY;
    const inRange = w.specs.filter((s) => s.createdAt >= from && s.createdAt < to);
    const groups: Record<string, (s: (typeof inRange)[number]) => string> = {
      day: (s) => new Date(s.createdAt).toISOString().slice(0, 10),
      queue: (s) => s.queueId,
      agent: (s) => s.assigneeId ?? "unassigned",
      account: (s) => s.accountId,
    };
    for (const [groupBy, keyOf] of Object.entries(groups)) {
      const res = await call(`/api/v1/reports?from=${from}&to=${new Date(to).toISOString()}&groupBy=${groupBy}`, { token: w.supervisor.token });
      expect(res.status, groupBy).toBe(200);
      const keys = [...new Set(inRange.map(keyOf))].sort();
      expect(res.data.rows.map((r: any) => r.key), groupBy).toEqual(keys);
      for (const row of res.data.rows) {
        const members = inRange.filter((s) => keyOf(s) === row.key);
        const targets = new Set(members.map((m) => m.targetS));
        expect(row.figures, `${groupBy} ${row.key}`).toEqual(expectedFigures(members, targets.size === 1 ? members[0]!.targetS : null));
      }
      expect(res.data.total).toEqual(expectedFigures(inRange, null));
    }
    const byQueue = await call(`/api/v1/reports?from=${from}&to=${to}&groupBy=queue`, { token: w.admin.token });
    expect(byQueue.data.rows.find((r: any) => r.key === w.q1).name).toMatch(/^Satış /);
    const one = await call(`/api/v1/reports?from=${from}&to=${to}&groupBy=agent&queueId=${w.q2}`, { token: w.admin.token });
    expect(one.data.total).toEqual(expectedFigures(inRange.filter((s) => s.queueId === w.q2), 30));

    // In Istanbul (UTC+3) the days start three hours earlier.
    const ist = await call(`/api/v1/reports?from=${from}&to=${to}&groupBy=day&timeZone=Europe/Istanbul`, { token: w.admin.token });
    const istKey = (s: Spec) => new Date(s.createdAt + 3 * 3_600_000).toISOString().slice(0, 10);
    expect(ist.data.rows.map((r: any) => [r.key, r.figures.created])).toEqual([...new Set(inRange.map(istKey))].sort().map((k) => [k, inRange.filter((s) => istKey(s) === k).length]));

    const csv = await call(`/api/v1/reports.csv?from=${from}&to=${to}&groupBy=queue`, { token: w.supervisor.token });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    const text = csv.text.replace(/^\uFEFF/, "");
    const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.meta.fields).toEqual(reportColumns);
    expect(parsed.data).toHaveLength(byQueue.data.rows.length + 1);
    for (const row of byQueue.data.rows) {
      const line = parsed.data.find((l) => l.group === row.key)!;
      expect(line.created).toBe(String(row.figures.created));
      expect(line.first_response_p90_s).toBe(row.figures.firstResponse.p90S === null ? "" : String(row.figures.firstResponse.p90S));
      expect(line.service_level_pct).toBe(row.figures.serviceLevel.pct === null ? "" : String(row.figures.serviceLevel.pct));
    }
    // A queue named like a formula is shown, not run.
    expect(parsed.data.find((l) => l.group === w.q2)!.name).toMatch(/^'=HYPERLINK\("http:\/\/x"\) /);
    expect(parsed.data.at(-1)).toMatchObject({ group: "total", created: String(inRange.length) });
  }, 30_000);

  it("is for supervisors and admins, refuses unknown parameters and bad ranges", async () => {
    const q1 = await seedQueue();
    const [admin, supervisor, agent] = await Promise.all([seedUser("admin"), seedUser("supervisor"), seedUser("agent", { queues: [q1] })]);
    const w = { admin, supervisor, agent };
    for (const path of ["/api/v1/reports", "/api/v1/reports.csv"]) {
      const q = `?from=${START}&to=${START + DAY}`;
      expect((await call(path + q, { token: w.admin.token })).status, path).toBe(200);
      expect((await call(path + q, { token: w.supervisor.token })).status, path).toBe(200);
      expect((await call(path + q, { token: w.agent.token })).status, path).toBe(403);
      expect((await call(path + q)).status, path).toBe(401);
      expect((await call(`${path}${q}&status=open`, { token: w.admin.token })).status, path).toBe(400);
      expect((await call(`${path}?from=${START + DAY}&to=${START}`, { token: w.admin.token })).status, path).toBe(400);
      expect((await call(`${path}?from=${START}&to=${START + 400 * DAY}`, { token: w.admin.token })).status, path).toBe(400);
      expect((await call(`${path}${q}&groupBy=week`, { token: w.admin.token })).status, path).toBe(400);
      expect((await call(`${path}${q}&timeZone=Mars/Olympus`, { token: w.admin.token })).status, path).toBe(400);
    }
  });

  it("reads the tickets in the range only, through the creation-time indexes (D1 meta), however long the history", async () => {
    const queueId = await seedQueue();
    const other = await seedQueue();
    const accountId = (await seedAccount(queueId)).id;
    const otherAccount = (await seedAccount(other)).id;
    const admin = await seedUser("admin");
    const agent = await seedUser("agent", { queues: [queueId] });
    const BASE_T = Date.UTC(2023, 0, 1);
    const contact = await env.DB.prepare("INSERT INTO contacts (account_id, external_id, address, display_name) VALUES (?1, 'rr', 'rr', 'x') RETURNING id").bind(accountId).first<{ id: number }>();
    const otherContact = await env.DB.prepare("INSERT INTO contacts (account_id, external_id, address, display_name) VALUES (?1, 'rr', 'rr', 'x') RETURNING id").bind(otherAccount).first<{ id: number }>();
    // 30,000 tickets a minute apart, half in another queue; the range holds 200 of them (100 of this queue).
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 29999)
       INSERT INTO tickets (account_id, contact_id, queue_id, status, assignee_id, created_at, updated_at, last_message_at, assigned_at, first_reply_at, closed_at)
       SELECT CASE i % 2 WHEN 0 THEN ?1 ELSE ?2 END, CASE i % 2 WHEN 0 THEN ${contact!.id} ELSE ${otherContact!.id} END, CASE i % 2 WHEN 0 THEN ?3 ELSE ?4 END,
         'closed', ?5, ${BASE_T} + i * 60000, ${BASE_T} + i * 60000, ${BASE_T} + i * 60000, ${BASE_T} + i * 60000 + 5000, ${BASE_T} + i * 60000 + 30000, ${BASE_T} + i * 60000 + 600000
       FROM n`,
    )
      .bind(accountId, otherAccount, queueId, other, agent.id)
      .run();
    const meter = meteredD1(env.DB);
    const app = createApp();
    const from = BASE_T + 15_000 * 60_000;
    const to = from + 200 * 60_000;
    const measure = async (path: string) => {
      const ctx = createExecutionContext();
      meter.reset();
      const res = await app.fetch(new Request(`${BASE}${path}`, { headers: { Authorization: `Bearer ${admin.token}` } }), { ...env, DB: meter.db }, ctx);
      await waitOnExecutionContext(ctx);
      expect(res.status, path).toBe(200);
      const body = (await res.json()) as { total: { created: number } };
      return { created: body.total.created, rowsRead: meter.rowsRead() };
    };
    const all = await measure(`/api/v1/reports?from=${from}&to=${to}&groupBy=queue`);
    expect(all.created).toBe(200);
    const FIXED = 40; // the token, the queues' settings, names
    expect(all.rowsRead).toBeLessThanOrEqual(200 + FIXED);
    const mine = await measure(`/api/v1/reports?from=${from}&to=${to}&groupBy=agent&queueId=${queueId}`);
    expect(mine.created).toBe(100);
    expect(mine.rowsRead).toBeLessThanOrEqual(100 + FIXED);
    console.log(`report rows read among 30,000 tickets: ${all.rowsRead} for 200 in range (all queues), ${mine.rowsRead} for 100 (one queue)`);
  }, 60_000);
});
