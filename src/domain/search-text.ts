// Full text over message bodies (docs/interactions.md#full-text). The index (migration 0013) uses
// SQLite's unicode61 tokenizer, which folds case and drops diacritics; what it leaves apart is
// folded here and, identically, by the index's triggers: dotless ı to i, ß and ẞ to ss.

/** The text as the index holds it before tokenizing. */
export function foldSearchText(text: string): string {
  return text.replace(/ı/g, "i").replace(/[ßẞ]/g, "ss");
}

// unicode61 with categories 'L* N* Co So': letters, numbers, private use and symbols (emoji) make
// tokens; everything else separates them. Marks (Mn: accents, emoji variation selectors) are
// dropped inside a token.
const TOKEN = /[\p{L}\p{N}\p{Co}\p{So}\p{Mn}]+/gu;

/**
 * An FTS5 query for what a person typed: a message matches when each word typed begins one of its
 * words, in any order ("merh" finds "Merhaba", "isik" and "ışık" find "IŞIK"). Each word is quoted,
 * so nothing typed is taken as query syntax. An emoji is a word of its own, or the start of one
 * ("😀" finds "😀😀"; unicode61 keeps emoji written together in one token). Null when nothing
 * in the text is searchable (only punctuation or spaces).
 */
export function ftsQuery(text: string): string | null {
  const words = foldSearchText(text).match(TOKEN) ?? [];
  if (words.length === 0) return null;
  return words.map((w) => `"${w.replace(/"/g, '""')}" *`).join(" ");
}

// Text conditions (contains, starts with, ends with) ignore case. SQLite's lower() and LIKE fold
// ASCII only, so these capitals are folded first, in SQL and in the value alike.
const CAPITALS = "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞĞŞŒŸŁŃŘŠŽČĆĘĄŚŹŻ";
/**
 * Each capital and the small letter it folds to. Turkish İ and ı fold to i, as I does (SQLite's
 * lower()), so ışık, IŞIK and isik match one another as they do in full text.
 */
export const caseFolds: readonly [string, string][] = [...[...CAPITALS].map((c): [string, string] => [c, c.toLowerCase()]), ["İ", "i"], ["ı", "i"]];

/** The value as a text condition compares it: the capitals above and ASCII folded to small letters. */
export function foldCase(text: string): string {
  let out = text;
  for (const [from, to] of caseFolds) out = out.split(from).join(to);
  return out.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
