CREATE TABLE `pending_statuses` (
	`account_id` text NOT NULL,
	`provider_message_id` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `provider_message_id`, `status`),
	FOREIGN KEY (`account_id`) REFERENCES `channel_accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `pending_statuses_at_idx` ON `pending_statuses` (`at`);