import { afterEach, describe, expect, it } from "vitest";
import { formatWait } from "../../src/domain/templates";
import { queueStub } from "../helpers/hub";
import { cleanUp } from "../helpers/session";
import { agentTakes, customerWrites, delivered, setConversation, stubNetwork, systemMessagesOf, telegramAccount, ticketsOf } from "./helpers";

// The queue position a waiting customer is told on arrival (periodic updates belong to the queue's object).

let userSeq = 8_300_000;

afterEach(cleanUp);

const template = "{{contact.firstName}}, sıranız: {{queue.position}} ⏳ Tahmini bekleme: {{queue.wait}} ({{queue.waitMinutes}} dk)";

const account = () => telegramAccount({ messages: { queuePosition: template } });

describe("queue position on arrival", () => {
  it("tells each waiting customer their place and wait, once per conversation", async () => {
    const net = stubNetwork();
    const { id, key, queueId } = await account();
    const first = ++userSeq;
    const second = ++userSeq;
    await customerWrites(key, first, 1, "Merhaba, iade yapmak istiyorum");
    await customerWrites(key, second, 1, "Siparişim eksik geldi 📦");
    await customerWrites(key, first, 2, "Orada mısınız? 🙂");

    const [ticket2] = await ticketsOf(id, second);
    const status = (await queueStub(queueId).queueStatus(ticket2!.id))!;
    expect(status.position).toBe(2);
    const minutes = Math.max(1, Math.ceil(status.estimateS / 60));
    const expected2 = `Zeynep, sıranız: 2 ⏳ Tahmini bekleme: ${formatWait(status.estimateS)} (${minutes} dk)`;

    const toFirst = await systemMessagesOf(id, first);
    expect(toFirst).toHaveLength(1);
    expect(toFirst[0]!.body).toMatch(/^Zeynep, sıranız: 1 ⏳ Tahmini bekleme: /);
    expect(toFirst[0]!.client_msg_id).toBe(`auto:position:${toFirst[0]!.conversation_id}:arrival`);
    expect((await systemMessagesOf(id, second)).map((m) => m.body)).toEqual([expected2]);
    expect(await delivered(() => net.textsTo(second), 1)).toEqual([expected2]);
  });

  it("says nothing once an agent holds the ticket", async () => {
    stubNetwork();
    const { id, key, queueId } = await telegramAccount();
    const customer = ++userSeq;
    const { desk } = await agentTakes(queueId, key, customer, "Merhaba");

    await setConversation(id, { messages: { queuePosition: template } });
    await customerWrites(key, customer, 2, "Teşekkürler 🙏");
    expect((await desk.next("message")).message.body).toBe("Teşekkürler 🙏");
    expect(await systemMessagesOf(id, customer)).toEqual([]);
  });
});
