-- Follow-ups: the requests whose author was asked « Avez-vous trouvé de l'aide ? », so that nobody is asked twice.
-- An entry id only: never the address the mail went to.
CREATE TABLE followups (
    entry_id TEXT PRIMARY KEY,
    sent_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX followups_time ON followups (sent_at);

-- The first message relayed to each entry's author: when the entry was published and when the message came,
-- never what it said nor who sent it. The statistics' median time to a first message.
CREATE TABLE first_messages (
    entry_id TEXT PRIMARY KEY,
    published_at DOUBLE PRECISION NOT NULL,
    first_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX first_messages_time ON first_messages (first_at);
