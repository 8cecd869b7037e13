import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { BASE, call, seedAccount, seedTicket, seedUser, seedWorld, type SeededUser } from "../helpers/api";
import { meteredD1 } from "../helpers/metered-d1";

// GET /api/v1/tickets/{id} says what closing the ticket takes (`closing`: its account's
// dispositions and whether one is required), to whoever may read the ticket, in the same read as
// the ticket itself: the desk offers the dispositions before the first close.

const setConversation = (accountId: string, conversation: Record<string, unknown>) =>
  env.DB.prepare("UPDATE channel_accounts SET conversation = ?2 WHERE id = ?1").bind(accountId, JSON.stringify(conversation)).run();

const app = createApp();

/** The SQL of every statement prepared on the binding it wraps. */
function recording(real: D1Database) {
  const sqls: string[] = [];
  const db = new Proxy(real, {
    get(target, prop) {
      if (prop === "prepare") {
        return (sql: string) => {
          sqls.push(sql);
          return target.prepare(sql);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, sqls };
}

/** The detail as a client reads it, with D1's own count of the statements and rows it took, and their SQL. */
async function metered(user: SeededUser, ticketId: number) {
  const rec = recording(env.DB);
  const meter = meteredD1(rec.db);
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`${BASE}/api/v1/tickets/${ticketId}`, { headers: { Authorization: `Bearer ${user.token}` } }), { ...env, DB: meter.db }, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: (await res.json()) as any, statements: meter.statements(), rowsRead: meter.rowsRead(), sqls: rec.sqls };
}

describe("GET /api/v1/tickets/{id}: what closing the ticket takes", () => {
  it("the account's dispositions and Mandatory Disposition, for the agents of its queue, supervisors and admins; another queue's agent gets 404 as before", async () => {
    const { admin, supervisor, agent, queueId, otherQueueId } = await seedWorld();
    const otherAgent = await seedUser("agent", { queues: [otherQueueId] });
    const account = await seedAccount(queueId);
    await setConversation(account.id, { dispositions: ["Solved", "Çözüldü", "Follow-up"], mandatoryDisposition: true });
    const { ticketId } = await seedTicket(account.id, queueId);
    const closing = { dispositions: ["Solved", "Çözüldü", "Follow-up"], dispositionRequired: true };

    for (const user of [agent, supervisor, admin]) {
      const res = await call(`/api/v1/tickets/${ticketId}`, { token: user.token });
      expect(res.status, user.role).toBe(200);
      expect(res.data.closing, user.role).toEqual(closing);
    }
    const hidden = await call(`/api/v1/tickets/${ticketId}`, { token: otherAgent.token });
    expect(hidden.status).toBe(404);
    expect(hidden.data).toEqual({ error: { code: "not_found", message: "Ticket not found" } });
    // The other way round: the agent of the first queue does not see the other queue's ticket.
    const theirs = await seedTicket(account.id, otherQueueId);
    expect((await call(`/api/v1/tickets/${theirs.ticketId}`, { token: agent.token })).status).toBe(404);
    expect((await call(`/api/v1/tickets/${theirs.ticketId}`, { token: otherAgent.token })).data.closing).toEqual(closing);
    expect((await call("/api/v1/tickets/999999999", { token: admin.token })).status).toBe(404);
  });

  it("an account without dispositions: none, none required; with optional ones: listed, not required", async () => {
    const { agent, queueId } = await seedWorld();
    const plain = await seedAccount(queueId);
    const optional = await seedAccount(queueId);
    await setConversation(optional.id, { dispositions: ["resolved", "follow-up"] });
    const a = await seedTicket(plain.id, queueId);
    const b = await seedTicket(optional.id, queueId);
    expect((await call(`/api/v1/tickets/${a.ticketId}`, { token: agent.token })).data.closing).toEqual({ dispositions: [], dispositionRequired: false });
    expect((await call(`/api/v1/tickets/${b.ticketId}`, { token: agent.token })).data.closing).toEqual({ dispositions: ["resolved", "follow-up"], dispositionRequired: false });
  });

  it("is what the close decides by: refused without a disposition where required, taken with one the detail lists", async () => {
    const { supervisor, queueId } = await seedWorld();
    const account = await seedAccount(queueId);
    await setConversation(account.id, { dispositions: ["Solved", "Çözüldü"], mandatoryDisposition: true });
    const { ticketId } = await seedTicket(account.id, queueId);
    const { closing } = (await call(`/api/v1/tickets/${ticketId}`, { token: supervisor.token })).data;
    expect(closing.dispositionRequired).toBe(true);

    const refused = await call(`/api/v1/tickets/${ticketId}/close`, { method: "POST", token: supervisor.token, json: {} });
    expect(refused.status).toBe(400);
    expect(refused.data.error.code).toBe("disposition_required");
    const closed = await call(`/api/v1/tickets/${ticketId}/close`, { method: "POST", token: supervisor.token, json: { disposition: closing.dispositions[1] } });
    expect(closed.status).toBe(200);
    expect(closed.data).toMatchObject({ status: "closed", disposition: "Çözüldü" });
    // An admin's later change of the list shows on the next read.
    await setConversation(account.id, { dispositions: ["Solved"] });
    expect((await call(`/api/v1/tickets/${ticketId}`, { token: supervisor.token })).data.closing).toEqual({ dispositions: ["Solved"], dispositionRequired: false });
  });

  it("costs no extra D1 round trip: the ticket, its account's settings and the agent's membership are one statement", async () => {
    const { admin, agent, queueId } = await seedWorld();
    const account = await seedAccount(queueId);
    await setConversation(account.id, { dispositions: ["Solved", "Çözüldü"], mandatoryDisposition: true });
    const { ticketId } = await seedTicket(account.id, queueId, ["one", "two", "three"]);

    const asAgent = await metered(agent, ticketId);
    const asAdmin = await metered(admin, ticketId);
    for (const r of [asAgent, asAdmin]) {
      expect(r.status).toBe(200);
      expect(r.body.closing).toEqual({ dispositions: ["Solved", "Çözüldü"], dispositionRequired: true });
      // One statement reads the ticket: it joins its account's settings and asks the membership.
      const head = r.sqls.filter((q) => /from "tickets"/i.test(q));
      expect(head).toHaveLength(1);
      expect(head[0]).toMatch(/from "tickets" left join "channel_accounts"/);
      expect(head[0]).toMatch(/"channel_accounts"\."conversation"/);
      expect(r.sqls.filter((q) => /queue_members/i.test(q))).toEqual(head);
      // The other statements that name the account are the ones the detail ran before (the reply window's).
      expect(r.sqls.filter((q) => /channel_accounts/i.test(q) && q !== head[0]).every((q) => /a\.provider, a\.settings/.test(q))).toBe(true);
    }
    // An agent's read takes as many statements as an admin's: the membership rides in the ticket's.
    expect(asAgent.statements).toBe(asAdmin.statements);
    console.log(`ticket detail: ${asAgent.statements} statements (agent), ${asAdmin.statements} (admin); rows read ${asAgent.rowsRead} (agent), ${asAdmin.rowsRead} (admin)`);
  });
});
