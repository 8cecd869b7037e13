import { describe, expect, it } from "vitest";
import { metaAdapter } from "../../../src/providers/meta";
import { DEFAULT_API_VERSION } from "../../../src/providers/meta/config";
import { HUMAN_AGENT_WINDOW_MS, metaReplyWindow, STANDARD_WINDOW_MS } from "../../../src/providers/meta/window";
import { adapterFor } from "../../../src/providers/registry";
import { ACCESS_TOKEN, APP_SECRETS, IG } from "./helpers";

const HOUR = 60 * 60 * 1000;

describe("metaAdapter", () => {
  it("is registered as meta", () => {
    expect(adapterFor("meta")).toBe(metaAdapter);
  });

  it("generates a verify token when none is given, and accepts one to five app secrets", () => {
    const generated = metaAdapter.generatedCredentials!();
    expect(generated.verifyToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(metaAdapter.generatedCredentials!().verifyToken).not.toBe(generated.verifyToken);
    const ok = metaAdapter.credentialsSchema.safeParse({ appSecrets: APP_SECRETS, accessToken: ACCESS_TOKEN, ...generated });
    expect(ok.success).toBe(true);
    for (const appSecrets of [[], ["a", "b", "c", "d", "e", "f"], [""], "one-secret"]) {
      expect(metaAdapter.credentialsSchema.safeParse({ appSecrets, accessToken: ACCESS_TOKEN, verifyToken: "v" }).success).toBe(false);
    }
    expect(metaAdapter.credentialsSchema.safeParse({ appSecrets: APP_SECRETS, accessToken: ACCESS_TOKEN, verifyToken: "v", extra: 1 }).success).toBe(false);
  });

  it("requires the Instagram account id and defaults the rest", () => {
    expect(metaAdapter.settingsSchema.parse({ igAccountId: IG })).toEqual({ igAccountId: IG, flavor: "instagram", apiVersion: DEFAULT_API_VERSION, humanAgent: false });
    expect(DEFAULT_API_VERSION).toMatch(/^v\d+\.0$/);
    expect(metaAdapter.settingsSchema.safeParse({}).success).toBe(false);
    expect(metaAdapter.settingsSchema.safeParse({ igAccountId: 17841400008460056 }).success).toBe(false);
    expect(metaAdapter.settingsSchema.safeParse({ igAccountId: IG, flavor: "whatsapp" }).success).toBe(false);
    expect(metaAdapter.settingsSchema.safeParse({ igAccountId: IG, apiVersion: "23" }).success).toBe(false);
    expect(metaAdapter.settingsSchema.parse({ igAccountId: IG, flavor: "page", apiVersion: "v23.0", apiBaseUrl: "http://localhost:9000", humanAgent: true })).toMatchObject({
      flavor: "page",
      apiBaseUrl: "http://localhost:9000",
    });
  });
});

describe("metaReplyWindow", () => {
  const last = Date.UTC(2026, 10, 20, 9, 30);

  it("is open for 24 hours after the customer's last message", () => {
    expect(metaReplyWindow({ humanAgent: false }, last, last + 23 * HOUR)).toEqual({ open: true, closesAt: last + STANDARD_WINDOW_MS });
    expect(metaReplyWindow({ humanAgent: false }, last, last + STANDARD_WINDOW_MS)).toEqual({
      open: false,
      closesAt: last + STANDARD_WINDOW_MS,
      reason: "the 24-hour reply window closed at 2026-11-21T09:30:00.000Z",
    });
  });

  it("is open for 7 days with humanAgent", () => {
    expect(metaReplyWindow({ humanAgent: true }, last, last + 25 * HOUR)).toEqual({ open: true, closesAt: last + HUMAN_AGENT_WINDOW_MS });
    expect(metaReplyWindow({ humanAgent: true }, last, last + 8 * 24 * HOUR)).toEqual({
      open: false,
      closesAt: last + HUMAN_AGENT_WINDOW_MS,
      reason: "the 7-day human agent reply window closed at 2026-11-27T09:30:00.000Z",
    });
  });

  it("is closed when the customer never wrote", () => {
    expect(metaReplyWindow({ humanAgent: true }, null, last)).toMatchObject({ open: false, closesAt: null, reason: expect.stringContaining("has not written") });
  });
});
