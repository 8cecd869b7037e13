import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import type { OutboxMessage } from "../../src/outbox/message";
import { clearTokenCache as clearConnexeaseTokens } from "../../src/providers/connexease/token-cache";
import { clearTokenCache as clearSinchTokens } from "../../src/providers/sinch/token";
import { call } from "../helpers/api";
import { BOT_API, BOT_TOKEN, createAccount, createUser, SECRET_TOKEN } from "../helpers/hub";
import { cleanUp, connect, queue } from "../helpers/session";
import connexeaseLogin from "../fixtures/connexease/login-ok.json";
import sinchToken from "../fixtures/sinch/token-ok.json";
import { creds as connexeaseCreds, settings as connexeaseSettings, CONVERSATION } from "../providers/connexease/helpers";
import { ACCESS_TOKEN as CUSTOM_TOKEN, activeCreds, settings as customSettings } from "../providers/custom/helpers";
import { creds as metaCreds, settings as metaSettings } from "../providers/meta/helpers";
import { creds as sinchCreds, settings as sinchSettings } from "../providers/sinch/helpers";
import { ACCOUNT_SID, creds as twilioCreds, settings as twilioSettings } from "../providers/twilio/helpers";

// A provider's error body may quote the credentials it was sent. Whatever it quotes, the agent's
// `delivery` frame, the message's statusReason and the account's lastDeliveryError show none of it.

let n = 0;

const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
const basic = (user: string, password: string) => `Basic ${b64(`${user}:${password}`)}`;

/** Every form a secret could be recognised in: as is, URL-encoded, base64 (padding dropped). */
const formsOf = (secrets: string[]) => secrets.flatMap((s) => [s, encodeURIComponent(s), b64(s).replace(/=+$/, "")]);

/** One stored reply of `provider`, its author connected, delivered through the Worker's queue handler against `answer`. */
async function deliverAgainst(o: {
  provider: string;
  credentials: Record<string, unknown>;
  settings: Record<string, unknown>;
  address: string;
  answer: (url: string, init: RequestInit) => Response;
}) {
  const queueId = await queue();
  const account = await createAccount({ provider: o.provider, queueId, credentials: o.credentials, settings: o.settings });
  const agent = await createUser({ queues: [queueId], name: "Ayşe Yılmaz" });
  const admin = await createUser({ role: "admin" });
  const socket = await connect(agent.token, queueId);
  const contact = await env.DB.prepare("INSERT INTO contacts (account_id, external_id, address, display_name) VALUES (?1, ?2, ?2, 'Zeynep Kaya') RETURNING id")
    .bind(account.id, o.address)
    .first<{ id: number }>();
  const ticket = await env.DB.prepare("INSERT INTO tickets (account_id, contact_id, queue_id, status, current, assignee_id) VALUES (?1, ?2, ?3, 'assigned', 1, ?4) RETURNING id")
    .bind(account.id, contact!.id, queueId, agent.id)
    .first<{ id: number }>();
  // The customer wrote a minute ago: reply windows (Meta, WhatsApp) are open.
  await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, body, status, provider_message_id, sent_at) VALUES (?1, ?2, 'in', 'Merhaba', 'received', ?3, ?4)")
    .bind(account.id, ticket!.id, `in-${++n}`, Date.now() - 60_000)
    .run();
  const reply = await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, author_id, body, client_msg_id, status) VALUES (?1, ?2, 'out', ?3, 'Siparişiniz yola çıktı 🚚', 'c-1', 'queued') RETURNING id")
    .bind(account.id, ticket!.id, agent.id)
    .first<{ id: number }>();

  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => o.answer(input instanceof Request ? input.url : String(input), init ?? {})),
  );
  const message = { id: `m-${++n}`, timestamp: new Date(), attempts: 1, body: { messageId: reply!.id, ticketId: ticket!.id }, ack() {}, retry() {} };
  await worker.queue({ queue: "channel-hub-outbox", messages: [message], ackAll() {}, retryAll() {} } as unknown as MessageBatch<OutboxMessage>, env);

  const frame = await socket.next("delivery", 10_000);
  const ticketView = await call(`/api/v1/tickets/${ticket!.id}`, { token: admin.token });
  const accountView = await call(`/api/v1/accounts/${account.id}`, { token: admin.token });
  const stored = (ticketView.data.messages as { id: number; status: string; statusReason: string | null }[]).find((m) => m.id === reply!.id)!;
  return { frame, stored, account: accountView.data as { status: string; statusReason: string | null; lastDeliveryError: string | null } };
}

function expectMasked(texts: (string | null)[], secrets: string[]) {
  for (const text of texts) {
    expect(text).toBeTypeOf("string");
    for (const form of formsOf(secrets)) expect(text).not.toContain(form);
    expect(text).toContain("<redacted");
  }
}

describe("secrets in delivery reasons", () => {
  afterEach(async () => {
    clearConnexeaseTokens();
    clearSinchTokens();
    await cleanUp();
  });

  it("Telegram: the bot token (plain and URL-encoded) and the webhook secret", async () => {
    const r = await deliverAgainst({
      provider: "telegram",
      credentials: { botToken: BOT_TOKEN, secretToken: SECRET_TOKEN },
      settings: { apiBaseUrl: BOT_API },
      address: "7400001",
      answer: () =>
        Response.json(
          { ok: false, error_code: 400, description: `Bad Request: chat not found for ${encodeURIComponent(BOT_TOKEN)} (secret_token ${SECRET_TOKEN}) — sohbet bulunamadı` },
          { status: 400 },
        ),
    });
    expect(r.frame).toMatchObject({ status: "failed" });
    expect(r.frame.reason).toContain("sohbet bulunamadı");
    expectMasked([r.frame.reason, r.stored.statusReason, r.account.lastDeliveryError], [BOT_TOKEN, SECRET_TOKEN]);
  });

  it("Meta: the access token, an app secret and the verify token", async () => {
    const r = await deliverAgainst({
      provider: "meta",
      credentials: metaCreds,
      settings: metaSettings,
      address: "6100000000000042",
      answer: () =>
        Response.json(
          {
            error: {
              message: `(#100) Param access_token ${metaCreds.accessToken} with appsecret ${metaCreds.appSecrets[1]} and verify ${metaCreds.verifyToken} is invalid — geçersiz`,
              type: "OAuthException",
              code: 100,
              fbtrace_id: "AbCdEfGhIjKl6",
            },
          },
          { status: 400 },
        ),
    });
    expect(r.frame).toMatchObject({ status: "failed" });
    expectMasked([r.frame.reason, r.stored.statusReason, r.account.lastDeliveryError], [metaCreds.accessToken, ...metaCreds.appSecrets, metaCreds.verifyToken]);
  });

  it("Connexease: the password and the JWT obtained with it", async () => {
    const r = await deliverAgainst({
      provider: "connexease",
      credentials: connexeaseCreds,
      settings: connexeaseSettings,
      address: CONVERSATION,
      answer: (url) =>
        url.endsWith("/jwt/")
          ? Response.json(connexeaseLogin)
          : Response.json(
              { detail: `Yetkisiz: JWT ${connexeaseLogin.token} için kullanıcı ${connexeaseCreds.username} / şifre ${connexeaseCreds.password} bu konuşmaya yazamaz` },
              { status: 400 },
            ),
    });
    expect(r.frame).toMatchObject({ status: "failed" });
    expect(r.frame.reason).toContain("bu konuşmaya yazamaz");
    expectMasked([r.frame.reason, r.stored.statusReason, r.account.lastDeliveryError], [connexeaseLogin.token, connexeaseCreds.password, connexeaseCreds.username]);
  });

  it("Sinch: the key secret, plain and inside the Basic header, and the OAuth token", async () => {
    const r = await deliverAgainst({
      provider: "sinch",
      credentials: sinchCreds,
      settings: sinchSettings,
      address: "905321234567",
      answer: (url) =>
        url === sinchSettings.authUrl
          ? Response.json(sinchToken)
          : Response.json(
              {
                error: {
                  code: 400,
                  message: `Invalid request with Authorization: Bearer ${sinchToken.access_token}; token was issued for ${basic(sinchCreds.keyId, sinchCreds.keySecret)} (client_secret=${sinchCreds.keySecret})`,
                  status: "INVALID_ARGUMENT",
                },
              },
              { status: 400 },
            ),
    });
    expect(r.frame).toMatchObject({ status: "failed" });
    expect(r.frame.reason).toContain("INVALID_ARGUMENT");
    expectMasked([r.frame.reason, r.stored.statusReason, r.account.lastDeliveryError], [sinchToken.access_token, sinchCreds.keySecret, b64(`${sinchCreds.keyId}:${sinchCreds.keySecret}`)]);
  });

  it("Twilio: the auth token inside Basic base64(AccountSid:AuthToken), and a rejected token flags the account without it", async () => {
    const r = await deliverAgainst({
      provider: "twilio",
      credentials: twilioCreds,
      settings: twilioSettings,
      address: "whatsapp:+905321234567",
      answer: () =>
        Response.json(
          {
            code: 20003,
            message: `Authenticate: ${basic(ACCOUNT_SID, twilioCreds.authToken)} was refused`,
            more_info: "https://www.twilio.com/docs/errors/20003",
            status: 401,
          },
          { status: 401 },
        ),
    });
    expect(r.frame).toMatchObject({ status: "failed" });
    expect(r.account.status).toBe("error");
    expectMasked([r.frame.reason, r.stored.statusReason, r.account.lastDeliveryError, r.account.statusReason], [twilioCreds.authToken, b64(`${ACCOUNT_SID}:${twilioCreds.authToken}`)]);
  });

  it("custom channel: the signing secret and the access token the hub keeps only as a hash", async () => {
    const credentials = await activeCreds();
    const r = await deliverAgainst({
      provider: "custom",
      credentials,
      settings: customSettings,
      address: "cust-7401",
      answer: () => new Response(`refused: key ${credentials.signingSecret} and token ${CUSTOM_TOKEN} do not match — eşleşmiyor`, { status: 422 }),
    });
    expect(r.frame).toMatchObject({ status: "failed" });
    expect(r.frame.reason).toContain("eşleşmiyor");
    expectMasked([r.frame.reason, r.stored.statusReason, r.account.lastDeliveryError], [credentials.signingSecret, CUSTOM_TOKEN]);
  });
});
