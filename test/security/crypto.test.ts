import { describe, expect, it } from "vitest";
import { constantTimeEqual, hashPassword, hmac, seal, toHex, unseal, verifyPassword } from "../../src/security/crypto";

const KEY = btoa("k".repeat(32));

describe("sealing secrets (AES-256-GCM)", () => {
  it("round-trips and never contains the plaintext; each seal uses a fresh IV", async () => {
    const secret = JSON.stringify({ botToken: "123:ABCDEF-şifre-🔑" });
    const a = await seal(KEY, secret);
    const b = await seal(KEY, secret);
    expect(a).not.toContain("ABCDEF");
    expect(a).not.toBe(b);
    expect(await unseal(KEY, a)).toBe(secret);
  });
  it("refuses a tampered value and a wrong key", async () => {
    const sealed = await seal(KEY, "secret");
    const [v, iv, ct] = sealed.split(".");
    const flipped = `${v}.${iv}.${ct!.slice(0, 4)}${ct![4] === "A" ? "B" : "A"}${ct!.slice(5)}`;
    await expect(unseal(KEY, flipped)).rejects.toThrow();
    await expect(unseal(btoa("x".repeat(32)), sealed)).rejects.toThrow();
    await expect(seal(btoa("short"), "x")).rejects.toThrow(/32 bytes/);
  });
});

describe("constantTimeEqual", () => {
  it("is true only for identical inputs, including same-length near misses", () => {
    expect(constantTimeEqual("s3cret", "s3cret")).toBe(true);
    expect(constantTimeEqual("s3cret", "s3creT")).toBe(false);
    expect(constantTimeEqual("s3cret", "s3cre")).toBe(false);
    expect(constantTimeEqual("", "x")).toBe(false);
  });
});

describe("hmac", () => {
  it("matches RFC 4231 test case 2 (HMAC-SHA256)", async () => {
    const mac = await hmac("SHA-256", "Jefe", "what do ya want for nothing?");
    expect(toHex(mac)).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });
});

describe("passwords (PBKDF2-SHA256)", () => {
  it("verifies the right password only", async () => {
    const stored = await hashPassword("Güçlü-parola-1");
    expect(stored.startsWith("pbkdf2-sha256$100000$")).toBe(true);
    expect(await verifyPassword("Güçlü-parola-1", stored)).toBe(true);
    expect(await verifyPassword("guclu-parola-1", stored)).toBe(false);
    expect(await verifyPassword("x", "garbage")).toBe(false);
  });
});
