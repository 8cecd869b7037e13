import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AgentClient, count, createUser, postTelegram, telegramUpdate } from "../helpers/hub";
import { cleanUp, connect, desk, stubBotApi, type BotCall } from "../helpers/session";

let n = 0;

describe("agent actions over the socket", () => {
  let calls: BotCall[];
  let agent: AgentClient;
  let ticketId: number;
  const chatId = 6100001;

  beforeEach(async () => {
    calls = stubBotApi({ firstMessageId: 701 });
    const { queueId, key } = await desk();
    agent = await connect((await createUser({ queues: [queueId] })).token, queueId);
    await postTelegram(key, telegramUpdate({ updateId: 80000 + ++n, userId: chatId, messageId: 1 }));
    ticketId = (await agent.next("offer")).ticket.id;
    agent.send({ type: "accept", ticketId });
    await agent.next("ticket.assigned");
  });

  afterEach(cleanUp);

  it("stores and sends a reply re-sent with the same client id once", async () => {
    agent.send({ type: "reply", ticketId, text: "Bir dakika lütfen 🙏", clientMsgId: "same-id" });
    agent.send({ type: "reply", ticketId, text: "Bir dakika lütfen 🙏", clientMsgId: "same-id" });
    const first = await agent.next("reply.queued");
    const second = await agent.next("reply.queued");
    expect(second.message.id).toBe(first.message.id);
    await agent.next("delivery", 15_000);
    expect(await count("messages", "ticket_id = ?1 AND direction = 'out'", ticketId)).toBe(1);
    expect(calls.filter((c) => c.method === "sendMessage")).toHaveLength(1);
  });

  it("edits a sent reply with editMessageText, keeping the old text as a revision", async () => {
    agent.send({ type: "reply", ticketId, text: "Kargo 3 gün içinde", clientMsgId: "e-1" });
    const queued = await agent.next("reply.queued");
    await agent.next("delivery", 15_000);

    agent.send({ type: "edit", ticketId, messageId: queued.message.id, text: "Kargo 2 gün içinde ✅" });
    const updated = await agent.next("message.updated");
    expect(updated.message).toMatchObject({ id: queued.message.id, body: "Kargo 2 gün içinde ✅" });
    expect(updated.message.editedAt).toBeGreaterThan(0);

    await vi.waitFor(() => expect(calls.map((c) => c.method)).toContain("editMessageText"), { timeout: 15_000, interval: 50 });
    expect(calls.find((c) => c.method === "editMessageText")!.body).toEqual({ chat_id: chatId, message_id: 701, text: "Kargo 2 gün içinde ✅" });
    const revisions = await env.DB.prepare("SELECT body FROM message_revisions WHERE message_id = ?1").bind(queued.message.id).all();
    expect(revisions.results).toEqual([{ body: "Kargo 3 gün içinde" }]);
  });

  it("refuses to edit a reply that has not been sent yet, or someone else's message", async () => {
    const unsent = await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, body, status) SELECT account_id, id, 'out', 'x', 'queued' FROM tickets WHERE id = ?1 RETURNING id")
      .bind(ticketId)
      .first<{ id: number }>();
    agent.send({ type: "edit", ticketId, messageId: unsent!.id, text: "y" });
    expect((await agent.next("error")).code).toBe("not_sent_yet");
    const inbound = await env.DB.prepare("SELECT id FROM messages WHERE ticket_id = ?1 AND direction = 'in'").bind(ticketId).first<{ id: number }>();
    agent.send({ type: "edit", ticketId, messageId: inbound!.id, text: "y" });
    expect((await agent.next("error")).code).toBe("no_such_message");
    expect(calls).toHaveLength(0);
  });

  it("tells the agent a rate-limited reply will be retried, then that it was sent", async () => {
    const realFetch = fetch as unknown as ReturnType<typeof vi.fn>;
    const answer = realFetch.getMockImplementation()!;
    realFetch.mockImplementationOnce(async () =>
      Response.json({ ok: false, error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } }, { status: 429 }),
    );
    realFetch.mockImplementation(answer);
    agent.send({ type: "reply", ticketId, text: "Yoğunluk var, az sonra 🙏", clientMsgId: "rl-1" });
    const queued = await agent.next("reply.queued");
    const retrying = await agent.next("delivery", 15_000);
    expect(retrying).toMatchObject({ messageId: queued.message.id, status: "queued", reason: "will retry: Too Many Requests: retry after 1" });
    const sent = await agent.next("delivery", 20_000);
    expect(sent).toMatchObject({ messageId: queued.message.id, status: "sent", reason: null });
  }, 30_000);

  it("refuses a reply on a ticket after it is closed", async () => {
    agent.send({ type: "close", ticketId });
    await agent.next("ticket.closed");
    agent.send({ type: "reply", ticketId, text: "hello?", clientMsgId: "late" });
    expect((await agent.next("error")).code).toBe("not_your_ticket");
    expect(await count("messages", "ticket_id = ?1 AND direction = 'out'", ticketId)).toBe(0);
  });
});
