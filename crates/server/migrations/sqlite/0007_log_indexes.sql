-- Log rows by age: retention deletes the oldest through it, whatever their ids.
CREATE INDEX request_logs_received ON request_logs(received_at);
-- Each bot's last error, for the bots list, without reading the bot's other rows.
CREATE INDEX request_logs_bot_errors ON request_logs(bot_id, id) WHERE status >= 400;
-- A field's values: counted before the field is deleted, and deleted with it.
CREATE INDEX field_values_field ON field_values(field_id);
-- The largest log id deleted so far (by retention, or with a webhook or bot), so that a new
-- row never takes the id of a deleted one: the outbox, idempotency keys and other log rows
-- name log rows by id. PostgreSQL's sequence never goes back by itself.
CREATE TABLE log_id_floor (id INTEGER NOT NULL);
INSERT INTO log_id_floor (id) SELECT COALESCE(MAX(id), 0) FROM request_logs;
CREATE TRIGGER request_logs_deleted AFTER DELETE ON request_logs
BEGIN
    UPDATE log_id_floor SET id = OLD.id WHERE id < OLD.id;
END;
