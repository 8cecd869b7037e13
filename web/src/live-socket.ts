// A socket to one queue that keeps itself alive and reconnects with backoff after a drop, asking
// for a fresh single-use socket ticket each time. What it resumes from (the agent's lastSeq) and
// which closes end it for good are the caller's.
import { ApiFailure, socketUrl } from "./api";

const PING_MS = 25_000;
const MAX_BACKOFF_MS = 10_000;

export type Connection = "connecting" | "online" | "reconnecting" | "closed";

export type LiveSocketOptions<In> = {
  /** "/agent/ws" or "/supervisor/ws". */
  path: string;
  /** The query of each (re)connect, asked anew every time. */
  params(): Record<string, string>;
  /** Close codes after which reconnecting is wrong, with what to tell the user. */
  finalCloses: Record<number, string>;
  /** Whether a refused socket ticket ends it for good (and what to say), or null to try again. */
  finalRefusal(err: ApiFailure): string | null;
  frame(f: In): void;
  state(s: Connection, note: string): void;
};

export class LiveSocket<In, Out> {
  private ws: WebSocket | null = null;
  private ping: ReturnType<typeof setInterval> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private attempts = 0;
  private stopped = false;

  constructor(
    private readonly token: string,
    protected readonly on: LiveSocketOptions<In>,
  ) {}

  start() {
    this.on.state("connecting", "");
    void this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.ping);
    this.ws?.close(1000, "bye");
  }

  /** Drops the connection as a network failure would (the socket then resumes). */
  drop() {
    this.ws?.close(4999, "dropped");
  }

  send(frame: Out): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  private async open() {
    if (this.stopped) return;
    let url: string;
    try {
      url = await socketUrl(this.token, this.on.path, this.on.params());
    } catch (err) {
      const final = err instanceof ApiFailure ? this.on.finalRefusal(err) : null;
      if (final !== null) {
        this.stopped = true;
        return this.on.state("closed", final);
      }
      return this.scheduleReconnect(`Could not reach the hub (${(err as Error).message}).`);
    }
    if (this.stopped) return;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempts = 0;
      this.on.state("online", "");
      clearInterval(this.ping);
      this.ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('{"type":"ping"}'), PING_MS);
    };
    ws.onmessage = (ev) => {
      let data: { type?: string };
      try {
        data = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (data.type === "pong") return;
      this.on.frame(data as In);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      clearInterval(this.ping);
      this.ws = null;
      if (this.stopped) return;
      const final = this.on.finalCloses[ev.code];
      if (final) {
        this.stopped = true;
        return this.on.state("closed", final);
      }
      this.scheduleReconnect("Connection lost. Reconnecting…");
    };
  }

  private scheduleReconnect(note: string) {
    if (this.stopped) return;
    this.on.state("reconnecting", note);
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** this.attempts++);
    this.retry = setTimeout(() => void this.open(), delay);
  }
}
