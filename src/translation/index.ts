import type { TranslationConfig } from "../domain/routing-config";
import type { Env } from "../env";
import { libreTranslate } from "./libretranslate";
import type { Translator } from "./translator";

export { TranslationError, sameLanguage, type Translator } from "./translator";

/** The queue's translator; null when the queue does not translate. */
export function translatorFor(config: TranslationConfig, env: Pick<Env, "LIBRETRANSLATE_API_KEY">): Translator | null {
  switch (config.provider) {
    case "none":
      return null;
    case "libretranslate":
      return libreTranslate({ url: config.url, apiKey: env.LIBRETRANSLATE_API_KEY || undefined });
  }
}
