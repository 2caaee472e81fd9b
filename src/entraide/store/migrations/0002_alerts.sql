-- Alerts: residents subscribed to news of their communes and categories (docs/alerts.md).
-- An address is only ever stored sealed (a libsodium sealed box, opened by the sender alone), with a keyed
-- hash for equality: a copy of the database tells nobody who subscribed. Lists of communes, categories and
-- kinds are comma-separated keys; '*' means all of them.

-- A subscription waiting for its owner to confirm it (double opt-in): one per address at a time, kept 48 hours.
CREATE TABLE alert_pending (
    pending_id TEXT PRIMARY KEY,
    address_hash TEXT NOT NULL UNIQUE,
    address_sealed TEXT NOT NULL,
    communes TEXT NOT NULL,
    categories TEXT NOT NULL,
    kinds TEXT NOT NULL,
    frequency TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX alert_pending_expiry ON alert_pending (expires_at);

-- Confirmed subscriptions, one per address; `subscription_id` is random and names it in the signed links.
CREATE TABLE alert_subscriptions (
    subscription_id TEXT PRIMARY KEY,
    address_hash TEXT NOT NULL UNIQUE,
    address_sealed TEXT NOT NULL,
    communes TEXT NOT NULL,
    categories TEXT NOT NULL,
    kinds TEXT NOT NULL,
    frequency TEXT NOT NULL,
    confirmed_at DOUBLE PRECISION NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    last_mail_at DOUBLE PRECISION
);
CREATE INDEX alert_subscriptions_expiry ON alert_subscriptions (expires_at);

-- Entries the sender found in the site's manifest, from the first time it saw them (their publication for
-- the alerts); `matched_at` once they were matched with the subscriptions (each entry once).
CREATE TABLE alert_entries (
    entry_id TEXT PRIMARY KEY,
    commune TEXT NOT NULL,
    category TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    url TEXT NOT NULL,
    seen_at DOUBLE PRECISION NOT NULL,
    matched_at DOUBLE PRECISION
);
CREATE INDEX alert_entries_seen ON alert_entries (seen_at);

-- What each subscriber is to be told: one row per subscription and entry, ever. `mail_id` is set, in its own
-- transaction, before the digest that lists the entry is handed to the mail server: a rerun after a crash never
-- lists it again.
CREATE TABLE alert_deliveries (
    subscription_id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    queued_at DOUBLE PRECISION NOT NULL,
    mail_id TEXT,
    PRIMARY KEY (subscription_id, entry_id)
);
CREATE INDEX alert_deliveries_mail ON alert_deliveries (mail_id);

-- The digests: one row per mail, written before it is handed over; `ending_at` just before the last line of its
-- SMTP DATA (the one that makes the server keep it) is sent, `sent_at` once the server accepted it.
CREATE TABLE alert_mails (
    mail_id TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    started_at DOUBLE PRECISION NOT NULL,
    ending_at DOUBLE PRECISION,
    sent_at DOUBLE PRECISION
);
CREATE INDEX alert_mails_started ON alert_mails (started_at);

-- The sender's last run (one row): before its first run, what the site already shows is not news.
CREATE TABLE alert_sender (
    singleton INTEGER PRIMARY KEY,
    last_run_at DOUBLE PRECISION NOT NULL
);
