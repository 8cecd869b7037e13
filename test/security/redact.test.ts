import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/security/crypto";
import { accountSecrets, maskCredentialShapes, maskSecrets } from "../../src/security/redact";

describe("maskSecrets", () => {
  const creds = { username: "api.user@mağaza.example", password: "Şifre/çok \"gizli\" 42", nested: { keys: ["key-one-1234", "ab"] } };
  const set = accountSecrets(creds, { accountSid: "AC0123456789abcdef" });

  it("masks a credential as written, URL- and form-encoded, JSON-escaped and base64", async () => {
    const p = creds.password;
    const text = [p, encodeURIComponent(p), encodeURIComponent(p).replaceAll("%20", "+"), JSON.stringify(p), btoa(String.fromCharCode(...new TextEncoder().encode(p)))].join(" | ");
    const masked = await maskSecrets(text, set);
    expect(masked).toBe('<redacted password> | <redacted password> | <redacted password> | "<redacted password>" | <redacted password>');
  });

  it("masks a Basic header pairing a setting or credential with a secret, and nested secrets by their field", async () => {
    const header = `Basic ${btoa(`AC0123456789abcdef:key-one-1234`)}`;
    expect(await maskSecrets(`Authorization: ${header}; key key-one-1234`, set)).toBe("Authorization: Basic <redacted Basic credentials>; key <redacted keys>");
  });

  it("leaves values too short to be secrets, and ordinary words, alone", async () => {
    expect(await maskSecrets("ab: Basic authentication failed", set)).toBe("ab: Basic authentication failed");
  });

  it("masks tokens obtained during the send and those kept only as a hash", async () => {
    const token = "ct_live_Q2hhbm5lbEh1YkN1c3RvbVRva2VuMDAx";
    const hashed = accountSecrets({ signingSecret: "cs_test_4f9a2b7c1d8e3f60a5b4c3d2e1f0a9b8", accessTokenHash: await sha256Hex(token) }, {}, ["sess-7f3a9c2e81"]);
    expect(await maskSecrets(`token ${token}, session sess-7f3a9c2e81, key cs_test_4f9a2b7c1d8e3f60a5b4c3d2e1f0a9b8 🚫`, hashed)).toBe(
      "token <redacted access token>, session <redacted token>, key <redacted signingSecret> 🚫",
    );
  });

  it("masks JWTs and Bearer/Basic/JWT credentials of unknown origin", () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJrZXktaWQifQ.c2lnbmF0dXJl";
    expect(maskCredentialShapes(`Authorization: Bearer 9f8e7d6c5b4a39281706 and ${jwt}`)).toBe("Authorization: Bearer <redacted> and <redacted token>");
  });
});
