import { describe, expect, it } from "vitest";
import { z } from "zod";
import { adapterFor } from "../../src/providers/registry";
import { providerKinds } from "../../src/providers/types";
import { call } from "../helpers/api";

const name = (kind: string) => ({ telegram: "Telegram", meta: "Meta", connexease: "Connexease", twilio: "Twilio", sinch: "Sinch", custom: "Custom" })[kind]!;
const ref = (n: string) => `#/components/schemas/${n}`;

describe("OpenAPI document: accounts typed by provider", () => {
  it("a create body is one of six, told apart by provider, each with its provider's settings and credentials", async () => {
    const schemas = (await call("/api/openapi.json")).data.components.schemas;
    const create = schemas.AccountCreate;
    expect(create.discriminator.propertyName).toBe("provider");
    expect(Object.keys(create.discriminator.mapping)).toEqual([...providerKinds]);
    expect(create.oneOf.map((o: { $ref: string }) => o.$ref)).toEqual(providerKinds.map((k) => ref(`${name(k)}AccountCreate`)));
    for (const kind of providerKinds) {
      const variant = schemas[`${name(kind)}AccountCreate`];
      expect(variant.properties.provider.enum).toEqual([kind]);
      expect(variant.properties.settings.$ref).toBe(ref(`${name(kind)}Settings`));
      expect(variant.properties.credentials.$ref).toBe(ref(`${name(kind)}Credentials`));
      expect(variant.required).toEqual(expect.arrayContaining(["provider", "name", "queueId"]));
      expect(variant.additionalProperties).toBe(false);
    }
    // What an admin must give: Meta's settings have required fields, Telegram's all have defaults.
    expect(schemas.MetaAccountCreate.required).toContain("settings");
    expect(schemas.TelegramAccountCreate.required).not.toContain("settings");
    expect(schemas.CustomAccountCreate.required).not.toContain("credentials");
  });

  it("each provider's settings and credentials name the adapter's fields, each described; generated ones optional, activation-only ones absent", async () => {
    const schemas = (await call("/api/openapi.json")).data.components.schemas;
    for (const kind of providerKinds) {
      const adapter = adapterFor(kind)!;
      const settings = schemas[`${name(kind)}Settings`];
      const credentials = schemas[`${name(kind)}Credentials`];
      expect(Object.keys(settings.properties).sort(), kind).toEqual(Object.keys((adapter.settingsSchema as z.ZodObject).shape).sort());
      const generated = Object.keys(adapter.generatedCredentials?.() ?? {});
      const activationOnly = adapter.activationOnlyCredentials ?? [];
      const stored = Object.keys((adapter.credentialsSchema as z.ZodObject).shape);
      expect(Object.keys(credentials.properties).sort(), kind).toEqual(stored.filter((k) => !activationOnly.includes(k)).sort());
      for (const g of generated) expect(credentials.required ?? [], `${kind} ${g} is generated`).not.toContain(g);
      for (const [field, s] of [...Object.entries(settings.properties), ...Object.entries(credentials.properties)] as [string, { description?: string }][]) {
        expect(s.description, `${kind}.${field} is described`).toBeTruthy();
      }
      expect(settings.additionalProperties).toBe(false);
      expect(credentials.additionalProperties).toBe(false);
    }
    expect(schemas.CustomCredentials.properties.accessTokenHash).toBeUndefined();
    expect(schemas.MetaCredentials.required).toEqual(["appSecrets", "accessToken"]);
  });

  it("an update's settings and credentials, and an account's settings, are one of the providers'", async () => {
    const schemas = (await call("/api/openapi.json")).data.components.schemas;
    const settingsRefs = providerKinds.map((k) => ref(`${name(k)}Settings`));
    expect(schemas.AccountUpdate.properties.settings.oneOf.map((o: { $ref: string }) => o.$ref)).toEqual(settingsRefs);
    expect(schemas.Account.properties.settings.oneOf.map((o: { $ref: string }) => o.$ref)).toEqual(settingsRefs);
    const updates = schemas.AccountUpdate.properties.credentials.anyOf;
    expect(updates).toHaveLength(providerKinds.length);
    for (const u of updates) expect(u.required).toBeUndefined();
  });
});
