CREATE TABLE `canned_answers` (
	`id` text PRIMARY KEY NOT NULL,
	`scope` text NOT NULL,
	`shortcut` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`updated_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `canned_answers_scope_shortcut_idx` ON `canned_answers` (`scope`,`shortcut`);--> statement-breakpoint
CREATE TABLE `ticket_reads` (
	`ticket_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`last_read_message_id` integer NOT NULL,
	`updated_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	PRIMARY KEY(`ticket_id`, `user_id`),
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `channel_accounts` ADD `conversation` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `channel_accounts` ADD `chatbot_secret` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `disposition` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `closed_by` text REFERENCES users(id);