import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import inboundText from "../fixtures/sinch/inbound-text.json";
import { BASE, call, seedWorld, unique } from "../helpers/api";
import { APP_ID, PROJECT_ID, signedHeaders } from "../providers/sinch/helpers";

// A webhook secret the admin leaves out is generated and shown once, in the create answer's
// `revealed`, so that it can be entered at the provider (as docs/providers/*.md say); never again.

async function createWithout(secret: string, body: Record<string, unknown>) {
  const { admin, queueId } = await seedWorld();
  const res = await call("/api/v1/accounts", { method: "POST", token: admin.token, json: { name: unique("Hesap 🛍️"), queueId, ...body } });
  expect(res.status).toBe(201);
  const revealed: string = res.data.revealed[secret];
  expect(revealed).toMatch(/^[A-Za-z0-9_-]{32,}$/);
  expect(res.data.credentialsSet[secret]).toBe(true);
  const read = await call(`/api/v1/accounts/${res.data.id}`, { token: admin.token });
  expect(read.data.revealed).toBeUndefined();
  expect(read.text).not.toContain(revealed);
  const list = await call("/api/v1/accounts", { token: admin.token });
  expect(list.text).not.toContain(revealed);
  return { key: res.data.key as string, revealed };
}

describe("generated webhook secrets are shown once", () => {
  it("Meta: the generated verifyToken is in the create answer, and Meta's subscription handshake with it succeeds", async () => {
    const { key, revealed } = await createWithout("verifyToken", {
      provider: "meta",
      credentials: { appSecrets: ["meta-app-secret-1"], accessToken: "IGAAT0kenF0rTests1234567890abcdefZDZD" },
      settings: { igAccountId: "17841400008460056" },
    });
    const handshake = await exports.default.fetch(`${BASE}/webhooks/meta/${key}?hub.mode=subscribe&hub.verify_token=${revealed}&hub.challenge=1158201444`);
    expect(handshake.status).toBe(200);
    expect(await handshake.text()).toBe("1158201444");
  });

  it("Sinch: the generated webhookSecret is in the create answer, and a callback signed with it is accepted", async () => {
    const { key, revealed } = await createWithout("webhookSecret", {
      provider: "sinch",
      credentials: { keyId: "key-id-1", keySecret: "key-secret-şifre-1" },
      settings: { projectId: PROJECT_ID, appId: APP_ID, region: "eu" },
    });
    const raw = JSON.stringify({ ...inboundText, message: { ...inboundText.message, id: `01HQ${crypto.randomUUID().replaceAll("-", "").slice(0, 22).toUpperCase()}` } });
    const res = await exports.default.fetch(`${BASE}/webhooks/sinch/${key}`, { method: "POST", headers: await signedHeaders(raw, { secret: revealed }), body: raw });
    expect(res.status).toBe(200);
  });

  it("Connexease: the generated webhookSecret is in the create answer", async () => {
    await createWithout("webhookSecret", {
      provider: "connexease",
      credentials: { username: "api.user@example.com", password: "şifre-123" },
      settings: { channelId: "3f1e9a52-7c4b-4d2e-9a61-0b5d8e2f4c17", accountId: "10482" },
    });
  });
});
