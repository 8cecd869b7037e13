CREATE TABLE `webhook_replays` (
	`account_id` text NOT NULL,
	`replay_key` text NOT NULL,
	`seen_at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `replay_key`),
	FOREIGN KEY (`account_id`) REFERENCES `channel_accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_replays_seen_at_idx` ON `webhook_replays` (`seen_at`);--> statement-breakpoint
ALTER TABLE `messages` ADD `reaction` text;