-- The rolling 24-hour window reads a bot's recent hours on every request; the primary key
-- (bot_id, webhook_id, hour) would make it read every hour the bot ever had.
CREATE INDEX usage_hours_bot_hour ON usage_hours(bot_id, hour);
