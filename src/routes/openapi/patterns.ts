/**
 * The generator writes a regex made with the `u` flag as its literal minus the leading slash
 * (`^\/[\p{L}]+$/u`). A JSON Schema `pattern` is an ECMA-262 pattern read with the `u` flag
 * already, without delimiters or flags: drop the trailing `/u` (a slash in `source` is always escaped,
 * so an unescaped one can only be the delimiter).
 */
export function withPlainPatterns<T>(node: T): T {
  if (Array.isArray(node)) {
    node.forEach((item) => withPlainPatterns(item));
  } else if (node && typeof node === "object") {
    const obj = node as Record<string, unknown>;
    for (const [key, value] of Object.entries(obj)) {
      if (key === "pattern" && typeof value === "string") obj[key] = withoutUnicodeFlag(value);
      else withPlainPatterns(value);
    }
  }
  return node;
}

function withoutUnicodeFlag(pattern: string): string {
  if (!pattern.endsWith("/u")) return pattern;
  let backslashes = 0;
  for (let i = pattern.length - 3; i >= 0 && pattern[i] === "\\"; i--) backslashes++;
  return backslashes % 2 === 0 ? pattern.slice(0, -2) : pattern;
}
