-- Nodes of a cluster share the outbox: a node claims a delivery before it runs it (rows locked with SKIP LOCKED), and
-- the claim keeps the others off it until it is recorded or the lease ends (the node died). Null: nobody holds it.
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
ALTER TABLE deliveries ADD COLUMN claimed_until BIGINT;
