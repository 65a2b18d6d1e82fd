-- A webhook's edit revision: moved by every saved edit of its configuration (PATCH), and by
-- nothing else (activation, listen mode, a captured sample, rotation). An editor sends back the
-- revision it started from, so a save over someone else's newer save is refused, not lost.
ALTER TABLE inbound_webhooks ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
