import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { providerKinds } from "../../src/providers/types";
import { providerSpec } from "../../src/routes/api/account-providers";
import { adapterFor } from "../../src/providers/registry";
import { ApiFailure } from "../../web/src/http";
import { checkAccount, credentialsBody, providerForms, settingsBody, settingsValues } from "../../web/src/admin/account-providers";
import { errorAt, fieldErrorsOf } from "../../web/src/admin/data";

// The admin console's account form is built from a list of fields per provider, validated with the
// schemas the accounts API parses with: every field of those schemas has a control, nothing more.
const keysOf = (schema: unknown) => Object.keys((schema as z.ZodObject<z.ZodRawShape>).shape).sort();

describe("the account form's provider fields", () => {
  it("has a form for every provider the API accepts", () => {
    expect(Object.keys(providerForms).sort()).toEqual([...providerKinds].sort());
  });

  for (const kind of providerKinds) {
    describe(kind, () => {
      const form = providerForms[kind];
      const spec = providerSpec(kind)!;

      it("validates with the very schemas the API parses with", () => {
        expect(form.settingsSchema).toBe(spec.settings);
        expect(form.credentialsSchema).toBe(spec.credentials);
      });

      it("has one control per settings field", () => {
        expect(form.settings.map((f) => f.name).sort()).toEqual(keysOf(form.settingsSchema));
      });

      it("has one control per credential an admin may set", () => {
        const settable = keysOf(form.credentialsSchema).filter((k) => !(form.notEditable ?? []).includes(k));
        expect(form.credentials.map((f) => f.name).sort()).toEqual(settable);
        expect(form.credentials.every((f) => f.kind === "secret" || f.kind === "secrets")).toBe(true);
      });

      it("marks as generated exactly the credentials the hub generates", () => {
        const generated = Object.keys(adapterFor(kind)?.generatedCredentials?.() ?? {}).sort();
        expect(form.credentials.filter((f) => f.generated).map((f) => f.name).sort()).toEqual(generated);
      });
    });
  }
});

describe("checking an account before it is sent", () => {
  const twilio = providerForms.twilio;

  it("refuses what the API refuses, at the same field path, with the schema's message", () => {
    const settings = settingsBody(twilio, { accountSid: "AC123", from: "whatsapp:+14155238886", apiBaseUrl: "" });
    expect(settings).toEqual({ accountSid: "AC123", from: "whatsapp:+14155238886" });
    const errors = checkAccount(twilio, settings, {}, true);
    expect(errors["settings.accountSid"]).toBe("Expected an Account SID: AC followed by 32 hex digits");
    expect(errors["credentials.authToken"]).toBe("Required");
    expect(errors["settings.from"]).toBeUndefined();
  });

  it("lets a new account leave out generated credentials, and a change leave out any", () => {
    const telegram = providerForms.telegram;
    expect(checkAccount(telegram, {}, { botToken: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ" }, true)).toEqual({});
    expect(checkAccount(telegram, {}, {}, true)["credentials.botToken"]).toBeDefined();
    expect(checkAccount(telegram, {}, {}, false)).toEqual({});
  });

  it("sends a list of secrets without its empty inputs, and settings' numbers and flags typed", () => {
    expect(credentialsBody(providerForms.meta, { appSecrets: ["s1", ""], accessToken: "", verifyToken: "" })).toEqual({ appSecrets: ["s1"] });
    expect(settingsBody(providerForms.sinch, { projectId: "p", appId: "a", region: "", apiBaseUrl: "", authUrl: "", maxSkewS: "120" })).toEqual({ projectId: "p", appId: "a", maxSkewS: 120 });
    const meta = settingsValues(providerForms.meta, { igAccountId: "17841400008460056", humanAgent: true });
    expect(settingsBody(providerForms.meta, meta)).toEqual({ igAccountId: "17841400008460056", humanAgent: true });
  });
});

describe("the API's refusals shown at their fields", () => {
  it("takes each detail's message, or the error's own for a detail that names only its field", () => {
    const taken = new ApiFailure(409, "conflict", "Another account has the Key DEMO", [{ path: "shortKey" }]);
    expect(fieldErrorsOf(taken)).toEqual({ shortKey: "Another account has the Key DEMO" });
    const invalid = new ApiFailure(400, "validation_failed", "The request does not match the schema", [
      { path: "credentials.appSecrets.0", message: "An app secret cannot be empty" },
      { path: "name", message: "Too small" },
    ]);
    const errors = fieldErrorsOf(invalid);
    expect(errorAt(errors, "credentials.appSecrets")).toBe("An app secret cannot be empty");
    expect(errorAt(errors, "name")).toBe("Too small");
    expect(errorAt(errors, "credentials.accessToken")).toBeUndefined();
    expect(fieldErrorsOf(new Error("offline"))).toEqual({});
  });
});
