import { env, exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AgentClient, BASE, count, createQueue, createUser, fireTimers, row } from "../../helpers/hub";
import { metaEscaped } from "./batch-helpers";
import { APP_SECRETS, createMetaAccount, customerMessage, IG, newIgsid, newMid, postMeta, VERIFY_TOKEN } from "./helpers";

/** Another Instagram account of the same Meta app (same app secrets): a new one per test. */
let IG_B = "";
/** An account of another Meta app. */
const IG_OTHER_APP = "17841400008461111";
const UNKNOWN = "17841400000000404";

const rows = async <T = any>(sql: string, ...binds: unknown[]) => (await env.DB.prepare(sql).bind(...binds).all<T>()).results;

/** An entry of account `ig` with these customer events, recipient set to that account. */
const entryOf = (ig: string, ...events: Record<string, unknown>[]) => ({
  id: ig,
  time: Date.now(),
  messaging: events.map((e) => ({ ...e, recipient: { id: ig } })),
});

describe("one Meta callback URL for every Instagram account of an app", () => {
  let queueA: string;
  let queueB: string;
  let a: { id: string; key: string };
  let b: { id: string; key: string };
  let agentB: AgentClient;

  beforeEach(async () => {
    queueA = await createQueue();
    queueB = await createQueue();
    a = await createMetaAccount(queueA);
    IG_B = String(17841400008000000 + Math.floor(Math.random() * 400000));
    b = await createMetaAccount(queueB, { settings: { igAccountId: IG_B } });
    agentB = await AgentClient.connect((await createUser({ queues: [queueB] })).token, queueB);
  });

  afterEach(async () => {
    agentB.close();
    vi.restoreAllMocks();
    await fireTimers(queueA).catch(() => undefined);
    await fireTimers(queueB).catch(() => undefined);
  });

  it("stores each entry of a mixed batch under the account registered for its Instagram id, and routes it to that account's queue", async () => {
    const [ayse, hans] = [newIgsid(), newIgsid()];
    const [m1, m2, m3] = [newMid(), newMid(), newMid()];
    const t = Date.now();
    const body = {
      object: "instagram",
      entry: [
        entryOf(IG, customerMessage(ayse, m1, "Merhaba, kargom nerede? 📦", t)),
        entryOf(IG_B, customerMessage(hans, m2, "Grüße! Ist die Größe M noch da? 👗", t + 1), customerMessage(hans, m3, "Danke schön 🙏", t + 2)),
      ],
    };
    const res = await postMeta(a.key, metaEscaped(JSON.stringify(body)));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, events: 3 });

    expect(await rows("SELECT provider_message_id AS mid, body FROM messages WHERE account_id = ?1 ORDER BY id", a.id)).toEqual([{ mid: m1, body: "Merhaba, kargom nerede? 📦" }]);
    expect(await rows("SELECT provider_message_id AS mid, body FROM messages WHERE account_id = ?1 ORDER BY id", b.id)).toEqual([
      { mid: m2, body: "Grüße! Ist die Größe M noch da? 👗" },
      { mid: m3, body: "Danke schön 🙏" },
    ]);
    expect(await row("SELECT external_id, account_id FROM contacts WHERE external_id = ?1", hans)).toEqual({ external_id: hans, account_id: b.id });
    const ticketB = await row("SELECT id, queue_id FROM tickets WHERE account_id = ?1", b.id);
    expect(ticketB.queue_id).toBe(queueB);
    expect((await agentB.next("offer")).ticket).toMatchObject({ id: ticketB.id, accountId: b.id });
    expect(await count("inbound_events", "account_id = ?1", b.id)).toBe(2);
    expect(await count("inbound_events", "account_id = ?1", a.id)).toBe(1);

    // Meta's retry of the batch stores nothing new for either account.
    expect((await postMeta(a.key, metaEscaped(JSON.stringify(body)))).status).toBe(200);
    expect(await count("messages", "account_id IN (?1, ?2)", a.id, b.id)).toBe(3);
  });

  it("a notification for another account alone is stored and routed under that account before the answer", async () => {
    const hans = newIgsid();
    const mid = newMid();
    const res = await postMeta(a.key, { object: "instagram", entry: [entryOf(IG_B, customerMessage(hans, mid, "Hallo aus Wien 🎻"))] });
    expect(res.status).toBe(200);
    expect(await row("SELECT account_id, body FROM messages WHERE provider_message_id = ?1", mid)).toEqual({ account_id: b.id, body: "Hallo aus Wien 🎻" });
    expect(await count("messages", "account_id = ?1", a.id)).toBe(0);
    expect((await agentB.next("offer")).ticket.accountId).toBe(b.id);
  });

  it("acknowledges and logs entries for an Instagram id no account has, storing nothing of them", async () => {
    const warn = vi.spyOn(console, "warn");
    const [ayse, stranger] = [newIgsid(), newIgsid()];
    const mid = newMid();
    const strangerMid = newMid();
    const res = await postMeta(a.key, {
      object: "instagram",
      entry: [entryOf(UNKNOWN, customerMessage(stranger, strangerMid, "Kimse yok mu? 👀")), entryOf(IG, customerMessage(ayse, mid, "İyi akşamlar 🌙"))],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, events: 1 });
    expect(await count("messages", "provider_message_id = ?1", strangerMid)).toBe(0);
    expect(await count("contacts", "external_id = ?1", stranger)).toBe(0);
    expect(await count("messages", "account_id = ?1 AND provider_message_id = ?2", a.id, mid)).toBe(1);
    const logged = warn.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("webhook_unknown_recipient"));
    expect(logged.map((l) => JSON.parse(l))).toEqual([{ event: "webhook_unknown_recipient", provider: "meta", viaAccountId: a.id, igAccountId: UNKNOWN }]);

    // Only entries for unknown ids: acknowledged, nothing stored.
    const only = await postMeta(a.key, { object: "instagram", entry: [entryOf(UNKNOWN, customerMessage(stranger, newMid(), "Merhaba?"))] });
    expect(only.status).toBe(200);
    expect(await only.json()).toEqual({ ok: true, events: 0 });
    expect(await count("contacts", "external_id = ?1", stranger)).toBe(0);
  });

  it("401 when another account's entry is not signed with that account's app secret: nothing of the POST is stored", async () => {
    const other = await createMetaAccount(await createQueue(), { settings: { igAccountId: IG_OTHER_APP }, credentials: { appSecrets: ["another-apps-secret"] } });
    const [ayse, intruder] = [newIgsid(), newIgsid()];
    const res = await postMeta(a.key, {
      object: "instagram",
      entry: [entryOf(IG, customerMessage(ayse, newMid(), "Selam 👋")), entryOf(IG_OTHER_APP, customerMessage(intruder, newMid(), "Ich bin nicht echt 😈"))],
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "unauthorized", message: "Webhook authentication failed", details: { igAccountId: IG_OTHER_APP } } });
    expect(await count("messages", "account_id IN (?1, ?2)", a.id, other.id)).toBe(0);
    expect(await count("inbound_events", "account_id IN (?1, ?2)", a.id, other.id)).toBe(0);
    const failure = (await row("SELECT last_auth_failure FROM channel_accounts WHERE id = ?1", other.id)).last_auth_failure;
    expect(failure).toBe(`signature mismatch (received at the receive URL of account ${a.id})`);
    expect(failure).not.toContain(APP_SECRETS[0]);
  });

  it("the shared URL still answers Meta's subscription handshake with its account's verify token", async () => {
    const res = await exports.default.fetch(`${BASE}/webhooks/meta/${a.key}?${new URLSearchParams({ "hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "884213" })}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("884213");
  });
});
