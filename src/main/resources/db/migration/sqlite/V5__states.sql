-- State readings: a text value such as a door's "open", a mode's "auto" (SenML vs, Sparkplug strings, line-protocol
-- string fields, format = string). Apart from `readings` because they have no number to roll up, and idempotent on
-- (series, ts) like them.
CREATE TABLE states (
    series INTEGER NOT NULL,
    ts     INTEGER NOT NULL, -- event time, epoch milliseconds
    state  TEXT    NOT NULL,
    PRIMARY KEY (series, ts)
) WITHOUT ROWID;
