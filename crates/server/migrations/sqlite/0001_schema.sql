-- Botwire schema (SQLite). Times are Unix milliseconds; JSON is text. Keep in step with
-- ../postgres/0001_schema.sql: the queries are shared.

CREATE TABLE workspaces (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE bots (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    channel TEXT NOT NULL,
    default_country TEXT NOT NULL,
    daily_limit INTEGER NOT NULL DEFAULT 500,
    max_webhooks INTEGER NOT NULL DEFAULT 5,
    -- Bumped by every request that reaches the bot's webhooks: the row lock it takes orders
    -- concurrent requests, so the rolling limit is exact.
    request_seq INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX bots_workspace ON bots(workspace_id);

CREATE TABLE custom_fields (
    id INTEGER PRIMARY KEY,
    bot_id INTEGER NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    field_type TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (bot_id, name)
);

CREATE TABLE bot_users (
    id INTEGER PRIMARY KEY,
    bot_id INTEGER NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
    user_ns TEXT NOT NULL,
    crm_contact_id TEXT,
    phone TEXT,
    email TEXT,
    first_name TEXT,
    last_name TEXT,
    source TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (bot_id, user_ns),
    UNIQUE (bot_id, phone),
    UNIQUE (bot_id, email)
);
CREATE INDEX bot_users_crm ON bot_users(bot_id, crm_contact_id);

CREATE TABLE field_values (
    user_id INTEGER NOT NULL REFERENCES bot_users(id) ON DELETE CASCADE,
    field_id INTEGER NOT NULL REFERENCES custom_fields(id) ON DELETE CASCADE,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, field_id)
);

CREATE TABLE inbound_webhooks (
    id INTEGER PRIMARY KEY,
    bot_id INTEGER NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token TEXT NOT NULL,
    -- SHA-256 of the token: looked up by hash, so index timing tells nothing about the token.
    token_hash TEXT NOT NULL UNIQUE,
    previous_token_hash TEXT UNIQUE,
    previous_token_expires_at INTEGER,
    active INTEGER NOT NULL DEFAULT 0,
    listening INTEGER NOT NULL DEFAULT 0,
    sample TEXT,
    identity TEXT NOT NULL DEFAULT '{}',
    mappings TEXT NOT NULL DEFAULT '[]',
    action_template TEXT,
    signature TEXT NOT NULL DEFAULT '{"scheme":"none"}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX inbound_webhooks_bot ON inbound_webhooks(bot_id);

CREATE TABLE request_logs (
    id INTEGER PRIMARY KEY,
    bot_id INTEGER NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
    webhook_id INTEGER NOT NULL REFERENCES inbound_webhooks(id) ON DELETE CASCADE,
    received_at INTEGER NOT NULL,
    method TEXT NOT NULL,
    content_type TEXT,
    headers TEXT NOT NULL,
    body TEXT,
    parsed TEXT,
    status INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    user_id INTEGER REFERENCES bot_users(id) ON DELETE SET NULL,
    mappings TEXT,
    action TEXT,
    response TEXT NOT NULL,
    idempotency_key TEXT,
    duplicate_of INTEGER,
    replay_of INTEGER,
    duration_us INTEGER NOT NULL
);
CREATE INDEX request_logs_webhook ON request_logs(webhook_id, id);
CREATE INDEX request_logs_bot ON request_logs(bot_id, id);
CREATE INDEX request_logs_user ON request_logs(user_id);

-- First answer to an idempotency key (webhook-id or Idempotency-Key), kept 24 hours.
CREATE TABLE idempotency_keys (
    webhook_id INTEGER NOT NULL REFERENCES inbound_webhooks(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    log_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (webhook_id, key)
);

-- Requests per bot, webhook and hour: the rolling 24-hour limit and the usage charts.
-- No foreign key to the webhook: its counts outlive it, or deleting and re-creating a webhook
-- would reset the bot's rolling limit.
CREATE TABLE usage_hours (
    bot_id INTEGER NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
    webhook_id INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    accepted INTEGER NOT NULL DEFAULT 0,
    limited INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bot_id, webhook_id, hour)
);

-- Messages the webhook's action sends, for the bot's channel to deliver.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    bot_id INTEGER NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES bot_users(id) ON DELETE CASCADE,
    webhook_id INTEGER REFERENCES inbound_webhooks(id) ON DELETE SET NULL,
    log_id INTEGER,
    channel TEXT NOT NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued',
    created_at INTEGER NOT NULL
);
CREATE INDEX outbox_user ON outbox(user_id, id);
