import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

export class QueueObject extends DurableObject<Env> {}
