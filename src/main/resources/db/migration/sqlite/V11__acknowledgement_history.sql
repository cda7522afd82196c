-- Every acknowledgement of an episode is kept, numbered 1, 2, ... in the order they were made: a second one used to
-- replace the first, and who had acknowledged, and when, was lost. The store refuses more than
-- Acknowledgement.MAX_PER_EPISODE per episode, so the API cannot grow the table without bound.
CREATE TABLE alert_acknowledgements (
    episode  TEXT    NOT NULL,
    n        INTEGER NOT NULL,
    acked_at INTEGER NOT NULL,
    acked_by TEXT    NOT NULL,
    comment  TEXT    NOT NULL,
    PRIMARY KEY (episode, n)
);
-- The daemon loads the acknowledgements of the last month at start.
CREATE INDEX alert_acknowledgements_acked_at ON alert_acknowledgements (acked_at);

INSERT INTO alert_acknowledgements (episode, n, acked_at, acked_by, comment)
SELECT episode, 1, acked_at, acked_by, comment FROM alert_acks;
DROP TABLE alert_acks;
