// A supervisor's socket to one queue. Its frames carry no resume point: the hub sends the whole
// queue state after every change, so a reconnect simply takes the next one (and spies start again).
import { ApiFailure, socketUrl } from "./api";
import type { QueueState, SupervisorFrame, SupervisorServerFrame } from "../../src/queue/protocol";

export type ConsoleFrame = SupervisorServerFrame | QueueState;

const PING_MS = 25_000;
const MAX_BACKOFF_MS = 10_000;

export type SupervisorSocketEvents = {
  frame(f: ConsoleFrame): void;
  state(s: "connecting" | "online" | "reconnecting" | "closed", note: string): void;
};

export class SupervisorSocket {
  private ws: WebSocket | null = null;
  private ping: ReturnType<typeof setInterval> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private attempts = 0;
  private stopped = false;

  constructor(
    private readonly token: string,
    private readonly queueId: string,
    private readonly on: SupervisorSocketEvents,
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

  send(frame: SupervisorFrame): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  private async open() {
    if (this.stopped) return;
    let url: string;
    try {
      url = await socketUrl(this.token, "/supervisor/ws", { queue: this.queueId });
    } catch (err) {
      if (err instanceof ApiFailure && (err.status === 401 || err.status === 403)) {
        this.stopped = true;
        return this.on.state("closed", err.message);
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
      this.on.frame(data as ConsoleFrame);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      clearInterval(this.ping);
      this.ws = null;
      if (this.stopped) return;
      if (ev.code === 4004) {
        this.stopped = true;
        return this.on.state("closed", "Your session ended. Sign in again.");
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
