// The queue's routing configuration (table `config`), parsed and kept in memory.
import { defaultRoutingConfig, parseRoutingConfig, type RoutingConfig } from "../../domain/routing-config";

export class ConfigTable {
  private cached: { json: string; config: RoutingConfig } | undefined;

  constructor(private readonly sql: SqlStorage) {}

  get(): RoutingConfig {
    if (!this.cached) {
      const row = this.sql.exec<{ json: string }>("SELECT json FROM config WHERE id = 1").toArray()[0];
      this.cached = row ? { json: row.json, config: parseRoutingConfig(JSON.parse(row.json)) } : { json: "", config: defaultRoutingConfig };
    }
    return this.cached.config;
  }

  /** Whether a configuration was ever written here (else `get` answers the defaults). */
  stored(): boolean {
    this.get();
    return this.cached!.json !== "";
  }

  /** Written only when it changed. */
  set(config: RoutingConfig) {
    const json = JSON.stringify(config);
    if (this.cached?.json === json) return;
    this.sql.exec("INSERT INTO config (id, json) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json", json);
    this.cached = { json, config };
  }
}
