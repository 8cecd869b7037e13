import type { ConditionInput } from "../domain/search-conditions";

// Saved searches (docs/interactions.md#saved-searches): a user's own, and the shared ones every user sees.

export type SavedSearch = {
  id: string;
  ownerId: string;
  name: string;
  match: "all" | "any";
  conditions: ConditionInput[];
  shared: boolean;
  createdAt: number;
  updatedAt: number;
};

type Row = { id: string; owner_id: string; name: string; match: "all" | "any"; conditions: string; shared: number; created_at: number; updated_at: number };

const fromRow = (r: Row): SavedSearch => ({
  id: r.id,
  ownerId: r.owner_id,
  name: r.name,
  match: r.match,
  conditions: JSON.parse(r.conditions) as ConditionInput[],
  shared: r.shared === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The user's own searches and every shared one, by name. */
export async function listSavedSearches(d1: D1Database, userId: string): Promise<SavedSearch[]> {
  const { results } = await d1
    .prepare("SELECT * FROM saved_searches WHERE owner_id = ?1 UNION SELECT * FROM saved_searches WHERE shared = 1 ORDER BY name, id")
    .bind(userId)
    .all<Row>();
  return results.map(fromRow);
}

export async function getSavedSearch(d1: D1Database, id: string): Promise<SavedSearch | null> {
  const row = await d1.prepare("SELECT * FROM saved_searches WHERE id = ?1").bind(id).first<Row>();
  return row ? fromRow(row) : null;
}

export type SavedSearchInput = { name: string; match: "all" | "any"; conditions: ConditionInput[]; shared: boolean };

export async function createSavedSearch(d1: D1Database, ownerId: string, s: SavedSearchInput, now = Date.now()): Promise<SavedSearch> {
  const row = await d1
    .prepare(
      `INSERT INTO saved_searches (id, owner_id, name, match, conditions, shared, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) RETURNING *`,
    )
    .bind(crypto.randomUUID(), ownerId, s.name, s.match, JSON.stringify(s.conditions), s.shared ? 1 : 0, now)
    .first<Row>();
  return fromRow(row!);
}

export async function updateSavedSearch(d1: D1Database, id: string, s: Partial<SavedSearchInput>, now = Date.now()): Promise<SavedSearch | null> {
  const row = await d1
    .prepare(
      `UPDATE saved_searches SET name = coalesce(?2, name), match = coalesce(?3, match), conditions = coalesce(?4, conditions),
         shared = coalesce(?5, shared), updated_at = ?6
       WHERE id = ?1 RETURNING *`,
    )
    .bind(id, s.name ?? null, s.match ?? null, s.conditions === undefined ? null : JSON.stringify(s.conditions), s.shared === undefined ? null : s.shared ? 1 : 0, now)
    .first<Row>();
  return row ? fromRow(row) : null;
}

export async function deleteSavedSearch(d1: D1Database, id: string): Promise<boolean> {
  const { meta } = await d1.prepare("DELETE FROM saved_searches WHERE id = ?1").bind(id).run();
  return meta.changes > 0;
}
