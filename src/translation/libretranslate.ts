import { z } from "zod";
import { TranslationError, type Translator } from "./translator";

// LibreTranslate's POST /translate: https://docs.libretranslate.com/guides/api_usage/

const translateResponseSchema = z.object({
  translatedText: z.string(),
  /** Only when the request's source was "auto". */
  detectedLanguage: z.object({ language: z.string().min(1), confidence: z.number() }).optional(),
});

const errorResponseSchema = z.object({ error: z.string() });

/** Long enough for a slow self-hosted server, short enough that a hung one does not hold a reply for long. */
export const LIBRETRANSLATE_TIMEOUT_MS = 5000;

export function libreTranslate(o: { url: string; apiKey?: string; timeoutMs?: number }): Translator {
  const endpoint = `${o.url.replace(/\/+$/, "")}/translate`;
  return {
    async translate(text, { from, to }) {
      const body = { q: text, source: from ?? "auto", target: to, format: "text", ...(o.apiKey ? { api_key: o.apiKey } : {}) };
      let res: Response;
      let raw: string;
      try {
        res = await fetch(endpoint, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(o.timeoutMs ?? LIBRETRANSLATE_TIMEOUT_MS),
        });
        raw = await res.text();
      } catch (err) {
        throw new TranslationError(`LibreTranslate unreachable: ${String(err)}`, true);
      }
      if (!res.ok) {
        const reason = errorResponseSchema.safeParse(parseJson(raw)).data?.error ?? (res.statusText || "no error message");
        throw new TranslationError(`LibreTranslate answered ${res.status}: ${reason.slice(0, 200)}`, res.status === 408 || res.status === 429 || res.status >= 500);
      }
      const parsed = translateResponseSchema.safeParse(parseJson(raw));
      if (!parsed.success) throw new TranslationError("LibreTranslate answered 2xx without a translatedText string", false);
      if (parsed.data.translatedText.trim() === "" && text.trim() !== "") throw new TranslationError("LibreTranslate answered with an empty translation", false);
      const detected = parsed.data.detectedLanguage;
      // Text it cannot translate (emoji only, digits) comes back unchanged, "detected" as en with confidence 0.
      return { text: parsed.data.translatedText, detectedLanguage: detected && detected.confidence > 0 ? detected.language : null };
    },
  };
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
