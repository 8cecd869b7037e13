// One agent socket to one queue: keeps itself alive, and on a drop reconnects with the last
// sequence number it processed, so the hub replays what was missed.
import { ApiFailure, socketUrl } from "./api";
import type { ClientFrame, SequencedFrame } from "./protocol";

const PING_MS = 25_000;
const MAX_BACKOFF_MS = 10_000;
/** Closes after which reconnecting is wrong: signed out by a supervisor, no longer a member, access ended. */
const FINAL_CLOSES: Record<number, string> = {
  4001: "A supervisor signed you out of this queue.",
  4003: "You are no longer a member of this queue.",
  4004: "Your session ended. Sign in again.",
};

export type SocketEvents = {
  frame(f: SequencedFrame): void;
  state(s: "connecting" | "online" | "reconnecting" | "closed", note: string): void;
  /** Highest seq processed so far: asked on every (re)connect. */
  lastSeq(): number;
};

export class DeskSocket {
  private ws: WebSocket | null = null;
  private ping: ReturnType<typeof setInterval> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private attempts = 0;
  private stopped = false;

  constructor(
    private readonly token: string,
    private readonly queueId: string,
    private readonly on: SocketEvents,
  ) {}

  start() {
    void this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.ping);
    this.ws?.close(1000, "bye");
  }

  /** Drops the connection as a network failure would (the desk then resumes). */
  drop() {
    this.ws?.close(4999, "dropped");
  }

  send(frame: ClientFrame): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  private async open() {
    if (this.stopped) return;
    const params: Record<string, string> = { queue: this.queueId };
    const lastSeq = this.on.lastSeq();
    if (lastSeq > 0) params.lastSeq = String(lastSeq);
    let url: string;
    try {
      url = await socketUrl(this.token, "/agent/ws", params);
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 401) {
        this.stopped = true;
        return this.on.state("closed", FINAL_CLOSES[4004]!);
      }
      return this.scheduleReconnect(`Could not reach the hub (${(err as Error).message}).`);
    }
    if (this.stopped) return;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempts = 0;
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
      this.on.frame(data as SequencedFrame);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      clearInterval(this.ping);
      this.ws = null;
      if (this.stopped) return;
      const final = FINAL_CLOSES[ev.code];
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
