// .dev.vars holds the Worker's local secrets (dotenv format); wrangler dev loads it.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync, appendFileSync } from "node:fs";

/** KEY=value lines; # comments; optional single or double quotes around the value. */
export function parseDotenv(text) {
  const vars = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = line.match(/^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/);
    if (!m) continue;
    let value = m[2];
    const quoted = value.match(/^(['"])(.*)\1$/);
    if (quoted) value = quoted[2];
    else value = value.replace(/\s+#.*$/, "").trim();
    vars[m[1]] = value;
  }
  return vars;
}

/** True when the value is base64 of exactly 32 bytes (an AES-256 key). */
export function isSecretsKey(value) {
  if (typeof value !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  return Buffer.from(value, "base64").length === 32;
}

export function newSecretsKey() {
  return randomBytes(32).toString("base64");
}

/**
 * Makes sure .dev.vars exists and holds a valid SECRETS_KEY.
 * Returns { key, created, appended }; throws with a clear message when the key present is invalid.
 */
export function ensureDevVars(file) {
  if (!existsSync(file)) {
    const key = newSecretsKey();
    writeFileSync(
      file,
      "# Local secrets for `wrangler dev` (created by `npm start`; not committed).\n" +
        "# SECRETS_KEY seals provider secrets at rest. Changing it makes secrets already stored unreadable.\n" +
        `SECRETS_KEY=${key}\n`,
      { mode: 0o600 },
    );
    return { key, created: true, appended: false };
  }
  const text = readFileSync(file, "utf8");
  const vars = parseDotenv(text);
  if (vars.SECRETS_KEY === undefined) {
    const key = newSecretsKey();
    appendFileSync(file, `${text.endsWith("\n") || text === "" ? "" : "\n"}SECRETS_KEY=${key}\n`);
    return { key, created: false, appended: true };
  }
  if (!isSecretsKey(vars.SECRETS_KEY)) {
    throw new Error(
      `SECRETS_KEY in ${file} is not base64 of 32 bytes. Fix it, or delete the line to have a new one generated ` +
        "(secrets already sealed under the old key then become unreadable: reset the demo with `rm -rf .wrangler/state`).",
    );
  }
  return { key: vars.SECRETS_KEY, created: false, appended: false };
}
