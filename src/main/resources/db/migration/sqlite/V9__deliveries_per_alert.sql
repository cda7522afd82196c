-- Deliveries go out in order per alert (rule and sensor, or group) and action, across episodes: the "off" of one
-- episode waiting for a retry must hold back the "on" of the next, or an actuator ends up on while its alert is
-- resolved. Rows from before keep their episode as their alert: ordered as before.
ALTER TABLE deliveries ADD COLUMN alert TEXT NOT NULL DEFAULT '';
UPDATE deliveries SET alert = episode;
-- The order check of the due query looks up earlier pending deliveries of one alert and action; without this index
-- it scanned every pending row for each candidate, quadratic in the backlog a recovering target has.
CREATE INDEX deliveries_order ON deliveries (alert, action, id) WHERE status = 'pending';
