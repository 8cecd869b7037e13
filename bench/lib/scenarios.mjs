// What a bench run posts and where replies land: the Telegram mode (the default) and the mixed
// mode (`--mixed`, all six providers). run.mjs drives either the same way; each scenario seeds its
// accounts, starts its stand-in, builds the N webhook requests and reads back what D1 holds.
import { randomBytes } from "node:crypto";
import net from "node:net";
import { startBotApi } from "./bot-api.mjs";
import { seed, seedAccounts } from "./hub.mjs";
import { telegramUpdate, userIdOf } from "./load.mjs";
import { identifyByMarker, inboundRequest, KINDS, kindOf, markedIndex, mixedAccounts } from "./mixed.mjs";
import { startStandIn } from "./stand-in.mjs";

const BOT_TOKEN = "7000000001:AAbenchStandInToken_loopback-only";

/** The default: one Telegram account, N updates to it, replies to a Bot API stand-in. */
export async function telegramScenario() {
  const secretToken = randomBytes(24).toString("base64url");
  const bot = await startBotApi({ botToken: BOT_TOKEN });
  let account;
  let bodies;
  return {
    kinds: null,
    standInName: "Bot API stand-in",
    standIn: bot,
    /** What `--floor` shares with this scenario: the same stand-in, bot token and secret token. */
    telegram: { botToken: BOT_TOKEN, secretToken },
    hubOptions: async () => ({}),
    async seed(db, { agents, capacity, secretsKey }) {
      const seeded = await seed(db, { agents, capacity, secretsKey, botApiBaseUrl: bot.baseUrl, botToken: BOT_TOKEN, secretToken });
      account = seeded.account;
      return seeded;
    },
    describe: (hubUrl) => `hub at ${hubUrl.href}, Bot API stand-in at ${bot.baseUrl}`,
    identify: undefined,
    /** The N requests, built before the ingest phase starts. */
    prepare(N) {
      const date = Math.floor(Date.now() / 1000);
      bodies = Array.from({ length: N }, (_, i) => Buffer.from(JSON.stringify(telegramUpdate(i, date))));
      const path = `/webhooks/telegram/${account.key}`;
      return {
        label: `/webhooks/telegram/<key>`,
        make: (i) => ({ method: "POST", path, headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secretToken }, body: bodies[i] }),
      };
    },
    sentCount: async (db) =>
      (await db.prepare("SELECT count(*) AS n FROM messages WHERE account_id = ?1 AND direction = 'out' AND status = 'sent'").bind(account.id).first()).n,
    /** What the hub stored, by update in [base, base + N): a private chat's provider message id is "<user id>:1". */
    async storedIndexes(db, N, { accountId = account.id, base = 0 } = {}) {
      const rows = (await db.prepare("SELECT provider_message_id AS pid FROM messages WHERE account_id = ?1 AND direction = 'in'").bind(accountId).all()).results;
      const stored = new Set();
      for (const { pid } of rows) {
        const index = Number(String(pid).split(":")[0]) - userIdOf(0);
        if (Number.isInteger(index) && index >= base && index < base + N) stored.add(index);
      }
      return stored;
    },
    outbound: async (db) =>
      (
        await db
          .prepare("SELECT status, status_reason AS reason, count(*) AS n FROM messages WHERE account_id = ?1 AND direction = 'out' GROUP BY status, status_reason")
          .bind(account.id)
          .all()
      ).results,
    standInSummary: () => JSON.stringify(bot.stats),
    close: () => bot.close(),
  };
}

/**
 * `--mixed`: one account per provider on the one queue, update i sent to provider KINDS[i % 6],
 * every reply to one stand-in for the six send APIs. The hub is served on a port chosen here, so
 * that PUBLIC_BASE_URL can name it: Twilio signs over the public URL, and replies carry it as
 * StatusCallback.
 */
export async function mixedScenario() {
  const standIn = await startStandIn();
  const { accounts, ids } = mixedAccounts({ standInBaseUrl: standIn.baseUrl });
  let publicBaseUrl;
  let seeded;
  let accountIds;
  return {
    kinds: KINDS,
    kindOf,
    standInName: "provider stand-in",
    standIn,
    async hubOptions() {
      const port = await freePort();
      publicBaseUrl = `http://127.0.0.1:${port}`;
      return { port, publicBaseUrl };
    },
    async seed(db, { agents, capacity, secretsKey }) {
      const result = await seedAccounts(db, { agents, capacity, secretsKey, accounts: KINDS.map((k) => accounts[k]) });
      seeded = result.accounts;
      accountIds = seeded.map((a) => a.id);
      standIn.configure({ accounts, ids, seeded, publicBaseUrl });
      return result;
    },
    describe: (hubUrl) => {
      if (hubUrl.origin !== publicBaseUrl) throw new Error(`the hub is served at ${hubUrl.origin}, not at its PUBLIC_BASE_URL ${publicBaseUrl}`);
      return `hub at ${hubUrl.href} (PUBLIC_BASE_URL), provider stand-in at ${standIn.baseUrl}; accounts: ${KINDS.join(", ")}`;
    },
    identify: identifyByMarker,
    prepare(N) {
      const nowMs = Date.now();
      const requests = Array.from({ length: N }, (_, i) => inboundRequest(i, { accounts, ids, seeded, publicBaseUrl, nowMs }));
      return {
        label: `/webhooks/{${KINDS.join(",")}}/<key>`,
        make: (i) => ({ method: "POST", path: requests[i].path, headers: requests[i].headers(), body: requests[i].body }),
      };
    },
    sentCount: async (db) =>
      (await db.prepare(`SELECT count(*) AS n FROM messages WHERE account_id IN (${placeholders(accountIds)}) AND direction = 'out' AND status = 'sent'`).bind(...accountIds).first()).n,
    /** Sent replies per provider. */
    async sentByKind(db) {
      const rows = (
        await db
          .prepare(
            `SELECT a.provider, count(*) AS n FROM messages m JOIN channel_accounts a ON a.id = m.account_id
             WHERE m.account_id IN (${placeholders(accountIds)}) AND m.direction = 'out' AND m.status = 'sent' GROUP BY a.provider`,
          )
          .bind(...accountIds)
          .all()
      ).results;
      return Object.fromEntries(rows.map((r) => [r.provider, r.n]));
    },
    /** What the hub stored, by update: the marker "#<index>" ends every customer's text, on the account it was sent to. */
    async storedIndexes(db, N) {
      const rows = (
        await db
          .prepare(`SELECT a.provider, m.body FROM messages m JOIN channel_accounts a ON a.id = m.account_id WHERE m.account_id IN (${placeholders(accountIds)}) AND m.direction = 'in'`)
          .bind(...accountIds)
          .all()
      ).results;
      const stored = new Set();
      for (const { provider, body } of rows) {
        const index = markedIndex(body);
        if (index !== null && index < N && kindOf(index) === provider) stored.add(index);
      }
      return stored;
    },
    outbound: async (db) =>
      (
        await db
          .prepare(
            `SELECT a.provider, m.status, m.status_reason AS reason, count(*) AS n FROM messages m JOIN channel_accounts a ON a.id = m.account_id
             WHERE m.account_id IN (${placeholders(accountIds)}) AND m.direction = 'out' GROUP BY a.provider, m.status, m.status_reason`,
          )
          .bind(...accountIds)
          .all()
      ).results,
    /** Accounts the hub flagged (a provider refused credentials) or that saw an auth failure. */
    accountProblems: async (db) =>
      (
        await db
          .prepare(
            `SELECT provider, status, status_reason AS reason, last_auth_failure AS authFailure, last_delivery_error AS deliveryError FROM channel_accounts
             WHERE id IN (${placeholders(accountIds)}) AND (status != 'active' OR last_auth_failure IS NOT NULL OR last_delivery_error IS NOT NULL)`,
          )
          .bind(...accountIds)
          .all()
      ).results,
    standInSummary: () => JSON.stringify(standIn.stats),
    close: () => standIn.close(),
  };
}

const placeholders = (values) => values.map((_, i) => `?${i + 1}`).join(", ");

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}
