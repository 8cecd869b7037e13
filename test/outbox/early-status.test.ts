import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { OutboxMessage } from "../../src/outbox/message";
import { createAccount, createQueue, createUser } from "../helpers/hub";
import { ACCOUNT_SID, creds, jsonResponse, postTwilio, settings, stubFetch } from "../providers/twilio/helpers";

async function deliver(messageId: number) {
  const batch = {
    queue: "channel-hub-outbox",
    messages: [{ id: "m1", timestamp: new Date(), attempts: 1, body: { messageId }, ack() {}, retry() {} }],
  } as unknown as MessageBatch<OutboxMessage>;
  await worker.queue(batch, env);
}

describe("a delivery report that outruns the send's own answer", () => {
  it("is kept and applied when the send records the provider's id, forward only", async () => {
    const queueId = await createQueue();
    const account = await createAccount({ provider: "twilio", queueId, credentials: creds, settings });
    const agent = await createUser({ queues: [queueId] });
    const contact = await env.DB.prepare("INSERT INTO contacts (account_id, external_id, address, display_name) VALUES (?1, '905321112233', 'whatsapp:+905321112233', 'Deniz') RETURNING id")
      .bind(account.id)
      .first<{ id: number }>();
    const ticket = await env.DB.prepare("INSERT INTO tickets (account_id, contact_id, queue_id, status, current, assignee_id) VALUES (?1, ?2, ?3, 'assigned', 1, ?4) RETURNING id")
      .bind(account.id, contact!.id, queueId, agent.id)
      .first<{ id: number }>();
    // The customer wrote a minute ago: the reply window is open.
    await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, body, provider_message_id, status, sent_at) VALUES (?1, ?2, 'in', 'Merhaba', 'SMin1', 'received', ?3)")
      .bind(account.id, ticket!.id, Date.now() - 60_000)
      .run();
    const reply = await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, author_id, body, client_msg_id, status) VALUES (?1, ?2, 'out', ?3, 'Kargonuz yolda', 'c1', 'queued') RETURNING id")
      .bind(account.id, ticket!.id, agent.id)
      .first<{ id: number }>();

    // Twilio reports "delivered" for SMfast before the hub has recorded that id.
    const early = await postTwilio(account.receiveUrl, {
      AccountSid: ACCOUNT_SID,
      MessageSid: "SMfast0000000000000000000000000001",
      MessageStatus: "delivered",
      From: settings.from,
      To: "whatsapp:+905321112233",
    });
    expect(early.status).toBe(200);

    stubFetch(jsonResponse({ sid: "SMfast0000000000000000000000000001", status: "queued" }, 201));
    await deliver(reply!.id);
    const row = await env.DB.prepare("SELECT status, provider_message_id FROM messages WHERE id = ?1").bind(reply!.id).first();
    expect(row).toEqual({ status: "delivered", provider_message_id: "SMfast0000000000000000000000000001" });
    const left = await env.DB.prepare("SELECT count(*) AS n FROM pending_statuses WHERE account_id = ?1").bind(account.id).first<{ n: number }>();
    expect(left!.n).toBe(0);
  });
});
