-- The first schema. Times are Unix seconds (DOUBLE PRECISION): every caller passes `now`, so one clock rules.
-- Nothing here holds a contact, an email address or an IP address in clear: keys are keyed hashes made by
-- the caller, and queued entries carry their contact sealed.

-- Rate limits: one row per bucket, the hits of its current window and of the one before (sliding window).
CREATE TABLE rate_limits (
    bucket TEXT PRIMARY KEY,
    window_index BIGINT NOT NULL,
    hits INTEGER NOT NULL,
    previous_hits INTEGER NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX rate_limits_expiry ON rate_limits (expires_at);

-- Idempotency keys: the first writer's value, kept until it expires.
CREATE TABLE idempotency_keys (
    idempotency_key TEXT PRIMARY KEY,
    stored_value TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- Single-use tokens already used, kept until they would have expired anyway.
CREATE TABLE used_tokens (
    token_id TEXT PRIMARY KEY,
    expires_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX used_tokens_expiry ON used_tokens (expires_at);

-- The intake queue: entries accepted, not yet handed to moderators. `available_at` is when a publisher may
-- claim the entry: at once, after a claim's lease, or after a failure's retry delay. A withdrawn entry that a
-- publisher holds stays as an empty row until the lease ends, so the publisher learns it must take it back.
CREATE TABLE intake_queue (
    entry_id TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    queued_at DOUBLE PRECISION NOT NULL,
    available_at DOUBLE PRECISION NOT NULL,
    claimed_by TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    failed_at DOUBLE PRECISION,
    withdrawn INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX intake_queue_order ON intake_queue (queued_at, entry_id);
CREATE INDEX intake_queue_available ON intake_queue (available_at);

-- Leases: a named role (the publisher) held by one process until `expires_at` unless renewed.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
);

-- The forge's writes across every instance, for a global throttle; and the holds GitHub asked for.
CREATE TABLE forge_writes (
    written_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX forge_writes_time ON forge_writes (written_at);

CREATE TABLE forge_holds (
    held_until DOUBLE PRECISION NOT NULL
);
