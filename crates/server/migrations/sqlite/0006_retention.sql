-- Idempotency keys are only consulted for 24 hours; the retention task deletes older ones by
-- age, which this index keeps to the rows it deletes.
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
