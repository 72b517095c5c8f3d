-- Django rebuilds the user table to alter it on SQLite (new table, copy, drop, rename), and SQLite's
-- rename checks every trigger: V8's audit trigger named the user table, so while it was dropped the
-- rename failed and Django's migration stopped with a foreign key error (e.g. after adding a field
-- with a default to a custom user model). The trigger now names no other table. The one change it
-- lets through stays the delete rule's: the actor id becomes NULL and nothing else changes, so the
-- entry keeps its actor's name. (It no longer checks that the user is gone: no trigger can do that
-- without naming the user table, and anyone who can write the file can drop a trigger anyway.)

DROP TRIGGER roster_audit_no_update;
CREATE TRIGGER roster_audit_no_update BEFORE UPDATE ON roster_audit
WHEN NOT (
    OLD.actor_user_id IS NOT NULL AND NEW.actor_user_id IS NULL
    AND NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.actor IS OLD.actor
    AND NEW.action IS OLD.action AND NEW.target IS OLD.target AND NEW.detail IS OLD.detail
    AND NEW.client IS OLD.client
)
BEGIN
    SELECT RAISE(ABORT, 'roster_audit is append-only');
END;
