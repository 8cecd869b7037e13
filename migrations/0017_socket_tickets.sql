-- Socket tickets (docs/agent-protocol.md#connecting): a browser opens /agent/ws or /supervisor/ws
-- with a short-lived, single-use ticket in the URL instead of its long-lived token. Only the ticket's
-- SHA-256 is kept; it belongs to the session (api token) it was asked with and goes with it.
CREATE TABLE `socket_tickets` (
	`ticket_hash` text PRIMARY KEY NOT NULL,
	`token_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`token_id`) REFERENCES `api_tokens`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `socket_tickets_token_id_idx` ON `socket_tickets` (`token_id`);--> statement-breakpoint
CREATE INDEX `socket_tickets_expires_at_idx` ON `socket_tickets` (`expires_at`);
