-- Django must be able to delete any user (admin delete, ORM delete, `manage.py flush`): every Roster
-- reference to auth_user gets a delete rule. Sessions, profiles and invitations go with the user;
-- imports, import rows and the audit log keep their copy of the username (actor, username) and lose
-- only the id. SQLite cannot change a constraint, so each table is rebuilt the documented way:
-- create the new table, copy, drop the old one, rename, recreate its indexes and triggers.
-- Db::migrate runs migrations with foreign_keys OFF (a no-op inside this transaction otherwise), and
-- the last statement refuses to commit if any Roster table breaks a foreign key.
-- Rows that point at a user who is already gone (deleted while foreign keys were off, e.g. in the
-- sqlite3 shell) get what the new rule would have done: the id becomes NULL, or a session,
-- profile or invitation of nobody is dropped.

CREATE TABLE roster_import_v8 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    actor_user_id INTEGER NULL REFERENCES auth_user (id) ON DELETE SET NULL,
    actor TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('web', 'cli', 'api')),
    file_name TEXT NOT NULL,
    rows_total INTEGER NOT NULL,
    created INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    passwordless INTEGER NOT NULL,
    mail_check TEXT NULL,
    mail_check_message TEXT NULL,
    allowed_without_mail INTEGER NOT NULL DEFAULT 0,
    invite INTEGER NOT NULL DEFAULT 0,
    undone_at TEXT NULL,
    undone_by TEXT NULL,
    status TEXT NOT NULL DEFAULT 'done' CHECK (status IN ('running', 'done', 'interrupted')),
    rows_done INTEGER NOT NULL DEFAULT 0,
    finished_at TEXT NULL
);
INSERT INTO roster_import_v8 (id, started_at, actor_user_id, actor, source, file_name, rows_total,
    created, failed, passwordless, mail_check, mail_check_message, allowed_without_mail, invite,
    undone_at, undone_by, status, rows_done, finished_at)
SELECT id, started_at, (SELECT u.id FROM auth_user u WHERE u.id = actor_user_id), actor, source,
    file_name, rows_total, created, failed, passwordless, mail_check, mail_check_message,
    allowed_without_mail, invite, undone_at, undone_by, status, rows_done, finished_at
FROM roster_import ORDER BY id;

-- created_username keeps the name of the user a row created (the CSV's username after Django's
-- normalisation) for when that user is gone. removed_by_undo tells "undo removed this user" from
-- "Django deleted this user" once user_id is NULL; before V8 a row lost its user only through undo.
CREATE TABLE roster_import_row_v8 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    import_id INTEGER NOT NULL REFERENCES roster_import (id),
    line INTEGER NOT NULL,
    user_id INTEGER NULL REFERENCES auth_user (id) ON DELETE SET NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    username TEXT NOT NULL,
    organizational_unit TEXT NOT NULL,
    job_title TEXT NOT NULL,
    had_password INTEGER NOT NULL,
    code TEXT NULL,
    column_name TEXT NULL,
    message TEXT NULL,
    created_username TEXT NULL,
    removed_by_undo INTEGER NOT NULL DEFAULT 0
);
INSERT INTO roster_import_row_v8 (id, import_id, line, user_id, first_name, last_name, email,
    username, organizational_unit, job_title, had_password, code, column_name, message,
    created_username, removed_by_undo)
SELECT id, import_id, line, (SELECT u.id FROM auth_user u WHERE u.id = user_id), first_name,
    last_name, email, username, organizational_unit, job_title, had_password, code, column_name,
    message, (SELECT u.username FROM auth_user u WHERE u.id = user_id),
    code IS NULL AND user_id IS NULL
FROM roster_import_row ORDER BY id;

CREATE TABLE roster_user_profile_v8 (
    user_id INTEGER PRIMARY KEY REFERENCES auth_user (id) ON DELETE CASCADE,
    organizational_unit_id INTEGER NULL REFERENCES roster_organizational_unit (id),
    job_title TEXT NOT NULL DEFAULT '',
    import_id INTEGER NULL REFERENCES roster_import (id)
);
INSERT INTO roster_user_profile_v8 (user_id, organizational_unit_id, job_title, import_id)
SELECT user_id, organizational_unit_id, job_title, import_id FROM roster_user_profile
WHERE user_id IN (SELECT id FROM auth_user) ORDER BY user_id;

CREATE TABLE roster_session_v8 (
    key_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES auth_user (id) ON DELETE CASCADE,
    password_fingerprint TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
INSERT INTO roster_session_v8 (key_hash, user_id, password_fingerprint, created_at, expires_at)
SELECT key_hash, user_id, password_fingerprint, created_at, expires_at FROM roster_session
WHERE user_id IN (SELECT id FROM auth_user);

CREATE TABLE roster_invitation_v8 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    import_id INTEGER NOT NULL REFERENCES roster_import (id),
    user_id INTEGER NOT NULL REFERENCES auth_user (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    reason TEXT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (import_id, user_id)
);
INSERT INTO roster_invitation_v8 (id, import_id, user_id, status, reason, updated_at)
SELECT id, import_id, user_id, status, reason, updated_at FROM roster_invitation
WHERE user_id IN (SELECT id FROM auth_user) ORDER BY id;

-- The audit log had no foreign key: its actor id now becomes NULL when Django deletes the actor
-- (so a later user given the same id after a flush does not inherit their logins).
CREATE TABLE roster_audit_v8 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor_user_id INTEGER NULL REFERENCES auth_user (id) ON DELETE SET NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    client TEXT NOT NULL DEFAULT ''
);
INSERT INTO roster_audit_v8 (id, at, actor_user_id, actor, action, target, detail, client)
SELECT id, at, (SELECT u.id FROM auth_user u WHERE u.id = actor_user_id), actor, action, target,
    detail, client
FROM roster_audit ORDER BY id;

-- AUTOINCREMENT never hands out an id again, even one whose row was deleted: carry the counters.
DELETE FROM sqlite_sequence WHERE name IN ('roster_import_v8', 'roster_import_row_v8',
    'roster_invitation_v8', 'roster_audit_v8');
INSERT INTO sqlite_sequence (name, seq)
SELECT name || '_v8', seq FROM sqlite_sequence
WHERE name IN ('roster_import', 'roster_import_row', 'roster_invitation', 'roster_audit');

DROP TABLE roster_audit;
DROP TABLE roster_invitation;
DROP TABLE roster_session;
DROP TABLE roster_user_profile;
DROP TABLE roster_import_row;
DROP TABLE roster_import;

ALTER TABLE roster_import_v8 RENAME TO roster_import;
ALTER TABLE roster_import_row_v8 RENAME TO roster_import_row;
ALTER TABLE roster_user_profile_v8 RENAME TO roster_user_profile;
ALTER TABLE roster_session_v8 RENAME TO roster_session;
ALTER TABLE roster_invitation_v8 RENAME TO roster_invitation;
ALTER TABLE roster_audit_v8 RENAME TO roster_audit;

-- The indexes of V2, V4, V6, dropped with their tables.
CREATE INDEX roster_import_started ON roster_import (started_at);
CREATE INDEX roster_import_row_import ON roster_import_row (import_id, line);
CREATE INDEX roster_import_row_user ON roster_import_row (user_id);
CREATE INDEX roster_user_profile_ou ON roster_user_profile (organizational_unit_id);
CREATE INDEX roster_user_profile_import ON roster_user_profile (import_id);
CREATE INDEX roster_session_user ON roster_session (user_id);
CREATE INDEX roster_invitation_user ON roster_invitation (user_id);
CREATE INDEX roster_audit_at ON roster_audit (at);
CREATE INDEX roster_audit_action ON roster_audit (action, at);
-- Deleting a user looks up every row that points at it: an index for each user column.
CREATE INDEX roster_import_actor_user ON roster_import (actor_user_id);
CREATE INDEX roster_audit_actor_user ON roster_audit (actor_user_id);

-- Still append-only. The one change let through is the delete rule's: the actor id becomes NULL,
-- nothing else changes, and that user no longer exists (SQLite runs the action after the delete),
-- so no one can blank the actor of a living user by hand.
CREATE TRIGGER roster_audit_no_update BEFORE UPDATE ON roster_audit
WHEN NOT (
    OLD.actor_user_id IS NOT NULL AND NEW.actor_user_id IS NULL
    AND NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.actor IS OLD.actor
    AND NEW.action IS OLD.action AND NEW.target IS OLD.target AND NEW.detail IS OLD.detail
    AND NEW.client IS OLD.client
    AND NOT EXISTS (SELECT 1 FROM auth_user WHERE id = OLD.actor_user_id)
)
BEGIN
    SELECT RAISE(ABORT, 'roster_audit is append-only');
END;
CREATE TRIGGER roster_audit_no_delete BEFORE DELETE ON roster_audit
BEGIN
    SELECT RAISE(ABORT, 'roster_audit is append-only');
END;

-- The rebuild must leave no Roster row pointing nowhere; otherwise nothing of V8 is committed.
CREATE TEMP TABLE roster_v8_check (roster_foreign_key_violations INTEGER
    CHECK (roster_foreign_key_violations = 0));
INSERT INTO temp.roster_v8_check
SELECT COUNT(*) FROM pragma_foreign_key_check WHERE "table" LIKE 'roster\_%' ESCAPE '\';
DROP TABLE temp.roster_v8_check;
