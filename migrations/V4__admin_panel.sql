-- Admin panel: append-only audit log, API tokens, import undo, faster user search and filters.

-- Every admin action and every login attempt. Never holds a password, hash, token or cookie.
CREATE TABLE roster_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor_user_id INTEGER NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    client TEXT NOT NULL DEFAULT ''
);
CREATE INDEX roster_audit_at ON roster_audit (at);
CREATE INDEX roster_audit_action ON roster_audit (action, at);
CREATE TRIGGER roster_audit_no_update BEFORE UPDATE ON roster_audit
BEGIN
    SELECT RAISE(ABORT, 'roster_audit is append-only');
END;
CREATE TRIGGER roster_audit_no_delete BEFORE DELETE ON roster_audit
BEGIN
    SELECT RAISE(ABORT, 'roster_audit is append-only');
END;

-- Bearer tokens for the import API; only a SHA-256 of the token is stored.
CREATE TABLE roster_api_token (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    last_used_at TEXT NULL,
    revoked_at TEXT NULL
);

-- Undo of an import: when, and by whom.
ALTER TABLE roster_import ADD COLUMN undone_at TEXT NULL;
ALTER TABLE roster_import ADD COLUMN undone_by TEXT NULL;
CREATE INDEX roster_import_started ON roster_import (started_at);
CREATE INDEX roster_user_profile_import ON roster_user_profile (import_id);
