import { afterEach, describe, expect, it, vi } from "vitest";
import { auditRows, BOT_TOKEN, call, seedAccount, seedWorld, unique } from "../helpers/api";

// A provider's answer to an admin action (Telegram's setWebhook, the custom channel's activation
// challenge) may quote the account's credentials: the answer, the stored statusReason and the
// audit trail never show them.

const SIGNING_SECRET = "cs_live_9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a";

describe("secrets in answers to admin actions", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("setWebhook: a refusal quoting the secret token and the bot token answers 502 without them", async () => {
    const { admin, queueId } = await seedWorld();
    const account = await seedAccount(queueId);
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        Response.json(
          { ok: false, error_code: 400, description: `Bad Request: secret_token "seeded-secret" rejected for bot ${encodeURIComponent(BOT_TOKEN)} — geçersiz` },
          { status: 400 },
        ),
      ),
    );
    const res = await call(`/api/v1/accounts/${account.id}/telegram/webhook`, { method: "POST", token: admin.token });
    expect(res.status).toBe(502);
    expect(res.data.error.message).toContain("geçersiz");
    expect(res.data.error.message).toContain("<redacted");
    for (const secret of ["seeded-secret", BOT_TOKEN, encodeURIComponent(BOT_TOKEN)]) expect(res.text).not.toContain(secret);
  });

  it("custom activation: an answer quoting the signing secret leaves it out of statusReason, the account and the audit trail", async () => {
    const { admin, queueId } = await seedWorld();
    vi.stubGlobal("fetch", vi.fn(async () => new Response(`unknown key ${SIGNING_SECRET} — anahtar tanınmadı`, { status: 403 })));
    const created = await call("/api/v1/accounts", {
      method: "POST",
      token: admin.token,
      json: { provider: "custom", name: unique("Partner chat"), queueId, settings: { outgoingUrl: "https://chat.partner.example/hub/outgoing" }, credentials: { signingSecret: SIGNING_SECRET } },
    });
    expect(created.status).toBe(201);
    expect(created.data.status).toBe("pending");
    expect(created.data.statusReason).toContain("anahtar tanınmadı");
    const again = await call(`/api/v1/accounts/${created.data.id}/activate`, { method: "POST", token: admin.token });
    const shown = await call(`/api/v1/accounts/${created.data.id}`, { token: admin.token });
    const audit = JSON.stringify(await auditRows(created.data.id));
    for (const text of [created.text, again.text, shown.text, audit]) expect(text).not.toContain(SIGNING_SECRET);
    expect(shown.data.statusReason).toContain("<redacted signingSecret>");
  });
});
