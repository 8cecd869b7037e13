import { describe, expect, it } from "vitest";
import { customAdapter } from "../../../src/providers/custom";
import { authenticateCustom } from "../../../src/providers/custom/authenticate";
import { sha256Hex } from "../../../src/security/crypto";
import { ACCESS_TOKEN, activeCreds, settings, webhookRequest } from "./helpers";

const auth = async (headers: Record<string, string>, creds?: { accessTokenHash?: string }) =>
  authenticateCustom(webhookRequest(headers), creds ?? (await activeCreds()));

describe("authenticateCustom", () => {
  it("accepts the access token whose SHA-256 is stored (scheme and header name case-insensitive)", async () => {
    expect(await auth({ Authorization: `Bearer ${ACCESS_TOKEN}` })).toBeNull();
    expect(await auth({ authorization: `bearer ${ACCESS_TOKEN}` })).toBeNull();
  });

  it("the stored hash is the lowercase hex SHA-256 of the token (known vector: SHA-256 of \"abc\")", async () => {
    const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    expect(await sha256Hex("abc")).toBe(abc);
    expect(await auth({ Authorization: "Bearer abc" }, { accessTokenHash: abc })).toBeNull();
  });

  it("reports a missing header and a header that is not a bearer token", async () => {
    expect(await auth({})).toBe("missing Authorization: Bearer <access token>");
    for (const value of [`Basic ${btoa(`x:${ACCESS_TOKEN}`)}`, "Bearer", "Bearer ", `Bearer ${ACCESS_TOKEN} extra`, ACCESS_TOKEN]) {
      expect(await auth({ Authorization: value })).toBe("Authorization is not a Bearer token");
    }
  });

  it("rejects a wrong token of the same length, a prefix, and a longer one", async () => {
    const last = ACCESS_TOKEN.at(-1) === "1" ? "2" : "1";
    const sameLength = ACCESS_TOKEN.slice(0, -1) + last;
    expect(sameLength).toHaveLength(ACCESS_TOKEN.length);
    for (const wrong of [sameLength, ACCESS_TOKEN.slice(0, -1), `${ACCESS_TOKEN}x`]) {
      expect(await auth({ Authorization: `Bearer ${wrong}` })).toBe("access token mismatch");
    }
  });

  it("refuses every token while the channel has no token hash (never activated)", async () => {
    expect(await auth({ Authorization: `Bearer ${ACCESS_TOKEN}` }, {})).toBe("the channel has no access token yet (not activated)");
  });

  it("the adapter answers ok / not ok with the reason", async () => {
    const ctx = { accountId: "a", creds: await activeCreds(), settings, receiveUrl: "", now: 0 };
    expect(await customAdapter.authenticate(webhookRequest({ Authorization: `Bearer ${ACCESS_TOKEN}` }), ctx)).toEqual({ ok: true });
    expect(await customAdapter.authenticate(webhookRequest({ Authorization: "Bearer nope" }), ctx)).toEqual({ ok: false, reason: "access token mismatch" });
  });
});
