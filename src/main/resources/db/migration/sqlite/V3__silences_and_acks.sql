-- Silences created through the API; they outlive restarts. Expiring one sets ends_at, so the record stays.
CREATE TABLE silences (
    id         TEXT    NOT NULL PRIMARY KEY,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    silence    TEXT    NOT NULL, -- Silence as JSON
    created_at INTEGER NOT NULL
);
CREATE INDEX silences_ends_at ON silences (ends_at);

-- Alerts an operator has acknowledged through the API: their repeat-every notifications stop.
CREATE TABLE alert_acks (
    episode  TEXT    NOT NULL PRIMARY KEY,
    acked_at INTEGER NOT NULL,
    acked_by TEXT    NOT NULL,
    comment  TEXT    NOT NULL
);
