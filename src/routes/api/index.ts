import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppContext } from "../../env";
import { accountRoutes } from "./accounts";
import { auditRoutes } from "./audit";
import { cannedRoutes } from "./canned";
import { erasureRoutes } from "./erasure";
import { figureRoutes } from "./figures";
import { memberRoutes } from "./members";
import { queueRoutes } from "./queues";
import { savedSearchRoutes } from "./saved-searches";
import { sessionRoutes } from "./session";
import { socketTicketRoutes } from "./socket-tickets";
import { templateRoutes } from "./templates";
import { ticketFindingRoutes } from "./ticket-finding";
import { ticketExportRoutes } from "./ticket-export";
import { ticketTranscriptRoutes } from "./ticket-transcript";
import { ticketRoutes } from "./tickets";
import { userRoutes } from "./users";

/** The admin JSON API; mount it at /api/v1. */
export function apiRoutes() {
  const api = new OpenAPIHono<AppContext>();
  api.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "A token from POST /api/v1/auth/login",
  });
  for (const routes of [sessionRoutes, socketTicketRoutes, queueRoutes, memberRoutes, userRoutes, accountRoutes, ticketExportRoutes, ticketTranscriptRoutes, erasureRoutes, ticketFindingRoutes, ticketRoutes, savedSearchRoutes, cannedRoutes, templateRoutes, auditRoutes, figureRoutes]) {
    api.route("/", routes());
  }
  return api;
}
