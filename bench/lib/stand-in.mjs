// The mixed mode's one stand-in for all six send APIs, each under its own path prefix (the account's
// base URL points there). Each checks the request the way its provider would (credentials, path,
// body shape, the customer replied to), answers with that provider's success shape, and records
// when each reply arrived, by the marker the agents put in the reply text.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import { performance } from "node:perf_hooks";
import { customerOf, KINDS, kindOf } from "./mixed.mjs";

const MARKER = /\[b(\d+)\]/;

export async function startStandIn() {
  const arrivals = new Map(); // update index → ms (performance.now()) of the first arrival
  const arrivalsByKind = Object.fromEntries(KINDS.map((k) => [k, 0]));
  const stats = Object.fromEntries(KINDS.map((k) => [k, { requests: 0, auth: 0, rejected: 0, duplicates: 0, unmatched: 0, misrouted: 0 }]));
  const rejections = [];
  let config = null; // set once the accounts exist: { accounts, ids, publicBaseUrl, seeded }
  let counter = 0;
  const tokens = { connexease: new Set(), sinch: new Set() };
  const telegramIds = new Map();

  const server = http.createServer((req, res) => {
    const at = performance.now();
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url, "http://stand-in");
      const kind = url.pathname.split("/")[1];
      const send = (status, body, type = "application/json") => {
        const text = typeof body === "string" ? body : JSON.stringify(body);
        res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(text) });
        res.end(text);
      };
      if (!config || !KINDS.includes(kind) || req.method !== "POST") return send(404, { error: "not found" });
      const s = stats[kind];
      s.requests++;
      const reject = (status, body, why) => {
        s.rejected++;
        if (rejections.length < 10) rejections.push(`${kind} ${status} ${req.method} ${url.pathname}: ${why}`);
        send(status, body);
      };
      /** The reply to update i reached us on `kind`, addressed to `to`: record it once. */
      const arrived = (text, to) => {
        const m = MARKER.exec(text ?? "");
        if (!m) return s.unmatched++;
        const index = Number(m[1]);
        if (kindOf(index) !== kind || customerOf(kind, index, config.ids) !== String(to)) return s.misrouted++;
        if (arrivals.has(index)) return s.duplicates++;
        arrivals.set(index, at);
        arrivalsByKind[kind]++;
      };
      const account = config.accounts[kind];
      const path = url.pathname.slice(kind.length + 1);
      try {
        handlers[kind]({ req, raw, path, account, send, reject, arrived, s });
      } catch (err) {
        reject(400, { error: "bad request" }, err instanceof Error ? err.message : String(err));
      }
    });
  });

  const json = (raw) => JSON.parse(raw.toString("utf8"));
  const basicOf = (req) => {
    const m = /^Basic (\S+)$/.exec(req.headers.authorization ?? "");
    return m ? Buffer.from(m[1], "base64").toString("utf8") : null;
  };
  const sameText = (a, b) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
  const nextId = () => (++counter).toString(16).padStart(10, "0");

  const handlers = {
    // Bot API: POST /bot<token>/sendMessage {"chat_id","text"} → {"ok":true,"result":Message}.
    telegram({ path, raw, account, send, reject, arrived }) {
      if (path !== `/bot${account.credentials.botToken}/sendMessage`) return reject(404, { ok: false, error_code: 404, description: "Not Found" }, "wrong path or token");
      const { chat_id, text } = json(raw);
      if (typeof text !== "string" || text === "" || chat_id === undefined) return reject(400, { ok: false, error_code: 400, description: "Bad Request: message text is empty" }, "no text");
      arrived(text, chat_id);
      // Message ids count per private chat, both directions: the customer's message was 1.
      const message_id = (telegramIds.get(chat_id) ?? 1) + 1;
      telegramIds.set(chat_id, message_id);
      send(200, { ok: true, result: { message_id, date: Math.floor(Date.now() / 1000), chat: { id: chat_id, type: "private" }, text } });
    },
    // Instagram Login: POST /v26.0/<IG id>/messages, Bearer token → {"recipient_id","message_id"}.
    meta({ req, path, raw, account, send, reject, arrived }) {
      const { igAccountId, apiVersion } = account.settings;
      if (req.headers.authorization !== `Bearer ${account.credentials.accessToken}`) {
        return reject(400, { error: { message: "Invalid OAuth access token - Cannot parse access token", type: "OAuthException", code: 190 } }, "wrong token");
      }
      if (path !== `/${apiVersion}/${igAccountId}/messages`) return reject(400, { error: { message: "Unsupported post request", type: "GraphMethodException", code: 100 } }, "wrong path");
      const body = json(raw);
      const to = body?.recipient?.id;
      if (typeof body?.message?.text !== "string" || !to) return reject(400, { error: { message: "(#100) Invalid parameter", code: 100 } }, "no recipient or text");
      arrived(body.message.text, to);
      send(200, { recipient_id: to, message_id: `aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDA4NDYwMDU2OjM0MDI4MjM2Njg0Reply${nextId()}ZDZD` });
    },
    // Connexease: POST /jwt/ {"username","password"} → {"token"}; POST /v2/messages/ with `JWT <token>` → 201.
    connexease({ req, path, raw, account, send, reject, arrived, s }) {
      if (path === account.settings.loginPath) {
        const { username, password } = json(raw);
        if (username !== account.credentials.username || password !== account.credentials.password) {
          return reject(400, { non_field_errors: ["Unable to log in with provided credentials."] }, "wrong username or password");
        }
        s.auth++;
        const token = `eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ user_id: 6015, username, n: s.auth })).toString("base64url")}.${randomBytes(16).toString("base64url")}`;
        tokens.connexease.add(token);
        return send(200, { token, account: { uuid: "c7617c90-0eef-4c75-b604-bdfbc152437c" }, otp: false, client: { device_id: "deviceId" } });
      }
      if (path !== account.settings.replyPath) return reject(404, { detail: "Not found." }, "wrong path");
      const token = /^JWT (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (!token || !tokens.connexease.has(token)) return reject(401, { detail: "Signature has expired." }, "unknown JWT");
      const body = json(raw);
      const content = body?.messages?.[0]?.content;
      if (typeof body?.uuid !== "string" || typeof content !== "string") return reject(400, { messages: ["This field is required."] }, "no uuid or content");
      arrived(content, body.uuid);
      send(201, { uuid: body.uuid, messages: [{ uuid: `5b0e2a8c-1d4f-4e9a-8c3b-${nextId().padStart(12, "0")}`, type: "text", content, state: "pending" }] });
    },
    // Twilio: POST /2010-04-01/Accounts/<sid>/Messages.json, Basic sid:token, form → 201 Message.
    twilio({ req, path, raw, account, send, reject, arrived }) {
      const { accountSid, from } = account.settings;
      if (basicOf(req) !== `${accountSid}:${account.credentials.authToken}`) {
        return reject(401, { code: 20003, message: "Authenticate", more_info: "https://www.twilio.com/docs/errors/20003", status: 401 }, "wrong Basic auth");
      }
      if (path !== `/2010-04-01/Accounts/${accountSid}/Messages.json`) return reject(404, { code: 20404, message: "The requested resource was not found", status: 404 }, "wrong path");
      const form = new URLSearchParams(raw.toString("utf8"));
      const to = form.get("To");
      if (form.get("From") !== from || !to || !form.get("Body")) return reject(400, { code: 21604, message: "A 'From', 'To' and 'Body' are required", status: 400 }, "From, To or Body");
      // The hub knows its public origin (PUBLIC_BASE_URL): every reply asks for status callbacks to its receive URL.
      const callback = `${config.publicBaseUrl}/webhooks/twilio/${config.seeded.find((a) => a.provider === "twilio").key}`;
      if (form.get("StatusCallback") !== callback) return reject(400, { code: 21609, message: `Invalid StatusCallback ${form.get("StatusCallback")}`, status: 400 }, "StatusCallback is not the receive URL");
      arrived(form.get("Body"), to);
      const sid = `SM${nextId()}${randomBytes(11).toString("hex")}`;
      const now = new Date().toUTCString().replace("GMT", "+0000");
      send(201, {
        account_sid: accountSid,
        api_version: "2010-04-01",
        body: form.get("Body"),
        date_created: now,
        date_sent: null,
        date_updated: now,
        direction: "outbound-api",
        error_code: null,
        error_message: null,
        from,
        messaging_service_sid: null,
        num_media: "0",
        num_segments: "1",
        price: null,
        price_unit: null,
        sid,
        status: "queued",
        to,
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
      });
    },
    // Sinch: POST /oauth2/token (client credentials) → {"access_token"}; POST /v1/projects/<id>/messages:send → {"message_id"}.
    sinch({ req, path, raw, account, send, reject, arrived, s }) {
      const { projectId, appId } = account.settings;
      if (path === "/oauth2/token") {
        const basic = basicOf(req);
        if (basic === null || !sameText(basic, `${account.credentials.keyId}:${account.credentials.keySecret}`)) {
          return reject(401, { error: "invalid_client", error_description: "Client authentication failed" }, "wrong key id or secret");
        }
        if (new URLSearchParams(raw.toString("utf8")).get("grant_type") !== "client_credentials") return reject(400, { error: "unsupported_grant_type" }, "grant_type");
        s.auth++;
        const token = `eyJhbGciOiJSUzI1NiJ9.${randomBytes(24).toString("base64url")}.${randomBytes(16).toString("base64url")}`;
        tokens.sinch.add(token);
        return send(200, { access_token: token, expires_in: 3599, scope: "", token_type: "bearer" });
      }
      if (path !== `/v1/projects/${projectId}/messages:send`) return reject(404, { error: { code: 404, message: "Not found", status: "NOT_FOUND" } }, "wrong path");
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (!token || !tokens.sinch.has(token)) return reject(401, { error: { code: 401, message: "Unauthorized", status: "UNAUTHENTICATED" } }, "unknown access token");
      const body = json(raw);
      const identity = body?.recipient?.identified_by?.channel_identities?.[0];
      const text = body?.message?.text_message?.text;
      if (body?.app_id !== appId || identity?.channel !== "WHATSAPP" || typeof text !== "string") {
        return reject(400, { error: { code: 400, message: "Invalid argument", status: "INVALID_ARGUMENT" } }, "app_id, channel or text");
      }
      arrived(text, identity.identity);
      send(200, { accepted_time: new Date().toISOString(), message_id: `01HQ8BN9R4${nextId().toUpperCase().padStart(16, "0")}` });
    },
    // Custom channel: POST {outgoingUrl}, X-Hub-Signature over "<timestamp>.<body>" → 2xx {"id"}.
    custom({ req, path, raw, account, send, reject, arrived }) {
      if (path !== "/outgoing") return reject(404, { error: "not found" }, "wrong path");
      const timestamp = req.headers["x-hub-timestamp"] ?? "";
      const expected = `sha256=${createHmac("sha256", account.credentials.signingSecret).update(`${timestamp}.`).update(raw).digest("hex")}`;
      const got = req.headers["x-hub-signature"] ?? "";
      if (!sameText(got, expected) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return reject(401, { error: "bad signature" }, "X-Hub-Signature or X-Hub-Timestamp");
      const body = json(raw);
      if (body.type === "challenge") return send(200, { challenge: body.challenge });
      if (body.type !== "message" || typeof body.text !== "string") return reject(400, { error: "unexpected payload" }, `type ${body.type}`);
      arrived(body.text, body.recipient?.id);
      send(200, { id: `ext-${nextId()}`, accepted: true });
    },
  };

  server.keepAliveTimeout = 60_000;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    arrivals,
    arrivalsByKind,
    stats,
    rejections,
    /** What the stand-in checks requests against: the accounts as seeded, and the hub's public origin. */
    configure(c) {
      config = c;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
