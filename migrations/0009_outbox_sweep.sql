-- The outbox sweep looks for replies left `queued` or `sending` by a crash: one small index per
-- state over the few messages in it, ordered by when they last changed.
CREATE INDEX `messages_queued_updated_at_idx` ON `messages` (`updated_at`) WHERE `status` = 'queued';--> statement-breakpoint
CREATE INDEX `messages_sending_updated_at_idx` ON `messages` (`updated_at`) WHERE `status` = 'sending';
