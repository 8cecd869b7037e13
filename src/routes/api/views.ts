import { z } from "@hono/zod-openapi";
import type { QueueRow } from "../../db/queues";
import type { UserRow } from "../../db/users";
import { conversationSettingsSchema } from "../../domain/conversation-settings";
import { routingConfigSchema, type StoredRoutingConfig } from "../../domain/routing-config";
import { roles } from "../../kinds/principal";
import { timestamp } from "./shared";

export const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    displayName: z.string(),
    role: z.enum(roles),
    capacity: z.number().int().openapi({ description: "Tickets the user may hold at once, across queues" }),
    active: z.boolean(),
    passwordSet: z.boolean().openapi({ description: "Whether the user can log in with a password" }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .openapi("User");
export type UserView = z.infer<typeof userSchema>;

export const toUserView = (u: UserRow): UserView => ({
  id: u.id,
  email: u.email,
  displayName: u.displayName,
  role: u.role,
  capacity: u.capacity,
  active: u.active,
  passwordSet: u.passwordHash !== null,
  createdAt: u.createdAt,
  updatedAt: u.updatedAt,
});

export const routingSchema = routingConfigSchema.openapi("RoutingConfig");

export const queueSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    routing: routingSchema,
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .openapi("Queue");
export type QueueView = z.infer<typeof queueSchema>;

export const toQueueView = (q: QueueRow): QueueView => ({
  id: q.id,
  name: q.name,
  routing: routingConfigSchema.parse(q.routing) satisfies StoredRoutingConfig,
  createdAt: q.createdAt,
  updatedAt: q.updatedAt,
});

/** An account's conversation settings: commands, automatic messages, business hours, chatbot (docs/conversations.md). */
export const conversationSchema = conversationSettingsSchema.openapi("ConversationSettings");
