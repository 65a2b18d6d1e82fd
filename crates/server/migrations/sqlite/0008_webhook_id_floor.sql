-- The largest webhook id deleted so far, so that a new webhook never takes a deleted one's id:
-- its usage counts outlive it (usage_hours has no foreign key to it), and a new webhook under
-- the old id would show them as its own. PostgreSQL's sequence never goes back by itself.
CREATE TABLE webhook_id_floor (id INTEGER NOT NULL);
INSERT INTO webhook_id_floor (id)
    SELECT max((SELECT COALESCE(MAX(id), 0) FROM inbound_webhooks),
               (SELECT COALESCE(MAX(webhook_id), 0) FROM usage_hours));
CREATE TRIGGER inbound_webhooks_deleted AFTER DELETE ON inbound_webhooks
BEGIN
    UPDATE webhook_id_floor SET id = OLD.id WHERE id < OLD.id;
END;
