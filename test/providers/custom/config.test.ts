import { describe, expect, it } from "vitest";
import { customAdapter } from "../../../src/providers/custom";
import { customCredentialsSchema, customSettingsSchema } from "../../../src/providers/custom/config";

const urlIssue = (outgoingUrl: unknown) => {
  const r = customSettingsSchema.safeParse({ outgoingUrl });
  return r.success ? null : r.error.issues[0]!.message;
};

describe("custom channel settings", () => {
  it("takes https anywhere, and plain http only for localhost, 127.0.0.1 and [::1]", () => {
    for (const ok of [
      "https://chat.partner.example/hub/outgoing",
      "https://chat.partner.example:8443/hub?tenant=7",
      "http://localhost:8788/outgoing",
      "http://127.0.0.1:9000/",
      "http://[::1]:9000/x",
    ]) {
      expect(urlIssue(ok)).toBeNull();
    }
    expect(urlIssue("http://chat.partner.example/hub")).toBe("Plain http is allowed only for localhost, 127.0.0.1 and [::1]; use https");
    expect(urlIssue("http://10.0.0.5/hub")).toMatch(/only for localhost/);
    expect(urlIssue("ftp://chat.partner.example/hub")).toBe("Expected an https:// URL");
    expect(urlIssue("/relative")).toBe("Expected an absolute URL like https://example.com/hub-webhook");
    expect(urlIssue("https://user:pw@chat.partner.example/hub")).toMatch(/must not carry a user name or password/);
    expect(urlIssue(`https://x.example/${"a".repeat(2048)}`)).not.toBeNull();
  });

  it("refuses unknown settings and a missing URL", () => {
    expect(customSettingsSchema.safeParse({}).success).toBe(false);
    expect(customSettingsSchema.safeParse({ outgoingUrl: "https://x.example", timeout: 5 }).success).toBe(false);
  });
});

describe("custom channel credentials", () => {
  it("generates a signing secret the schema accepts; the token hash is optional and must be a SHA-256", () => {
    const generated = customAdapter.generatedCredentials!();
    expect(Object.keys(generated)).toEqual(["signingSecret"]);
    expect(customCredentialsSchema.parse(generated)).toEqual(generated);
    expect(generated.signingSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(customAdapter.generatedCredentials!().signingSecret).not.toBe(generated.signingSecret);
    expect(customCredentialsSchema.safeParse({ ...generated, accessTokenHash: "a".repeat(64) }).success).toBe(true);
    expect(customCredentialsSchema.safeParse({ ...generated, accessTokenHash: "A".repeat(64) }).success).toBe(false);
  });

  it("refuses a short or oddly charactered signing secret, and unknown credentials", () => {
    expect(customCredentialsSchema.safeParse({ signingSecret: "short" }).success).toBe(false);
    expect(customCredentialsSchema.safeParse({ signingSecret: `${"a".repeat(31)} ` }).success).toBe(false);
    expect(customCredentialsSchema.safeParse({ signingSecret: "a".repeat(32), accessToken: "x" }).success).toBe(false);
  });
});
