-- Mail: the server check and the admin's choice recorded with each import, and invitation outcomes.

ALTER TABLE roster_import ADD COLUMN mail_check TEXT NULL;
ALTER TABLE roster_import ADD COLUMN mail_check_message TEXT NULL;
ALTER TABLE roster_import ADD COLUMN allowed_without_mail INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roster_import ADD COLUMN invite INTEGER NOT NULL DEFAULT 0;

-- One set-password invitation per imported user without a password; never holds a token.
CREATE TABLE roster_invitation (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    import_id INTEGER NOT NULL REFERENCES roster_import (id),
    user_id INTEGER NOT NULL REFERENCES auth_user (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    reason TEXT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (import_id, user_id)
);
