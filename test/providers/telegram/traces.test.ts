import { afterEach, describe, expect, it, vi } from "vitest";
import wranglerConfig from "../../../wrangler.jsonc?raw";
import { sendTelegram } from "../../../src/providers/telegram/send";
import { creds, settings, stubFetch } from "./fetch-stub";

// The Bot API takes the bot token only in the URL path (/bot<token>/method), and Workers tracing
// records every outbound fetch's url.full and url.path: with traces on, each send would put the
// token in a span. The hub keeps traces off and never writes the token to a log or a reason.

/** wrangler.jsonc as wrangler reads it: JSON with comments. */
function config(): { observability?: { enabled?: boolean; traces?: { enabled?: boolean }; logs?: { enabled?: boolean } } } {
  const withoutComments = wranglerConfig.replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_m, str: string | undefined) => str ?? "");
  return JSON.parse(withoutComments.replace(/,(\s*[}\]])/g, "$1"));
}

describe("the bot token stays out of traces and logs", () => {
  afterEach(() => vi.restoreAllMocks());

  it("keeps Workers traces off, with logs on", () => {
    const { observability } = config();
    expect(observability?.enabled).toBe(true);
    expect(observability?.traces?.enabled).toBe(false);
    expect(observability?.logs?.enabled).not.toBe(false);
  });

  it("logs nothing and reports no token when the call fails with the URL in the error", async () => {
    const logged: string[] = [];
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(" ")));
    }
    const url = `${settings.apiBaseUrl}/bot${creds.botToken}/sendMessage`;
    stubFetch(new TypeError(`fetch failed: ${url} — bağlantı reddedildi`));
    const result = await sendTelegram({ kind: "text", to: "7500001", text: "Merhaba 👋", messageId: 1 }, creds, settings);
    expect(result).toMatchObject({ ok: false, retryable: true });
    const reason = result.ok ? "" : result.reason;
    expect(reason).toContain("bağlantı reddedildi");
    for (const text of [reason, ...logged]) {
      expect(text).not.toContain(creds.botToken);
      expect(text).not.toContain(encodeURIComponent(creds.botToken));
    }
  });
});
