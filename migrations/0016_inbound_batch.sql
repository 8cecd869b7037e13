-- A customer's message moves its ticket's last_message_at and updated_at in the trigger that already
-- updates the ticket for every message (0013), instead of in a statement of its own in each ingest
-- batch: one statement and one write of the ticket row less per inbound message. Only the ingest
-- paths insert `in` messages, always with created_at the time of the batch, which they wrote there.
DROP TRIGGER `messages_search_insert`;--> statement-breakpoint
CREATE TRIGGER `messages_search_insert` AFTER INSERT ON `messages`
BEGIN
	INSERT INTO `messages_fts` (rowid, `body`) SELECT NEW.`id`, replace(replace(replace(NEW.`body`, 'ı', 'i'), 'ß', 'ss'), 'ẞ', 'ss') WHERE NEW.`body` != '';
	UPDATE `tickets` SET
		`inbound_count` = `inbound_count` + (NEW.`direction` = 'in' AND NEW.`deleted_at` IS NULL),
		`first_reply_at` = CASE WHEN `first_reply_at` IS NULL AND NEW.`direction` = 'out' AND NEW.`author_id` IS NOT NULL THEN NEW.`created_at` ELSE `first_reply_at` END,
		`preview_message_id` = CASE WHEN NEW.`direction` IN ('in', 'out', 'system') THEN NEW.`id` ELSE `preview_message_id` END,
		`preview_body` = CASE WHEN NEW.`direction` IN ('in', 'out', 'system') THEN substr(NEW.`body`, 1, 400) ELSE `preview_body` END,
		`preview_kinds` = CASE WHEN NEW.`direction` IN ('in', 'out', 'system') THEN (SELECT json_group_array(json_extract(a.value, '$.kind')) FROM json_each(NEW.`attachments`) a) ELSE `preview_kinds` END,
		`last_message_at` = CASE WHEN NEW.`direction` = 'in' THEN NEW.`created_at` ELSE `last_message_at` END,
		`updated_at` = CASE WHEN NEW.`direction` = 'in' THEN NEW.`created_at` ELSE `updated_at` END
	WHERE `id` = NEW.`ticket_id` AND NEW.`direction` != 'note';
	UPDATE `ticket_reads` SET `read_inbound` = `read_inbound` + 1
	WHERE `ticket_id` = NEW.`ticket_id` AND `last_read_message_id` >= NEW.`id` AND NEW.`direction` = 'in' AND NEW.`deleted_at` IS NULL;
END;
--> statement-breakpoint
-- A contact keeps the event that created it, so that one upsert both finds or creates the contact
-- and tells exactly which of two racing first messages created it (RETURNING first_event_key IS the
-- event's key), where an insert and an update took two statements.
ALTER TABLE `contacts` ADD `first_event_key` text;--> statement-breakpoint
-- A customer message's receipt carries the account's version its webhook was checked against, and
-- is refused, with the whole batch, when D1 has moved on: the check costs the batch no statement of
-- its own (as `account_checks` does for the other webhook batches).
ALTER TABLE `inbound_events` ADD `account_version` integer;--> statement-breakpoint
CREATE TRIGGER `inbound_events_account_version` BEFORE INSERT ON `inbound_events`
WHEN NEW.`account_version` IS NOT NULL
	AND NOT EXISTS (SELECT 1 FROM `channel_accounts` WHERE `id` = NEW.`account_id` AND `version` = NEW.`account_version`)
BEGIN
	SELECT RAISE(ABORT, 'account_changed');
END;
