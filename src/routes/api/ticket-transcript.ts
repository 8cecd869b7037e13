// GET /tickets/{id}/transcript.zip: a ticket's history to keep or hand over.
import { z } from "@hono/zod-openapi";
import { isMember } from "../../db/queues";
import { loadTranscript } from "../../db/ticket-transcript";
import { transcriptZip } from "../../domain/transcript";
import { notFound } from "../../errors";
import { roles } from "../../kinds/principal";
import { apiRoute, db, errors, router } from "./shared";

const transcript = apiRoute(roles, {
  method: "get",
  path: "/tickets/{id}/transcript.zip",
  tags: ["tickets"],
  summary: "A zip of the ticket's transcript: transcript.txt, transcript.html and messages.json (agents: tickets of their queues)",
  request: { params: z.object({ id: z.coerce.number().int().positive() }) },
  responses: {
    200: {
      description: "application/zip with transcript.txt and transcript.html (times in the account's time zone) and messages.json (every message, its revisions, delivery status and attachment metadata)",
      content: { "application/zip": { schema: z.string().openapi({ format: "binary" }) } },
    },
    404: errors[404],
  },
});

export function ticketTranscriptRoutes() {
  const app = router();

  app.openapi(transcript, async (c) => {
    const { id } = c.req.valid("param");
    const { role, userId } = c.var.auth;
    const t = await loadTranscript(c.env.DB, id);
    if (!t || (role === "agent" && !(await isMember(db(c), t.queue.id, userId)))) throw notFound("Ticket");
    return c.body(new Uint8Array(transcriptZip(t)), 200, {
      "Content-Type": "application/zip",
      "Content-Disposition": `attachment; filename="ticket-${id}-transcript.zip"`,
      "Cache-Control": "no-store",
    });
  });

  return app;
}
