-- State readings: a text value such as a door's "open", a mode's "auto" (SenML vs, Sparkplug strings, line-protocol
-- string fields, format = string). Apart from `readings` because they have no number to roll up, and idempotent on
-- (series, ts) like them.
CREATE TABLE states (
    series integer NOT NULL,
    ts     bigint  NOT NULL, -- event time, epoch milliseconds
    state  text    NOT NULL,
    PRIMARY KEY (series, ts)
);
