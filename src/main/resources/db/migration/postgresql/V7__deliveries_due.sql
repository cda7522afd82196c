-- The due query runs once per action that may start, in id order within it: an action whose target is down can hold
-- tens of thousands of pending deliveries, and a query over all pending rows walked through every one of them on each
-- round, slowing every other action's deliveries to seconds.
CREATE INDEX deliveries_due ON deliveries (action, id) WHERE status = 'pending';
