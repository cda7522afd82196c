-- The outbox: one row per (alert transition, action), written in the transaction of the transition itself, so a
-- crash between the commit and the action means a delivery after restart, never none. The unique key is the
-- delivery's idempotency key; a transition committed twice (a redelivered message) adds no second delivery.
CREATE TABLE deliveries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    episode     text    NOT NULL,
    state       text    NOT NULL,
    ts          bigint  NOT NULL,
    action      text    NOT NULL,
    status      text    NOT NULL,
    attempts    integer NOT NULL,
    next_at     bigint  NOT NULL,
    created_at  bigint  NOT NULL,
    finished_at bigint,
    last_error  text,
    UNIQUE (episode, state, ts, action)
);
CREATE INDEX deliveries_status ON deliveries (status, id);
