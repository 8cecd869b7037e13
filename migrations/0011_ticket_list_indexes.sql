-- `GET /api/v1/tickets` pages newest first by id. A queue's page, and each of an agent's member
-- queues merged into one, walks (queue_id, id); a page by status walks (status, id). Both stop
-- after the page instead of sorting every matching ticket. A queue and a status together walk the
-- existing (queue_id, status) index, whose entries end with the id as well.
CREATE INDEX `tickets_queue_id_id_idx` ON `tickets` (`queue_id`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_status_id_idx` ON `tickets` (`status`,`id`);
