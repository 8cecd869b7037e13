-- Figures and reports (docs/interactions.md#figures-and-reports). A ticket keeps when an agent first
-- took it (service level, handle time, abandoned before assignment); figures read the tickets created
-- in a range through an index on the creation time, per queue or for every queue.
ALTER TABLE `tickets` ADD `assigned_at` integer;--> statement-breakpoint
UPDATE `tickets` SET `assigned_at` = coalesce(`first_reply_at`, `updated_at`) WHERE `assignee_id` IS NOT NULL OR `first_reply_at` IS NOT NULL;--> statement-breakpoint
CREATE INDEX `tickets_queue_id_created_at_idx` ON `tickets` (`queue_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `tickets_created_at_idx` ON `tickets` (`created_at`);
