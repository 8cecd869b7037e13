import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { redeemSocketTicket } from "../../src/routes/api/socket-tickets";
import { sha256Hex } from "../../src/security/crypto";
import { call, PASSWORD, seedUser } from "../helpers/api";
import { BASE, settle } from "../helpers/hub";
import { cleanUp, queue, trackSocket } from "../helpers/session";

// A browser opens its socket with a short-lived, single-use ticket from the API rather than its
// long-lived token in the URL (URLs end up in logs).

afterEach(cleanUp);

const ACCESS_ENDED = 4004;

async function ticketFor(token: string) {
  const res = await call("/api/v1/auth/socket-ticket", { method: "POST", token });
  expect(res.status, res.text).toBe(200);
  return res.data as { ticket: string; expiresAt: number };
}

const upgrade = (path: string, headers: Record<string, string> = {}) => exports.default.fetch(`${BASE}${path}`, { headers: { Upgrade: "websocket", ...headers } });

/** Accepts an upgraded socket and keeps its frames and how it closed. */
function open(res: Response) {
  expect(res.status).toBe(101);
  const ws = trackSocket(res.webSocket!);
  const room = { frames: [] as any[], closeCode: undefined as number | undefined };
  ws.addEventListener("message", (e) => room.frames.push(JSON.parse(e.data as string)));
  ws.addEventListener("close", (e) => {
    room.closeCode = e.code;
  });
  ws.accept();
  return room;
}

async function frame(room: { frames: any[] }, type: string) {
  for (let i = 0; i < 100; i++) {
    const found = room.frames.find((f) => f.type === type);
    if (found) return found;
    await settle();
  }
  throw new Error(`no ${type} frame; got ${JSON.stringify(room.frames.map((f) => f.type))}`);
}

async function refused(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.webSocket).toBeNull();
  const body = (await res.json()) as any;
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  return body;
}

describe("POST /api/v1/auth/socket-ticket", () => {
  it("gives a signed-in agent a ticket that opens their socket once, and the socket works", async () => {
    const queueId = await queue();
    const agent = await seedUser("agent", { password: PASSWORD, queues: [queueId] });
    const login = await call("/api/v1/auth/login", { method: "POST", json: { email: agent.email, password: PASSWORD } });
    const before = Date.now();
    const { ticket, expiresAt } = await ticketFor(login.data.token);
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 30_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30_000);

    const room = open(await upgrade(`/agent/ws?queue=${queueId}&ticket=${ticket}`));
    expect((await frame(room, "hello")).agent).toMatchObject({ id: agent.id });

    const again = await refused(await upgrade(`/agent/ws?queue=${queueId}&ticket=${ticket}`), 401, "unauthorized");
    expect(again).toEqual({ error: { code: "unauthorized", message: "Missing or invalid credentials" } });
  });

  it("refuses without a bearer token, and a token no longer valid", async () => {
    expect((await call("/api/v1/auth/socket-ticket", { method: "POST" })).status).toBe(401);
    const expired = await seedUser("agent", { expiresAt: Date.now() - 1000 });
    expect((await call("/api/v1/auth/socket-ticket", { method: "POST", token: expired.token })).status).toBe(401);
    expect(await rowsFor(expired.id)).toBe(0);
  });

  it("stores the ticket hashed: the raw ticket appears nowhere in D1", async () => {
    const agent = await seedUser("agent");
    const { ticket, expiresAt } = await ticketFor(agent.token);
    const stored = await env.DB.prepare("SELECT s.* FROM socket_tickets s JOIN api_tokens t ON t.id = s.token_id WHERE t.user_id = ?1").bind(agent.id).all<any>();
    expect(stored.results).toEqual([{ ticket_hash: await sha256Hex(ticket), token_id: expect.any(String), expires_at: expiresAt }]);

    const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'").all<{ name: string }>();
    expect(tables.results.map((t) => t.name)).toContain("socket_tickets");
    for (const { name } of tables.results) {
      const { results } = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
      const text = JSON.stringify(results, (_k, v) => (v instanceof ArrayBuffer ? new TextDecoder().decode(v) : v));
      expect(text.includes(ticket), name).toBe(false);
    }
  });
});

describe("opening a socket with a ticket", () => {
  it("401 for an unknown ticket, an expired one and a used one, before any upgrade", async () => {
    const queueId = await queue();
    const agent = await seedUser("agent", { queues: [queueId] });
    await refused(await upgrade(`/agent/ws?queue=${queueId}&ticket=no-such-ticket`), 401, "unauthorized");

    const { ticket } = await ticketFor(agent.token);
    await env.DB.prepare("UPDATE socket_tickets SET expires_at = ?2 WHERE ticket_hash = ?1").bind(await sha256Hex(ticket), Date.now() - 1).run();
    await refused(await upgrade(`/agent/ws?queue=${queueId}&ticket=${ticket}`), 401, "unauthorized");
    expect(await rowsFor(agent.id)).toBe(0);

    // The same ticket twice at once: one socket, one 401.
    const twice = (await ticketFor(agent.token)).ticket;
    const [a, b] = await Promise.all([0, 1].map(() => upgrade(`/agent/ws?queue=${queueId}&ticket=${twice}`)));
    expect([a!.status, b!.status].sort()).toEqual([101, 401]);
    open([a, b].find((r) => r!.status === 101)!);
  });

  it("401 for a ticket of a user deactivated since, or whose token was revoked", async () => {
    const queueId = await queue();
    const admin = await seedUser("admin");
    const agent = await seedUser("agent", { queues: [queueId] });
    const asked = await ticketFor(agent.token);
    await env.DB.prepare("UPDATE users SET active = 0 WHERE id = ?1").bind(agent.id).run();
    await refused(await upgrade(`/agent/ws?queue=${queueId}&ticket=${asked.ticket}`), 401, "unauthorized");

    const other = await seedUser("agent", { queues: [queueId] });
    const pending = await ticketFor(other.token);
    expect((await call(`/api/v1/users/${other.id}`, { method: "PATCH", token: admin.token, json: { active: false } })).status).toBe(200);
    expect(await rowsFor(other.id)).toBe(0);
    await refused(await upgrade(`/agent/ws?queue=${queueId}&ticket=${pending.ticket}`), 401, "unauthorized");

    const third = await seedUser("agent", { password: PASSWORD, queues: [queueId] });
    const login = await call("/api/v1/auth/login", { method: "POST", json: { email: third.email, password: PASSWORD } });
    const unused = await ticketFor(login.data.token);
    expect((await call("/api/v1/auth/logout", { method: "POST", token: login.data.token })).status).toBe(204);
    await refused(await upgrade(`/agent/ws?queue=${queueId}&ticket=${unused.ticket}`), 401, "unauthorized");
  });

  it("an agent's ticket on /supervisor/ws is 403, as the token would be; a supervisor's opens it", async () => {
    const queueId = await queue();
    const agent = await seedUser("agent", { queues: [queueId] });
    await refused(await upgrade(`/supervisor/ws?queue=${queueId}&ticket=${(await ticketFor(agent.token)).ticket}`), 403, "forbidden");
    await refused(await upgrade(`/supervisor/ws?queue=${queueId}`, { Authorization: `Bearer ${agent.token}` }), 403, "forbidden");

    const supervisor = await seedUser("supervisor");
    const room = open(await upgrade(`/supervisor/ws?queue=${queueId}&ticket=${(await ticketFor(supervisor.token)).ticket}`));
    expect((await frame(room, "queue.state")).agents).toEqual([]);
  });

  it("a socket opened with a ticket closes (4004) when the token it was asked with is revoked", async () => {
    const queueId = await queue();
    const agent = await seedUser("agent", { password: PASSWORD, queues: [queueId] });
    const login = await call("/api/v1/auth/login", { method: "POST", json: { email: agent.email, password: PASSWORD } });
    const room = open(await upgrade(`/agent/ws?queue=${queueId}&ticket=${(await ticketFor(login.data.token)).ticket}`));
    await frame(room, "hello");
    expect((await call("/api/v1/auth/logout", { method: "POST", token: login.data.token })).status).toBe(204);
    for (let i = 0; i < 100 && room.closeCode === undefined; i++) await settle();
    expect(room.closeCode).toBe(ACCESS_ENDED);
  });

  it("refuses unknown parameters and a ticket given with a token (400) without spending the ticket", async () => {
    const queueId = await queue();
    const agent = await seedUser("agent", { queues: [queueId] });
    const { ticket } = await ticketFor(agent.token);

    const unknown = await refused(await upgrade(`/agent/ws?queue=${queueId}&ticket=${ticket}&token=${agent.token}`), 400, "validation_failed");
    expect(unknown.error.details).toEqual([{ path: "token", message: expect.stringMatching(/^Unknown query parameter; this route takes queue, lastSeq, ticket, access_token$/) }]);
    await refused(await upgrade(`/supervisor/ws?queue=${queueId}&tiket=${ticket}`), 400, "validation_failed");
    await refused(await upgrade(`/agent/ws?queue=${queueId}&ticket=${ticket}&access_token=${agent.token}`), 400, "validation_failed");
    await refused(await upgrade(`/agent/ws?queue=${queueId}&ticket=${ticket}`, { Authorization: `Bearer ${agent.token}` }), 400, "validation_failed");
    expect(await rowsFor(agent.id)).toBe(1);

    open(await upgrade(`/agent/ws?queue=${queueId}&ticket=${ticket}`));
  });

  it("the header and ?access_token= still open sockets", async () => {
    const queueId = await queue();
    const agent = await seedUser("agent", { queues: [queueId] });
    await frame(open(await upgrade(`/agent/ws?queue=${queueId}`, { Authorization: `Bearer ${agent.token}` })), "hello");
    await frame(open(await upgrade(`/agent/ws?queue=${queueId}&access_token=${agent.token}`)), "hello");
  });
});

describe("spending a ticket", () => {
  it("is one D1 round trip (one batch), and gives the session of the token it was asked with", async () => {
    const agent = await seedUser("agent");
    const { ticket } = await ticketFor(agent.token);
    const trips: string[] = [];
    // Every statement run on its own is a round trip, and so is a batch (its statements are not counted again).
    const raw = new WeakMap<object, D1PreparedStatement>();
    const wrap = (sql: string, stmt: D1PreparedStatement): D1PreparedStatement => {
      const wrapped = new Proxy(stmt, {
        get(s, p) {
          if (p === "bind") return (...args: unknown[]) => wrap(sql, s.bind(...args));
          const v = Reflect.get(s, p, s);
          if (["run", "all", "first", "raw"].includes(String(p))) return (...args: unknown[]) => (trips.push(sql), (v as Function).apply(s, args));
          return typeof v === "function" ? v.bind(s) : v;
        },
      });
      raw.set(wrapped, stmt);
      return wrapped;
    };
    const counted = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "prepare") return (sql: string) => wrap(sql, target.prepare(sql));
        if (prop === "batch") return (stmts: D1PreparedStatement[]) => (trips.push("batch"), target.batch(stmts.map((x) => raw.get(x) ?? x)));
        if (prop === "exec" || prop === "withSession") throw new Error(`unexpected ${String(prop)}`);
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const session = await redeemSocketTicket(counted, ticket);
    expect(trips).toEqual(["batch"]);
    const token = await env.DB.prepare("SELECT id FROM api_tokens WHERE user_id = ?1").bind(agent.id).first<{ id: string }>();
    expect(session).toEqual({ principal: { userId: agent.id, role: "agent", displayName: expect.any(String) }, tokenId: token!.id, expiresAt: null });
    expect(await redeemSocketTicket(env.DB, ticket)).toBeNull();
  });
});

describe("expired tickets", () => {
  it("are deleted by the cron trigger; unexpired ones stay", async () => {
    const agent = await seedUser("agent");
    const old = await ticketFor(agent.token);
    const fresh = await ticketFor(agent.token);
    await env.DB.prepare("UPDATE socket_tickets SET expires_at = ?2 WHERE ticket_hash = ?1").bind(await sha256Hex(old.ticket), Date.now() - 60_000).run();
    await worker.scheduled!({ cron: "* * * * *", scheduledTime: Date.now(), noRetry() {} } as ScheduledController, env);
    const left = await env.DB.prepare("SELECT ticket_hash FROM socket_tickets s JOIN api_tokens t ON t.id = s.token_id WHERE t.user_id = ?1").bind(agent.id).all<{ ticket_hash: string }>();
    expect(left.results.map((r) => r.ticket_hash)).toEqual([await sha256Hex(fresh.ticket)]);
  });
});

async function rowsFor(userId: string) {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM socket_tickets s JOIN api_tokens t ON t.id = s.token_id WHERE t.user_id = ?1").bind(userId).first<{ n: number }>();
  return row!.n;
}
