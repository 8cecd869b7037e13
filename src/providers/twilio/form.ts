/**
 * application/x-www-form-urlencoded, as Twilio posts its webhooks. Pairs keep their order and
 * repeats: the signature covers every value of a repeated name.
 */
export type FormPairs = [name: string, value: string][];

export class FormEncodingError extends Error {}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/**
 * Strict parse: the bytes must be UTF-8 and every %XX sequence must decode to UTF-8.
 * Throws FormEncodingError otherwise. `+` is a space, as in every HTML form.
 */
export function parseFormStrict(raw: Uint8Array): FormPairs {
  let text: string;
  try {
    text = strictUtf8.decode(raw);
  } catch {
    throw new FormEncodingError("the body is not UTF-8");
  }
  const pairs: FormPairs = [];
  for (const piece of text.split("&")) {
    if (piece === "") continue;
    const eq = piece.indexOf("=");
    const name = eq < 0 ? piece : piece.slice(0, eq);
    const value = eq < 0 ? "" : piece.slice(eq + 1);
    pairs.push([decodeComponent(name), decodeComponent(value)]);
  }
  return pairs;
}

/**
 * What a browser's URLSearchParams makes of the bytes: never fails, broken sequences become U+FFFD.
 * Equal to the strict parse on every well-formed body; used to check signatures, so that an
 * authentic but badly encoded request is answered 400, not 401.
 */
export function parseFormLenient(raw: Uint8Array): FormPairs {
  return [...new URLSearchParams(lenientUtf8.decode(raw))];
}

function decodeComponent(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll("+", " "));
  } catch {
    throw new FormEncodingError(`"${s.slice(0, 40)}" is not valid percent-encoded UTF-8`);
  }
}

/** The first value of each name: the view normalize reads (Twilio never repeats the fields we read). */
export function firstValues(pairs: FormPairs): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of pairs) if (!Object.hasOwn(out, name)) out[name] = value;
  return out;
}
