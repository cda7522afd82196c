-- Every reading, once: the primary key makes redelivered messages idempotent.
-- WITHOUT ROWID clusters rows by sensor and metric, so a range query on one series reads contiguous pages.
CREATE TABLE readings (
    sensor TEXT    NOT NULL,
    metric TEXT    NOT NULL,
    ts     INTEGER NOT NULL, -- event time, epoch milliseconds
    value  REAL    NOT NULL,
    PRIMARY KEY (sensor, metric, ts)
) WITHOUT ROWID;

-- The newest reading of each series, kept as data arrives so that /api/v1/sensors never scans readings.
CREATE TABLE latest (
    sensor TEXT    NOT NULL,
    metric TEXT    NOT NULL,
    ts     INTEGER NOT NULL,
    value  REAL    NOT NULL,
    PRIMARY KEY (sensor, metric)
) WITHOUT ROWID;

-- Input that could not become readings, and failed actions, kept for inspection.
CREATE TABLE dead_letters (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    origin      TEXT    NOT NULL,
    topic       TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    payload     BLOB    NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX dead_letters_received_at ON dead_letters (received_at);
