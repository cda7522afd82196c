-- The outbox: one row per (alert transition, action), written in the transaction of the transition itself, so a
-- crash between the commit and the action means a delivery after restart, never none. The unique key is the
-- delivery's idempotency key; a transition committed twice (a redelivered message) adds no second delivery.
CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    episode     TEXT    NOT NULL,
    state       TEXT    NOT NULL, -- of the transition: firing, resolved, or repeat
    ts          INTEGER NOT NULL, -- the transition's event time
    action      TEXT    NOT NULL,
    status      TEXT    NOT NULL, -- pending, done, failed
    attempts    INTEGER NOT NULL,
    next_at     INTEGER NOT NULL, -- when a pending delivery is due (processing time, ms)
    created_at  INTEGER NOT NULL,
    finished_at INTEGER,
    last_error  TEXT,
    UNIQUE (episode, state, ts, action)
);
CREATE INDEX deliveries_status ON deliveries (status, id);
