-- The unit of a series' values, as its readings last named it (SenML u, a subscription's unit, ...); null if none.
ALTER TABLE series ADD COLUMN unit text;
