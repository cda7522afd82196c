-- Series get integer ids: a reading row shrinks from two names and a time to two integers and a value, so more of
-- them fit a page and every insert touches fewer bytes. The series row also carries the tags of its newest reading.
CREATE TABLE series (
    id      INTEGER PRIMARY KEY,
    sensor  TEXT    NOT NULL,
    metric  TEXT    NOT NULL,
    tags    TEXT    NOT NULL DEFAULT '{}', -- JSON object
    tags_ts INTEGER NOT NULL DEFAULT 0,    -- event time of the reading the tags came from
    UNIQUE (sensor, metric)
);
INSERT INTO series (sensor, metric, tags, tags_ts) SELECT sensor, metric, tags, ts FROM latest;
INSERT OR IGNORE INTO series (sensor, metric) SELECT DISTINCT sensor, metric FROM readings;

ALTER TABLE readings RENAME TO readings_v1;
-- Clustered by series and time, so that a range query on one series reads contiguous pages. "latest" is no longer
-- a table: the newest reading of a series is the last key of its range.
CREATE TABLE readings (
    series INTEGER NOT NULL,
    ts     INTEGER NOT NULL, -- event time, epoch milliseconds
    value  REAL    NOT NULL,
    PRIMARY KEY (series, ts)
) WITHOUT ROWID;
INSERT INTO readings (series, ts, value)
    SELECT s.id, r.ts, r.value FROM readings_v1 r JOIN series s ON s.sensor = r.sensor AND s.metric = r.metric
    ORDER BY s.id, r.ts;
DROP TABLE readings_v1;
DROP TABLE latest;

-- Commits append here, in arrival order: a batch of readings from 10,000 series fills a few pages at the end of this
-- table instead of dirtying one B-tree leaf per reading in `readings`. A background merge moves them into
-- `readings` a second (or 100,000 rows) at a time, sorted, so each leaf takes many readings per write
-- (SqliteStore.merge, docs/storage.md "How SQLite takes 220,000 readings a second").
CREATE TABLE readings_log (
    series INTEGER NOT NULL,
    ts     INTEGER NOT NULL,
    value  REAL    NOT NULL
);
-- What queries read: merged readings, and logged ones not merged yet. UNION ALL (not UNION) so that SQLite pushes a
-- query's series and time condition down into both sides; the NOT EXISTS drops a redelivered reading until the
-- merge drops it for good.
CREATE VIEW readings_all AS
    SELECT series, ts, value FROM readings
    UNION ALL
    SELECT l.series, l.ts, l.value FROM readings_log l
    WHERE NOT EXISTS (SELECT 1 FROM readings r WHERE r.series = l.series AND r.ts = l.ts);

-- Rollups per minute and per hour (see Rollups): merged from deltas about a second after the readings are stored.
CREATE TABLE rollup_1m (
    series     INTEGER NOT NULL,
    bucket     INTEGER NOT NULL, -- start, epoch milliseconds
    vmin       REAL    NOT NULL,
    vmax       REAL    NOT NULL,
    vsum       REAL    NOT NULL,
    vcount     INTEGER NOT NULL,
    last_ts    INTEGER NOT NULL,
    last_value REAL    NOT NULL,
    PRIMARY KEY (series, bucket)
) WITHOUT ROWID;
CREATE TABLE rollup_1h (
    series     INTEGER NOT NULL,
    bucket     INTEGER NOT NULL,
    vmin       REAL    NOT NULL,
    vmax       REAL    NOT NULL,
    vsum       REAL    NOT NULL,
    vcount     INTEGER NOT NULL,
    last_ts    INTEGER NOT NULL,
    last_value REAL    NOT NULL,
    PRIMARY KEY (series, bucket)
) WITHOUT ROWID;
-- Minutes with readings whose rollup deltas were not written yet; recomputed from raw readings after a crash.
CREATE TABLE rollup_dirty (
    bucket INTEGER NOT NULL PRIMARY KEY
);

-- The readings stored before this version get their rollups now.
INSERT INTO rollup_1m (series, bucket, vmin, vmax, vsum, vcount, last_ts, last_value)
    SELECT g.series, g.bucket, g.vmin, g.vmax, g.vsum, g.vcount, g.last_ts, r.value
    FROM (SELECT series, ts / 60000 * 60000 AS bucket, min(value) AS vmin, max(value) AS vmax, sum(value) AS vsum,
                 count(*) AS vcount, max(ts) AS last_ts
          FROM readings GROUP BY series, ts / 60000) g
    JOIN readings r ON r.series = g.series AND r.ts = g.last_ts;
INSERT INTO rollup_1h (series, bucket, vmin, vmax, vsum, vcount, last_ts, last_value)
    SELECT g.series, g.bucket, g.vmin, g.vmax, g.vsum, g.vcount, g.last_ts, m.last_value
    FROM (SELECT series, bucket / 3600000 * 3600000 AS bucket, min(vmin) AS vmin, max(vmax) AS vmax,
                 sum(vsum) AS vsum, sum(vcount) AS vcount, max(last_ts) AS last_ts
          FROM rollup_1m GROUP BY series, bucket / 3600000) g
    JOIN rollup_1m m ON m.series = g.series AND m.bucket = g.last_ts / 60000 * 60000;
