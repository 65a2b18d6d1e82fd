-- Log rows by age: retention deletes the oldest through it, whatever their ids.
CREATE INDEX request_logs_received ON request_logs(received_at);
-- Each bot's last error, for the bots list, without reading the bot's other rows.
CREATE INDEX request_logs_bot_errors ON request_logs(bot_id, id) WHERE status >= 400;
-- A field's values: counted before the field is deleted, and deleted with it.
CREATE INDEX field_values_field ON field_values(field_id);
-- A user's rows newest first (the user page, the log's user filter) in index order. SQLite's
-- index on user_id holds the row id already.
DROP INDEX request_logs_user;
CREATE INDEX request_logs_user ON request_logs(user_id, id);
