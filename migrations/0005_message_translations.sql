CREATE TABLE `message_translations` (
	`message_id` integer PRIMARY KEY NOT NULL,
	`language` text NOT NULL,
	`text` text NOT NULL,
	`source_language` text,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade
);
