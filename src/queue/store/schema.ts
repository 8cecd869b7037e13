// The queue object's own schema in its SQLite, versioned: objects outlive deploys.

const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS config (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS agents (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  capacity INTEGER NOT NULL,
  chosen_status TEXT NOT NULL DEFAULT 'online',  -- what the agent asked for: online | away
  connected INTEGER NOT NULL DEFAULT 0,          -- 1 while a socket is open or within the grace period
  last_offer_at INTEGER NOT NULL DEFAULT 0,
  last_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tickets (
  id INTEGER PRIMARY KEY,
  view TEXT NOT NULL,
  preview TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,                           -- waiting | offered | assigned
  agent_id TEXT,                                 -- the agent holding it (assigned)
  offer_expires_at INTEGER,                      -- when the open offers of this ring lapse
  enqueued_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_state_idx ON tickets (state, enqueued_at);
CREATE INDEX IF NOT EXISTS tickets_agent_idx ON tickets (agent_id);
CREATE TABLE IF NOT EXISTS seen_messages (message_id INTEGER PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS timers (kind TEXT NOT NULL, ref TEXT NOT NULL, due_at INTEGER NOT NULL, PRIMARY KEY (kind, ref));
CREATE INDEX IF NOT EXISTS timers_due_idx ON timers (due_at);
CREATE TABLE IF NOT EXISTS frames (agent_id TEXT NOT NULL, seq INTEGER NOT NULL, json TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (agent_id, seq));
`;

/** Later changes to the object's own schema, applied once each, in order (objects outlive deploys). */
const MIGRATIONS = [
  `CREATE TABLE offers (ticket_id INTEGER NOT NULL, agent_id TEXT NOT NULL, PRIMARY KEY (ticket_id, agent_id));
   CREATE INDEX offers_agent_idx ON offers (agent_id);
   INSERT INTO offers (ticket_id, agent_id) SELECT id, agent_id FROM tickets WHERE state = 'offered' AND agent_id IS NOT NULL;
   UPDATE tickets SET agent_id = NULL WHERE state = 'offered';
   ALTER TABLE agents ADD COLUMN idle_since INTEGER;
   ALTER TABLE agents ADD COLUMN assigned_count INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE agents ADD COLUMN weight INTEGER NOT NULL DEFAULT 1;
   ALTER TABLE tickets ADD COLUMN preferred_agent_id TEXT;
   ALTER TABLE tickets ADD COLUMN sticky_until INTEGER;`,
  // Messages for a new agent now come from D1's history.
  `DROP TABLE IF EXISTS pending_messages;`,
  `CREATE TABLE stats (key TEXT PRIMARY KEY, value INTEGER);`,
  `ALTER TABLE tickets ADD COLUMN escalated INTEGER NOT NULL DEFAULT 0;`,
  // Transfers: to an agent here (transfer_to), or in from another queue (return_queue, return_agent).
  `ALTER TABLE tickets ADD COLUMN transfer_to TEXT;
   ALTER TABLE tickets ADD COLUMN return_queue TEXT;
   ALTER TABLE tickets ADD COLUMN return_agent TEXT;`,
  // Action plans (the steps still ahead of a ticket on one) and other queues' claims on shared agents.
  `ALTER TABLE tickets ADD COLUMN plan TEXT;
   CREATE TABLE peer_demand (queue_id TEXT PRIMARY KEY, priority INTEGER NOT NULL, agents TEXT NOT NULL, valid_until INTEGER NOT NULL);`,
  // The conversation settings of the ticket's account (dispositions, automatic messages, notifications…), as JSON.
  `ALTER TABLE tickets ADD COLUMN settings TEXT;`,
  // How many queue position updates the waiting customer has been sent in this stay.
  `ALTER TABLE tickets ADD COLUMN position_updates INTEGER NOT NULL DEFAULT 0;`,
  // Tickets handed over to another queue (pending until that queue's object confirms, then kept a
  // while to forward late messages) and the hand-overs received here (a repeat is acknowledged only).
  `CREATE TABLE handovers (
     ticket_id INTEGER PRIMARY KEY,
     to_queue TEXT NOT NULL,
     move_id TEXT NOT NULL,
     json TEXT NOT NULL,                         -- the hand-over: what the other queue receives
     enqueued_at INTEGER NOT NULL,               -- when the ticket joined this queue, if it has to stay after all
     attempts INTEGER NOT NULL DEFAULT 0,
     confirmed_at INTEGER
   );
   CREATE TABLE arrivals (move_id TEXT PRIMARY KEY, ticket_id INTEGER NOT NULL, at INTEGER NOT NULL);
   CREATE INDEX arrivals_at_idx ON arrivals (at);`,
  // Capacity across queues: claims awaiting the agent's ledger (new offers, picks), what the ledger
  // was last told of each agent here, and the ledger versions at which an agent was found full / freed.
  `CREATE TABLE claims (
     ticket_id INTEGER NOT NULL,
     agent_id TEXT NOT NULL,
     kind TEXT NOT NULL,                         -- offer (an open offer, not sent until granted) | pick
     lim INTEGER NOT NULL,                       -- the most slots the agent may have in every queue with it
     granted INTEGER NOT NULL DEFAULT 0,         -- picks: granted, the pick is under way
     sent_seq INTEGER,                           -- the latest report that carried it; null: not reported yet
     PRIMARY KEY (ticket_id, agent_id)
   );
   CREATE INDEX claims_agent_idx ON claims (agent_id);
   CREATE TABLE ledger_told (agent_id TEXT NOT NULL, ticket_id INTEGER NOT NULL, kind TEXT NOT NULL, PRIMARY KEY (agent_id, ticket_id));
   ALTER TABLE agents ADD COLUMN full_version INTEGER;
   ALTER TABLE agents ADD COLUMN freed_version INTEGER;`,
  // The agent's slots in other queues as their ledger last answered (null: not asked yet): none lets this queue count theirs itself.
  `ALTER TABLE agents ADD COLUMN elsewhere INTEGER;`,
  // A ticket's open offers and this round's attempts on its own row (JSON arrays of agent ids), so
  // that an offer, an accept or a requeue is one statement; the two tables they lived in go.
  `CREATE TABLE IF NOT EXISTS ring_attempts (ticket_id INTEGER NOT NULL, agent_id TEXT NOT NULL, PRIMARY KEY (ticket_id, agent_id));
   ALTER TABLE tickets ADD COLUMN offered TEXT;
   ALTER TABLE tickets ADD COLUMN tried TEXT;
   UPDATE tickets SET offered = (SELECT json_group_array(agent_id) FROM (SELECT agent_id FROM offers WHERE ticket_id = tickets.id ORDER BY agent_id)) WHERE id IN (SELECT ticket_id FROM offers);
   UPDATE tickets SET tried = (SELECT json_group_array(agent_id) FROM (SELECT agent_id FROM ring_attempts WHERE ticket_id = tickets.id ORDER BY agent_id)) WHERE id IN (SELECT ticket_id FROM ring_attempts);
   DROP TABLE offers;
   DROP TABLE ring_attempts;`,
];

/** Creates the tables and applies the migrations not applied yet, in order. */
export function migrate(sql: SqlStorage) {
  sql.exec(SCHEMA_V1);
  sql.exec("CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
  const applied = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0]?.version ?? 0;
  for (let v = applied; v < MIGRATIONS.length; v++) sql.exec(MIGRATIONS[v]!);
  if (applied !== MIGRATIONS.length) sql.exec("INSERT INTO schema_version (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version", MIGRATIONS.length);
}
