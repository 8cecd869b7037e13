// `--floor`: the floor Worker (bench/floor/worker.mjs) beside the hub in the same workerd process,
// served through the same Miniflare entry under /floor/, with its own D1 database and its own
// Durable Object class. Its schema, its Miniflare options, and what it stored.
import path from "node:path";
import { ROOT } from "./hub.mjs";

export const FLOOR_SCRIPT = path.join(ROOT, "bench/floor/worker.mjs");

const SCHEMA = [
  "CREATE TABLE contacts (id INTEGER PRIMARY KEY, chat_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, username TEXT)",
  "CREATE TABLE tickets (id INTEGER PRIMARY KEY, contact_id INTEGER NOT NULL UNIQUE REFERENCES contacts (id), status TEXT NOT NULL, agent_id TEXT)",
  `CREATE TABLE messages (id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL REFERENCES tickets (id), direction TEXT NOT NULL,
     provider_message_id TEXT, client_msg_id TEXT UNIQUE, body TEXT NOT NULL, status TEXT NOT NULL, UNIQUE (direction, provider_message_id))`,
];

/** The floor's entry in Miniflare's `workers`: requests to /floor/* go to it, all others to the hub. */
export function floorWorker({ compatibilityDate, botApiBaseUrl, botToken, secretToken }) {
  return {
    name: "bench-floor",
    modules: [{ type: "ESModule", path: FLOOR_SCRIPT }],
    modulesRoot: path.dirname(FLOOR_SCRIPT),
    compatibilityDate,
    routes: ["*/floor/*"],
    bindings: { FLOOR_SECRET_TOKEN: secretToken, BOT_API_BASE_URL: botApiBaseUrl, BOT_TOKEN: botToken },
    d1Databases: { DB: "bench-floor" },
    durableObjects: { FLOOR_QUEUE: { className: "FloorQueue", useSQLite: true } },
  };
}

export async function migrateFloor(db) {
  for (const sql of SCHEMA) await db.prepare(sql).run();
}

/** Update indexes in [base, base + N) whose message the floor stored. */
export async function floorStored(db, { base, N, userIdOf }) {
  const rows = (await db.prepare("SELECT provider_message_id AS pid FROM messages WHERE direction = 'in'").all()).results;
  const stored = new Set();
  for (const { pid } of rows) {
    const index = Number(String(pid).split(":")[0]) - userIdOf(0);
    if (Number.isInteger(index) && index >= base && index < base + N) stored.add(index);
  }
  return stored;
}
