-- SQLite's migration 0008 keeps deleted webhook ids from being given again; PostgreSQL's
-- sequence never goes back, so there is nothing to do here. Kept so that both databases
-- carry the same migration versions.
SELECT 1;
