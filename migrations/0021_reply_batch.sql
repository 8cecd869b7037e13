-- An agent's reply moves its ticket's last_message_at and updated_at in the trigger that already
-- updates the ticket for every message (as a customer's message does since 0016), instead of in an
-- UPDATE of its own in the reply's batch: one statement and one write of the ticket row less per
-- reply. Only storeReply inserts `out` messages with an author, with created_at the time of its batch.
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
		`last_message_at` = CASE WHEN NEW.`direction` = 'in' OR (NEW.`direction` = 'out' AND NEW.`author_id` IS NOT NULL) THEN NEW.`created_at` ELSE `last_message_at` END,
		`updated_at` = CASE WHEN NEW.`direction` = 'in' OR (NEW.`direction` = 'out' AND NEW.`author_id` IS NOT NULL) THEN NEW.`created_at` ELSE `updated_at` END
	WHERE `id` = NEW.`ticket_id` AND NEW.`direction` != 'note';
	UPDATE `ticket_reads` SET `read_inbound` = `read_inbound` + 1
	WHERE `ticket_id` = NEW.`ticket_id` AND `last_read_message_id` >= NEW.`id` AND NEW.`direction` = 'in' AND NEW.`deleted_at` IS NULL;
END;
