/**
 * How long a text a provider accepts, in the unit it counts: Telegram and WhatsApp through Sinch
 * count Unicode code points (an emoji is 1), Twilio and the custom channel UTF-16 code units (an
 * emoji is 2), Instagram bytes of UTF-8 (`ş` is 2, most emoji 4).
 */
export type TextLimit = { max: number; unit: "characters" | "UTF-16 code units" | "bytes of UTF-8" };

const utf8 = new TextEncoder();

export function measureText(text: string, unit: TextLimit["unit"]): number {
  if (unit === "characters") return [...text].length;
  if (unit === "bytes of UTF-8") return utf8.encode(text).length;
  return text.length;
}

export type TextTooLong = { length: number; limit: number; unit: TextLimit["unit"] };

/** Null when `text` fits the limit; else how long it is. */
export function textTooLong(text: string, limit: TextLimit | undefined): TextTooLong | null {
  if (!limit) return null;
  const length = measureText(text, limit.unit);
  return length > limit.max ? { length, limit: limit.max, unit: limit.unit } : null;
}
