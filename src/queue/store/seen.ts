// Customer messages already routed here (table `seen_messages`): a provider's retry re-notifies, and is delivered once.
import { FRAME_RETENTION_MS } from "./frames";

export class SeenTable {
  constructor(private readonly sql: SqlStorage) {}

  /** false when the message was seen before. */
  first(messageId: number, at: number): boolean {
    return this.sql.exec("INSERT OR IGNORE INTO seen_messages (message_id, at) VALUES (?, ?)", messageId, at).rowsWritten > 0;
  }

  prune(now: number) {
    this.sql.exec("DELETE FROM seen_messages WHERE at < ?", now - 2 * FRAME_RETENTION_MS);
  }
}
