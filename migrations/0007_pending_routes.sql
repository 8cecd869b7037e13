CREATE TABLE `pending_routes` (
	`account_id` text NOT NULL,
	`event_key` text NOT NULL,
	`provider_message_id` text NOT NULL,
	`contact_created` integer NOT NULL,
	`ticket_created` integer NOT NULL,
	`conversation_created` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `event_key`),
	FOREIGN KEY (`account_id`) REFERENCES `channel_accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `pending_routes_created_at_idx` ON `pending_routes` (`created_at`);
