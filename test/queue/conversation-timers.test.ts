import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RoutingConfig } from "../../src/domain/routing-config";
import { AgentClient, BOT_API, createUser, fireTimers, postTelegram, queueStub, telegramUpdate } from "../helpers/hub";
import { cleanUp, connect, desk } from "../helpers/session";

let updateId = 80_000;
let userSeq = 9_700_000;

afterEach(cleanUp);

async function world(routing: Partial<RoutingConfig>) {
  const { queueId, key } = await desk({ routing });
  const user = await createUser({ queues: [queueId] });
  const agent = await connect(user.token, queueId);
  return { queueId, key, agent };
}

async function customerWrites(key: string, customer: number, messageId: number, text = "Merhaba") {
  expect((await postTelegram(key, telegramUpdate({ updateId: ++updateId, userId: customer, messageId, text }))).status).toBe(200);
}

async function held(key: string, agent: AgentClient) {
  const customer = ++userSeq;
  await customerWrites(key, customer, 1);
  const ticketId = (await agent.next("offer")).ticket.id as number;
  agent.send({ type: "accept", ticketId });
  await agent.next("ticket.assigned");
  return { ticketId, customer };
}

const conversation = (ticketId: number) =>
  env.DB.prepare("SELECT open, end_reason FROM conversations WHERE ticket_id = ?1 ORDER BY id DESC LIMIT 1").bind(ticketId).first<any>();
const ticket = (ticketId: number) => env.DB.prepare("SELECT status, assignee_id, tags FROM tickets WHERE id = ?1").bind(ticketId).first<any>();

describe("conversation timers", () => {
  it("Idle Session Timeout: silence on both sides closes the conversation and the ticket", async () => {
    const { queueId, key, agent } = await world({ idleSessionTimeoutS: 900, closedWebchatDisplayTimeS: 20 });
    const { ticketId } = await held(key, agent);
    const before = Date.now();
    await fireTimers(queueId, "idle_session");
    const ended = await agent.next("conversation.ended");
    expect(ended).toMatchObject({ ticketId, reason: "idle_session_timeout", ticketClosed: true });
    expect(ended.displayUntil).toBeGreaterThanOrEqual(before + 20_000);
    expect(await conversation(ticketId)).toEqual({ open: null, end_reason: "idle_session_timeout" });
    expect((await ticket(ticketId)).status).toBe("closed");
    expect((await queueStub(queueId).snapshot()).tickets).toEqual([]);
  });

  it("Session Timeout: the conversation ends, the customer is sent the Session Timeout Message, the ticket stays open and comes back on the next message", async () => {
    const sent: any[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init: RequestInit) => {
        sent.push({ url, body: JSON.parse(String(init.body)) });
        return Response.json({ ok: true, result: { message_id: 900, date: 1, chat: { id: 1, type: "private" }, text: "x" } });
      }),
    );
    const { queueId, key, agent } = await world({ sessionTimeoutS: 1800, sessionTimeoutMessage: "Görüşme süremiz doldu, tekrar yazabilirsiniz 🙏" });
    const { ticketId, customer } = await held(key, agent);
    await fireTimers(queueId, "session_limit");
    expect(await agent.next("conversation.ended")).toMatchObject({ ticketId, reason: "session_timeout", ticketClosed: false });
    expect(await conversation(ticketId)).toEqual({ open: null, end_reason: "session_timeout" });
    expect(await ticket(ticketId)).toMatchObject({ status: "open", assignee_id: null });

    await vi.waitFor(() => expect(sent).toHaveLength(1), { timeout: 10_000, interval: 50 });
    expect(sent[0]).toEqual({ url: `${BOT_API}/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage`, body: { chat_id: customer, text: "Görüşme süremiz doldu, tekrar yazabilirsiniz 🙏" } });
    await vi.waitFor(async () => {
      const notice = await env.DB.prepare("SELECT direction, status FROM messages WHERE ticket_id = ?1 AND direction = 'system'").bind(ticketId).first();
      expect(notice).toEqual({ direction: "system", status: "sent" });
    }, { timeout: 10_000, interval: 50 });

    await customerWrites(key, customer, 2, "Bir sorum daha var");
    const again = await agent.next("offer");
    expect(again.ticket.id).toBe(ticketId);
    expect(await conversation(ticketId)).toEqual({ open: 1, end_reason: null });
  });

  it("Message Timeout: minutes without a message end the conversation; the ticket stays open", async () => {
    const { queueId, key, agent } = await world({ messageTimeoutMin: 30 });
    const { ticketId } = await held(key, agent);
    await fireTimers(queueId, "message_timeout");
    expect(await agent.next("conversation.ended")).toMatchObject({ reason: "message_timeout", ticketClosed: false });
    expect((await ticket(ticketId)).status).toBe("open");
  });

  it("Agent Message Timeout: an agent message the customer never answers ends the conversation; an answer in time stops it", async () => {
    const { queueId, key, agent } = await world({ agentMessageTimeoutS: 600 });
    const { ticketId, customer } = await held(key, agent);
    agent.send({ type: "reply", ticketId, text: "Siparişinizi kontrol ettim", clientMsgId: "a1" });
    await agent.next("reply.queued");
    expect((await queueStub(queueId).snapshot()).timers.map((t) => t.kind)).toContain("agent_message");
    await customerWrites(key, customer, 2, "Teşekkürler");
    await agent.next("message");
    expect((await queueStub(queueId).snapshot()).timers.map((t) => t.kind)).not.toContain("agent_message");

    agent.send({ type: "reply", ticketId, text: "Başka bir şey var mı?", clientMsgId: "a2" });
    await agent.next("reply.queued");
    await fireTimers(queueId, "agent_message");
    expect(await agent.next("conversation.ended")).toMatchObject({ ticketId, reason: "customer_silent" });
    expect(await conversation(ticketId)).toEqual({ open: null, end_reason: "customer_silent" });
  });

  it("Contact Message Timeout: an unanswered customer escalates the ticket and puts it first in line", async () => {
    const { queueId, key, agent } = await world({ contactMessageTimeoutS: 300 });
    agent.send({ type: "presence", status: "away" });
    await agent.next("presence");
    await customerWrites(key, ++userSeq, 1, "Birinci");
    await customerWrites(key, ++userSeq, 1, "İkinci");
    const [first, second] = (await queueStub(queueId).snapshot()).tickets.map((t) => t.id);
    // Only the second ticket's clock runs out.
    await fireTimers(queueId).catch(() => undefined);
    expect(JSON.parse((await ticket(second!)).tags)).toEqual(["escalated"]);
    expect(JSON.parse((await ticket(first!)).tags)).toEqual(["escalated"]);
    const order = (await queueStub(queueId).snapshot()).tickets.map((t) => t.id);
    expect(order).toHaveLength(2);
    expect(await queueStub(queueId).queueStatus(order[0]!)).toMatchObject({ position: 1 });
  });
});
