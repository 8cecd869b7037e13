import { describe, expect, it } from "vitest";
import { translatorFor } from "../../src/translation";
import { libreTranslate } from "../../src/translation/libretranslate";
import { TranslationError } from "../../src/translation/translator";
import { json, libreConfig, LT, requestOf, stubFetch } from "./helpers";

const QUESTION = "Siparişim nerede? 📦";

async function failure(p: Promise<unknown>): Promise<TranslationError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TranslationError);
  return err as TranslationError;
}

describe("LibreTranslate translator", () => {
  it("POSTs q/source auto/target/format as JSON to {url}/translate, with no api_key when none is set", async () => {
    const fetchMock = stubFetch();
    fetchMock.mockResolvedValueOnce(json({ translatedText: "Where is my order? 📦", detectedLanguage: { confidence: 90, language: "tr" } }));

    const out = await libreTranslate({ url: `${LT}/` }).translate(QUESTION, { to: "en" });

    expect(fetchMock).toHaveBeenCalledTimes(1);
    const req = requestOf(fetchMock.mock.calls[0]!);
    expect(req.url).toBe(`${LT}/translate`);
    expect(req.method).toBe("POST");
    expect(req.contentType).toBe("application/json");
    expect(req.body).toStrictEqual({ q: QUESTION, source: "auto", target: "en", format: "text" });
    expect(out).toEqual({ text: "Where is my order? 📦", detectedLanguage: "tr" });
  });

  it("sends the Worker secret as api_key and the given source; no detectedLanguage then", async () => {
    const fetchMock = stubFetch();
    fetchMock.mockResolvedValueOnce(json({ translatedText: "Kargonuz yarın teslim edilecek 🚚" }));

    const translator = translatorFor(libreConfig(), { LIBRETRANSLATE_API_KEY: "lt-key-ğüş-123" })!;
    const out = await translator.translate("Your parcel arrives tomorrow 🚚", { from: "en", to: "tr" });

    expect(requestOf(fetchMock.mock.calls[0]!).body).toStrictEqual({
      q: "Your parcel arrives tomorrow 🚚",
      source: "en",
      target: "tr",
      format: "text",
      api_key: "lt-key-ğüş-123",
    });
    expect(out).toEqual({ text: "Kargonuz yarın teslim edilecek 🚚", detectedLanguage: null });
  });

  it("leaves api_key out when the secret is empty, and gives no translator for provider none", async () => {
    const fetchMock = stubFetch();
    fetchMock.mockResolvedValueOnce(json({ translatedText: "Hallo", detectedLanguage: { confidence: 80, language: "en" } }));

    await translatorFor(libreConfig(), { LIBRETRANSLATE_API_KEY: "" })!.translate("Hello", { to: "de" });

    expect(requestOf(fetchMock.mock.calls[0]!).body).not.toHaveProperty("api_key");
    expect(translatorFor({ provider: "none" }, { LIBRETRANSLATE_API_KEY: "lt-key" })).toBeNull();
  });

  it("reports no detected language for text LibreTranslate cannot translate (confidence 0)", async () => {
    const fetchMock = stubFetch();
    fetchMock.mockResolvedValueOnce(json({ translatedText: "📦👍", detectedLanguage: { confidence: 0, language: "en" } }));

    const out = await libreTranslate({ url: LT }).translate("📦👍", { to: "de" });

    expect(out).toEqual({ text: "📦👍", detectedLanguage: null });
  });

  it.each([
    { status: 400, body: { error: "zz is not supported" }, retryable: false, says: "zz is not supported" },
    { status: 403, body: { error: "Invalid API key" }, retryable: false, says: "Invalid API key" },
    { status: 429, body: { error: "Too many request limits violations" }, retryable: true, says: "Too many request limits violations" },
    { status: 500, body: { error: "Cannot translate text: model not loaded" }, retryable: true, says: "model not loaded" },
    { status: 502, body: "<html>Bad Gateway</html>", retryable: true, says: "502" },
  ])("turns HTTP $status into a TranslationError (retryable: $retryable)", async ({ status, body, retryable, says }) => {
    stubFetch().mockResolvedValueOnce(json(body, status));

    const err = await failure(libreTranslate({ url: LT }).translate(QUESTION, { to: "en" }));

    expect(err.retryable).toBe(retryable);
    expect(err.message).toContain(String(status));
    expect(err.message).toContain(says);
  });

  it.each([
    ["no translatedText", { text: "Where is my order?" }],
    ["a batch answer for a single text", { translatedText: ["Where is my order?"] }],
    ["a detectedLanguage that is not an object", { translatedText: "Where is my order?", detectedLanguage: "tr" }],
    ["an empty translation of a non-empty text", { translatedText: "  ", detectedLanguage: { confidence: 90, language: "tr" } }],
    ["no JSON at all", "<html>Welcome to nginx</html>"],
  ])("refuses a 2xx answer with %s, not retryable", async (_, body) => {
    stubFetch().mockResolvedValueOnce(json(body));

    const err = await failure(libreTranslate({ url: LT }).translate(QUESTION, { to: "en" }));

    expect(err.retryable).toBe(false);
  });

  it("turns a network failure into a retryable TranslationError", async () => {
    stubFetch().mockRejectedValueOnce(new TypeError("Network connection lost."));

    const err = await failure(libreTranslate({ url: LT }).translate(QUESTION, { to: "en" }));

    expect(err.retryable).toBe(true);
    expect(err.message).toContain("Network connection lost.");
  });

  it("gives up on a server that does not answer within the timeout", async () => {
    stubFetch().mockImplementationOnce(
      (_input, init) => new Promise((_, reject) => init!.signal!.addEventListener("abort", () => reject(init!.signal!.reason))),
    );

    const started = Date.now();
    const err = await failure(libreTranslate({ url: LT, timeoutMs: 30 }).translate(QUESTION, { to: "en" }));

    expect(err.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
