-- The tags of each series' newest reading: group-by windows and combine rules are rebuilt from stored readings
-- after a restart, and need the tags those readings carried.
ALTER TABLE latest ADD COLUMN tags TEXT NOT NULL DEFAULT '{}';

-- The durable state of every alert of every rule (see RuleState), written in the same transaction as the readings
-- that changed it, so that a restart resumes exactly where the last commit left off.
CREATE TABLE rule_states (
    rule       TEXT    NOT NULL,
    sensor     TEXT    NOT NULL,
    metric     TEXT    NOT NULL,
    grp        TEXT    NOT NULL,
    phase      TEXT    NOT NULL,
    state      TEXT    NOT NULL, -- RuleState as JSON
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (rule, sensor, metric, grp)
) WITHOUT ROWID;

-- Every alert transition with its explanation: what the condition saw. The key makes a transition that is computed
-- again after a redelivery a no-op.
CREATE TABLE alert_events (
    episode    TEXT    NOT NULL,
    state      TEXT    NOT NULL, -- firing, resolved, or repeat
    ts         INTEGER NOT NULL, -- event time of the transition
    rule       TEXT    NOT NULL,
    sensor     TEXT    NOT NULL,
    metric     TEXT    NOT NULL,
    grp        TEXT    NOT NULL,
    severity   TEXT    NOT NULL,
    value      REAL    NOT NULL,
    since      INTEGER NOT NULL,
    emitted_at INTEGER NOT NULL,
    tags       TEXT    NOT NULL,
    inputs     TEXT    NOT NULL,
    actions    TEXT    NOT NULL,
    muted      TEXT,
    PRIMARY KEY (episode, state, ts)
);
CREATE INDEX alert_events_ts ON alert_events (ts);
CREATE INDEX alert_events_rule_ts ON alert_events (rule, ts);
