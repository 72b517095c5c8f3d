-- Roster's own tables. Django's tables are never altered; everything Roster adds is prefixed roster_.

CREATE TABLE roster_organizational_unit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(name) BETWEEN 1 AND 150),
    created_at TEXT NOT NULL
);

-- One row per import run: who, when, which file, what happened. Never any password.
CREATE TABLE roster_import (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    actor_user_id INTEGER NULL REFERENCES auth_user (id),
    actor TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('web', 'cli', 'api')),
    file_name TEXT NOT NULL,
    rows_total INTEGER NOT NULL,
    created INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    passwordless INTEGER NOT NULL
);

-- Every row's outcome, so the result page and the error report can be rebuilt later.
CREATE TABLE roster_import_row (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    import_id INTEGER NOT NULL REFERENCES roster_import (id),
    line INTEGER NOT NULL,
    user_id INTEGER NULL REFERENCES auth_user (id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    username TEXT NOT NULL,
    organizational_unit TEXT NOT NULL,
    job_title TEXT NOT NULL,
    had_password INTEGER NOT NULL,
    code TEXT NULL,
    column_name TEXT NULL,
    message TEXT NULL
);
CREATE INDEX roster_import_row_import ON roster_import_row (import_id, line);

-- Roster's extra facts about a Django user.
CREATE TABLE roster_user_profile (
    user_id INTEGER PRIMARY KEY REFERENCES auth_user (id),
    organizational_unit_id INTEGER NULL REFERENCES roster_organizational_unit (id),
    job_title TEXT NOT NULL DEFAULT '',
    import_id INTEGER NULL REFERENCES roster_import (id)
);
CREATE INDEX roster_user_profile_ou ON roster_user_profile (organizational_unit_id);

-- Server-side sessions; only a SHA-256 of the cookie value is stored.
CREATE TABLE roster_session (
    key_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES auth_user (id),
    password_fingerprint TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX roster_session_user ON roster_session (user_id);
