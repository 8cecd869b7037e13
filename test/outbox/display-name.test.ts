import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import type { OutboxMessage } from "../../src/outbox/message";
import { clearTokenCache as clearConnexeaseTokens } from "../../src/providers/connexease/token-cache";
import { clearTokenCache as clearSinchTokens } from "../../src/providers/sinch/token";
import loginOk from "../fixtures/connexease/login-ok.json";
import replyOk from "../fixtures/connexease/reply-ok.json";
import sinchSendOk from "../fixtures/sinch/send-ok.json";
import sinchTokenOk from "../fixtures/sinch/token-ok.json";
import twilioSendOk from "../fixtures/twilio/send-message-ok.json";
import { BOT_API, BOT_TOKEN, createAccount, createQueue, createUser, SECRET_TOKEN } from "../helpers/hub";
import { activeCreds, OUTGOING_URL } from "../providers/custom/helpers";
import { creds as metaCreds, IG } from "../providers/meta/helpers";
import { creds as sinchCreds, settings as sinchSettings } from "../providers/sinch/helpers";
import { ACCOUNT_SID, API as TWILIO_API, AUTH_TOKEN, FROM } from "../providers/twilio/helpers";

// An agent's reply reaches the customer prefixed with the agent's name, as the account's Display
// Name Format says, on every provider; the stored reply keeps what the agent wrote.

const CONNEXEASE_API = "https://api.connexease.example";
const TEXT = "Kargonuz yarın teslim edilecek 🚚 İyi günler!";
let seq = 0;

type Spec = {
  credentials: Record<string, unknown>;
  settings: Record<string, unknown>;
  address: () => string;
  /** Answers the provider's API; `sent` records each call that sends a message. */
  answer: (url: string, init: RequestInit) => Response;
  /** The text a send request carries. */
  textOf: (url: string, init: RequestInit) => string;
  isSend: (url: string) => boolean;
};

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const providers: Record<string, Spec> = {
  telegram: {
    credentials: { botToken: BOT_TOKEN, secretToken: SECRET_TOKEN },
    settings: { apiBaseUrl: BOT_API },
    address: () => String(4_200_000 + ++seq),
    answer: (_url, init) => json({ ok: true, result: { message_id: 77, date: 1763700200, chat: { id: 1, type: "private" }, text: JSON.parse(String(init.body)).text } }),
    textOf: (_url, init) => JSON.parse(String(init.body)).text,
    isSend: (url) => url === `${BOT_API}/bot${BOT_TOKEN}/sendMessage`,
  },
  meta: {
    credentials: metaCreds,
    settings: { igAccountId: IG },
    address: () => String(6_100_000_000_000_000 + ++seq),
    answer: () => json({ recipient_id: "x", message_id: `mid-${++seq}` }),
    textOf: (_url, init) => JSON.parse(String(init.body)).message.text,
    isSend: (url) => url.endsWith(`/${IG}/messages`),
  },
  connexease: {
    credentials: { username: "api.user@magaza.example", password: "Şifre-42", webhookSecret: "whsec-test" },
    settings: { channelId: "3f1e9a52-7c4b-4d2e-9a61-0b5d8e2f4c17", accountId: "10482", apiBaseUrl: CONNEXEASE_API },
    address: () => `8d2b6c1e-0000-4000-8000-${String(++seq).padStart(12, "0")}`,
    answer: (url) => (url.endsWith("/jwt/") ? json(loginOk) : json({ ...replyOk, messages: [{ ...replyOk.messages[0], uuid: crypto.randomUUID() }] })),
    textOf: (_url, init) => JSON.parse(String(init.body)).messages[0].content,
    isSend: (url) => url === `${CONNEXEASE_API}/v2/messages/`,
  },
  twilio: {
    credentials: { authToken: AUTH_TOKEN },
    settings: { accountSid: ACCOUNT_SID, from: FROM, apiBaseUrl: TWILIO_API },
    address: () => `whatsapp:+90532${String(2_000_000 + ++seq)}`,
    answer: () => json({ ...twilioSendOk, sid: `SM${crypto.randomUUID().replaceAll("-", "")}` }, 201),
    textOf: (_url, init) => new URLSearchParams(String(init.body)).get("Body") ?? "",
    isSend: (url) => url.endsWith("/Messages.json"),
  },
  sinch: {
    credentials: { ...sinchCreds },
    settings: { ...sinchSettings },
    address: () => `90533${String(3_000_000 + ++seq)}`,
    answer: (url) => (url.includes("oauth2") ? json(sinchTokenOk) : json({ ...sinchSendOk, message_id: `01SINCH${++seq}` })),
    textOf: (_url, init) => JSON.parse(String(init.body)).message.text_message.text,
    isSend: (url) => url.endsWith("/messages:send"),
  },
  custom: {
    credentials: {},
    settings: { outgoingUrl: OUTGOING_URL },
    address: () => `cust-${++seq}`,
    answer: () => json({ id: `ext-${++seq}` }),
    textOf: (_url, init) => JSON.parse(String(init.body)).text,
    isSend: (url) => url === OUTGOING_URL,
  },
};

/** A held ticket of `provider` whose customer wrote a minute ago, and the agent's queued reply. */
async function storedReply(provider: string, displayNameFormat: string | undefined, agentName = "Ayşe Yılmaz") {
  const spec = providers[provider]!;
  const queueId = await createQueue();
  const credentials = provider === "custom" ? await activeCreds() : spec.credentials;
  const account = await createAccount({ provider, queueId, credentials, settings: spec.settings });
  if (displayNameFormat) {
    await env.DB.prepare("UPDATE channel_accounts SET conversation = ?2 WHERE id = ?1").bind(account.id, JSON.stringify({ displayNameFormat })).run();
  }
  const agent = await createUser({ queues: [queueId], name: agentName });
  const address = spec.address();
  const contact = await env.DB.prepare("INSERT INTO contacts (account_id, external_id, address, display_name) VALUES (?1, ?2, ?2, 'Zeynep Çelik') RETURNING id")
    .bind(account.id, address)
    .first<{ id: number }>();
  const ticket = await env.DB.prepare("INSERT INTO tickets (account_id, contact_id, queue_id, status, current, assignee_id) VALUES (?1, ?2, ?3, 'assigned', 1, ?4) RETURNING id")
    .bind(account.id, contact!.id, queueId, agent.id)
    .first<{ id: number }>();
  await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, body, provider_message_id, status, sent_at) VALUES (?1, ?2, 'in', 'Merhaba', ?3, 'received', ?4)")
    .bind(account.id, ticket!.id, `in-${++seq}`, Date.now() - 60_000)
    .run();
  const reply = await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, author_id, body, client_msg_id, status) VALUES (?1, ?2, 'out', ?3, ?4, 'c-1', 'queued') RETURNING id")
    .bind(account.id, ticket!.id, agent.id, TEXT)
    .first<{ id: number }>();
  return { messageId: reply!.id, ticketId: ticket!.id, accountId: account.id };
}

async function consume(body: OutboxMessage) {
  const message = { id: `dn-${++seq}`, timestamp: new Date(), attempts: 1, body, ack() {}, retry() {} };
  await worker.queue({ queue: "channel-hub-outbox", messages: [message], ackAll() {}, retryAll() {} } as unknown as MessageBatch<OutboxMessage>, env);
}

let fetchMock: ReturnType<typeof vi.fn>;
let current: Spec;
beforeEach(() => {
  clearConnexeaseTokens();
  clearSinchTokens();
  fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => current.answer(String(input), init ?? {}));
  vi.stubGlobal("fetch", fetchMock);
});
afterEach(() => vi.unstubAllGlobals());

/** What the provider was asked to send. */
function sentTexts(): string[] {
  return fetchMock.mock.calls.filter(([url]) => current.isSend(String(url))).map(([url, init]) => current.textOf(String(url), init as RequestInit));
}

describe.each(Object.keys(providers))("Display Name Format on %s", (provider) => {
  beforeEach(() => {
    current = providers[provider]!;
  });

  it.each([
    ["none", `${TEXT}`],
    ["first", `Ayşe: ${TEXT}`],
    ["full", `Ayşe Yılmaz: ${TEXT}`],
  ])("%s", async (format, expected) => {
    const r = await storedReply(provider, format);
    await consume({ messageId: r.messageId, ticketId: r.ticketId });
    expect(sentTexts()).toEqual([expected]);
    const row = await env.DB.prepare("SELECT body, status FROM messages WHERE id = ?1").bind(r.messageId).first();
    expect(row).toEqual({ body: TEXT, status: "sent" });
  });
});

describe("Display Name Format", () => {
  it("leaves the account's default (none) and the hub's own messages alone", async () => {
    current = providers.telegram!;
    const r = await storedReply("telegram", undefined);
    await consume({ messageId: r.messageId, ticketId: r.ticketId });
    expect(sentTexts()).toEqual([TEXT]);

    const full = await storedReply("telegram", "full");
    const system = await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, body, status) VALUES (?1, ?2, 'system', 'Temsilcilerimiz şu an meşgul ⏳', 'queued') RETURNING id")
      .bind(full.accountId, full.ticketId)
      .first<{ id: number }>();
    await consume({ messageId: system!.id, ticketId: full.ticketId });
    expect(sentTexts()).toEqual([TEXT, "Temsilcilerimiz şu an meşgul ⏳"]);
  });

  it("an edit of a sent reply carries the name too (Telegram)", async () => {
    current = providers.telegram!;
    const r = await storedReply("telegram", "first", "Ayşe Nur Yılmaz");
    await consume({ messageId: r.messageId, ticketId: r.ticketId });
    await env.DB.prepare("UPDATE messages SET body = 'Kargonuz bugün teslim ✅' WHERE id = ?1").bind(r.messageId).run();
    await consume({ messageId: r.messageId, ticketId: r.ticketId, op: "edit" });
    const edits = fetchMock.mock.calls.filter(([url]) => String(url).endsWith("/editMessageText"));
    expect(edits.map(([, init]) => JSON.parse(String((init as RequestInit).body)).text)).toEqual(["Ayşe: Kargonuz bugün teslim ✅"]);
    expect(sentTexts()).toEqual([`Ayşe: ${TEXT}`]);
  });
});
