/** A machine translation service. docs/translation.md says how to add one. */
export interface Translator {
  /** Translates `text` into `to`; without `from` the service detects the language. */
  translate(text: string, opts: { from?: string; to: string }): Promise<{ text: string; detectedLanguage: string | null }>;
}

/** A translation that did not happen. `retryable`: the same request may succeed later (rate limit, 5xx, network). */
export class TranslationError extends Error {
  override readonly name = "TranslationError";

  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** Whether two language codes name the same language, by primary subtag: "pt" and "pt-BR" do. */
export function sameLanguage(a: string, b: string): boolean {
  const primary = (code: string) => code.trim().toLowerCase().split(/[-_]/)[0];
  return primary(a) === primary(b);
}
