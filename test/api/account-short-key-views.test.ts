import { afterEach, describe, expect, it } from "vitest";
import { call, seedUser } from "../helpers/api";
import { createUser, postTelegram, telegramUpdate } from "../helpers/hub";
import { cleanUp, connect, desk, stubBotApi } from "../helpers/session";

// The account's short Key rides with the cached account into the ticket views the desk shows on its
// conversation tabs: the socket's offer and the ticket list's rows.

afterEach(cleanUp);

describe("accountShortKey in ticket views", () => {
  it("an offer and a list row carry the account's Key, and a changed Key reaches the next new ticket", async () => {
    stubBotApi();
    const admin = await seedUser("admin");
    const { queueId, account } = await desk();
    const key = `S${Math.floor(Math.random() * 9000 + 1000)}`;
    expect((await call(`/api/v1/accounts/${account.id}`, { method: "PATCH", token: admin.token, json: { shortKey: key } })).status).toBe(200);

    const agent = await createUser({ queues: [queueId] });
    const socket = await connect(agent.token, queueId);
    expect((await postTelegram(account.key, telegramUpdate({ updateId: 9_100_001, userId: 9_100_000, messageId: 1, text: "Merhaba, kargom nerede? 📦" }))).status).toBe(200);
    const offer = await socket.next("offer");
    expect(offer.ticket).toMatchObject({ accountId: account.id, accountShortKey: key });

    const list = await call(`/api/v1/tickets?queueId=${queueId}`, { token: admin.token });
    expect(list.status, list.text).toBe(200);
    expect(list.data.items.map((t: { accountShortKey: string | null }) => t.accountShortKey)).toEqual([key]);

    expect((await call(`/api/v1/accounts/${account.id}`, { method: "PATCH", token: admin.token, json: { shortKey: null } })).status).toBe(200);
    socket.send({ type: "decline", ticketId: offer.ticket.id });
    expect((await postTelegram(account.key, telegramUpdate({ updateId: 9_100_011, userId: 9_100_010, messageId: 1, text: "İkinci müşteri" }))).status).toBe(200);
    const list2 = await call(`/api/v1/tickets?queueId=${queueId}`, { token: admin.token });
    expect(list2.data.items.map((t: { accountShortKey: string | null }) => t.accountShortKey)).toEqual([null, null]);
  });
});
