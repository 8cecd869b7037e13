-- Providers that do not always name the customer (Connexease agent messages: `customer: null`)
-- find the contact by where replies go: the conversation.
CREATE INDEX `contacts_account_id_address_idx` ON `contacts` (`account_id`,`address`);
