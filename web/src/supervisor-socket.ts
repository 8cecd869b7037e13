// A supervisor's socket to one queue. Its frames carry no resume point: the hub sends the whole
// queue state after every change, so a reconnect simply takes the next one (and spies start again).
import { LiveSocket, type Connection } from "./live-socket";
import type { QueueState, SupervisorFrame, SupervisorServerFrame } from "../../src/queue/protocol";

export type ConsoleFrame = SupervisorServerFrame | QueueState;

export type SupervisorSocketEvents = {
  frame(f: ConsoleFrame): void;
  state(s: Connection, note: string): void;
};

export class SupervisorSocket extends LiveSocket<ConsoleFrame, SupervisorFrame> {
  constructor(token: string, queueId: string, events: SupervisorSocketEvents) {
    super(token, {
      path: "/supervisor/ws",
      params: () => ({ queue: queueId }),
      finalCloses: { 4004: "Your session ended. Sign in again." },
      finalRefusal: (err) => (err.status === 401 || err.status === 403 ? err.message : null),
      frame: events.frame,
      state: events.state,
    });
  }
}
