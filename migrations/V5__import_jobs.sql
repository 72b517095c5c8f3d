-- Imports run in batches as background jobs: their state and progress survive reloads and restarts.

ALTER TABLE roster_import ADD COLUMN status TEXT NOT NULL DEFAULT 'done'
    CHECK (status IN ('running', 'done', 'interrupted'));
ALTER TABLE roster_import ADD COLUMN rows_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roster_import ADD COLUMN finished_at TEXT NULL;
UPDATE roster_import SET rows_done = rows_total, finished_at = started_at;
