-- Mail settings an admin edits on the Mail page (one row). NULL means "not set here": the value
-- from the command line, the environment or the default applies. A flag or ROSTER_EMAIL_*
-- variable always wins over this row. The password is stored as given (the database file is
-- owner-only), because SMTP AUTH needs it in clear.
CREATE TABLE roster_mail_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    host TEXT NULL,
    port INTEGER NULL CHECK (port IS NULL OR (port BETWEEN 1 AND 65535)),
    encryption TEXT NULL CHECK (encryption IS NULL OR encryption IN ('none', 'starttls', 'tls')),
    username TEXT NULL,
    password TEXT NULL,
    from_address TEXT NULL,
    base_url TEXT NULL,
    updated_at TEXT NOT NULL
);
