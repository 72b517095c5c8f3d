-- A digest of the user as the import wrote them (names, e-mail, password field, flags, unit, job
-- title, groups, permissions), so an undo can tell a user changed since, in Roster or in Django,
-- from one left as imported. NULL for rows written before this column existed.
ALTER TABLE roster_import_row ADD COLUMN user_fingerprint TEXT NULL;
