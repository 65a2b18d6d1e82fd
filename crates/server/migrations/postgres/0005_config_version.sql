-- The version now covers everything the receiver reads about a bot, not only its custom
-- fields: the bot's settings, its fields and its webhooks. Every change of them moves it, first
-- thing in the change's transaction. The receiver works a request out from what it read (or
-- kept) before the request's turn to write; in the turn, an unchanged version tells it that was
-- still current, and a moved one makes it read the webhook again and work the request out anew.
ALTER TABLE bots RENAME COLUMN fields_version TO config_version;
