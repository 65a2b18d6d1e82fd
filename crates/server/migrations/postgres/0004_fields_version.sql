-- Moved by every change of the bot's custom fields, in the change's transaction. The receiver
-- reads the fields before a request's turn to write; in the turn, an unchanged version tells
-- it they are still current without reading them again.
ALTER TABLE bots ADD COLUMN fields_version BIGINT NOT NULL DEFAULT 0;
