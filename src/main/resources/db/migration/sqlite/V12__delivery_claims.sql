-- The columns of the cluster's claims on deliveries (see the PostgreSQL migration). A cluster needs PostgreSQL; they
-- are here so that both stores have one schema and one set of statements.
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
ALTER TABLE deliveries ADD COLUMN claimed_until BIGINT;
