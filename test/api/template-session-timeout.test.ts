import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { call, seedUser, unique } from "../helpers/api";
import { createTelegramAccount, createUser, fireTimers, postTelegram, telegramUpdate } from "../helpers/hub";
import { cleanUp, connect, stubBotApi, trackQueue } from "../helpers/session";

// A queue's session timeout message that names a library template: its object sends the template's
// text, and the new text once the template changes (the configuration is pushed to it again).

afterEach(cleanUp);

let updateId = 95_000;
let userSeq = 9_950_000;

async function sessionNotice(ticketId: number) {
  const row = await env.DB.prepare("SELECT body FROM messages WHERE ticket_id = ?1 AND direction = 'system' ORDER BY id DESC").bind(ticketId).first<{ body: string }>();
  return row?.body;
}

describe("a session timeout message from the template library", () => {
  it("ends a conversation with the template's text, then with its new text after an edit", async () => {
    stubBotApi();
    const admin = await seedUser("admin");
    const t = await call("/api/v1/templates", { method: "POST", token: admin.token, json: { name: unique("Süre doldu"), body: "Görüşme süremiz doldu {{contact.firstName}}, tekrar yazabilirsiniz 🙏" } });
    const q = await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name: unique("Süreli"), routing: { sessionTimeoutS: 1800, sessionTimeoutMessage: { templateId: t.data.id } } } });
    expect(q.status, q.text).toBe(201);
    const queueId = q.data.id as string;
    trackQueue(queueId);
    const account = await createTelegramAccount(queueId);
    const user = await createUser({ queues: [queueId] });
    const agent = await connect(user.token, queueId);

    const held = async (firstName: string) => {
      const customer = ++userSeq;
      expect((await postTelegram(account.key, telegramUpdate({ updateId: ++updateId, userId: customer, messageId: 1, text: "Merhaba", firstName }))).status).toBe(200);
      const ticketId = (await agent.next("offer")).ticket.id as number;
      agent.send({ type: "accept", ticketId });
      await agent.next("ticket.assigned");
      return ticketId;
    };

    const first = await held("Elif");
    await fireTimers(queueId, "session_limit");
    await agent.next("conversation.ended");
    expect(await sessionNotice(first)).toBe("Görüşme süremiz doldu Elif, tekrar yazabilirsiniz 🙏");

    expect((await call(`/api/v1/templates/${t.data.id}`, { method: "PATCH", token: admin.token, json: { body: "Süremiz bitti, {{contact.firstName}}. Yeniden yazmanız yeterli ✍️" } })).status).toBe(200);
    const second = await held("Oğuz");
    await fireTimers(queueId, "session_limit");
    await agent.next("conversation.ended");
    expect(await sessionNotice(second)).toBe("Süremiz bitti, Oğuz. Yeniden yazmanız yeterli ✍️");
  });
});
