-- PostgreSQL only (SQLite needs no twin: its tables are unchanged; a later SQLite migration takes the
-- next number free on both backends, so one number never means two things).
-- Django's `manage.py flush` runs `TRUNCATE "auth_user", … RESTART IDENTITY` on PostgreSQL, and
-- PostgreSQL refuses to truncate a table another table's foreign key references. So Roster's six
-- references to auth_user stop being foreign keys and become triggers that do what the foreign keys
-- did, and what SQLite still does with its foreign keys:
--   * a row may only name an existing user (checked after each INSERT and UPDATE statement, locking
--     the users named FOR KEY SHARE as a foreign key does, so Django cannot delete one meanwhile);
--   * when Django deletes a user, the same delete rules (profile, sessions and invitations go; the
--     import, its row records and the audit log keep their facts and forget the id);
--   * when Django truncates auth_user (flush), the delete rules for every user, so no Roster row
--     names an id that RESTART IDENTITY hands to the next new user;
--   * a user's id may not change while Roster's rows name it (a foreign key's NO ACTION).

ALTER TABLE roster_import DROP CONSTRAINT roster_import_actor_user_id_fkey;
ALTER TABLE roster_import_row DROP CONSTRAINT roster_import_row_user_id_fkey;
ALTER TABLE roster_user_profile DROP CONSTRAINT roster_user_profile_user_id_fkey;
ALTER TABLE roster_session DROP CONSTRAINT roster_session_user_id_fkey;
ALTER TABLE roster_invitation DROP CONSTRAINT roster_invitation_user_id_fkey;
ALTER TABLE roster_audit DROP CONSTRAINT roster_audit_actor_user_id_fkey;

-- Refuses new or changed rows naming a user auth_user does not have, as a foreign key does
-- (SQLSTATE 23503), after locking the users they name FOR KEY SHARE, as a foreign key does. One
-- check per statement over its transition table `written` (an import writes 64 to 2,048 rows per
-- statement), through the primary key's index; TG_ARGV[0] names the column.
CREATE FUNCTION roster_rows_name_users() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    named integer[];
    locked integer;
    missing integer;
BEGIN
    EXECUTE format('SELECT ARRAY(SELECT DISTINCT %I FROM written WHERE %I IS NOT NULL)',
                   TG_ARGV[0], TG_ARGV[0])
        INTO named;
    SELECT count(*) INTO locked
        FROM (SELECT 1 FROM auth_user WHERE id = ANY (named) FOR KEY SHARE) AS existing;
    IF locked < cardinality(named) THEN
        SELECT wanted INTO missing FROM unnest(named) AS wanted
            WHERE NOT EXISTS (SELECT 1 FROM auth_user WHERE id = wanted) LIMIT 1;
        RAISE EXCEPTION 'a row of "%" names user id %, which auth_user does not have',
            TG_TABLE_NAME, missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER roster_import_actor_inserted AFTER INSERT ON roster_import
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT
    EXECUTE FUNCTION roster_rows_name_users('actor_user_id');
CREATE TRIGGER roster_import_actor_updated AFTER UPDATE ON roster_import
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT
    EXECUTE FUNCTION roster_rows_name_users('actor_user_id');
CREATE TRIGGER roster_audit_actor_inserted AFTER INSERT ON roster_audit
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT
    EXECUTE FUNCTION roster_rows_name_users('actor_user_id');
CREATE TRIGGER roster_import_row_user_inserted AFTER INSERT ON roster_import_row
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT
    EXECUTE FUNCTION roster_rows_name_users('user_id');
CREATE TRIGGER roster_import_row_user_updated AFTER UPDATE ON roster_import_row
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT
    EXECUTE FUNCTION roster_rows_name_users('user_id');
CREATE TRIGGER roster_user_profile_user_inserted AFTER INSERT ON roster_user_profile
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT
    EXECUTE FUNCTION roster_rows_name_users('user_id');
CREATE TRIGGER roster_user_profile_user_updated AFTER UPDATE ON roster_user_profile
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT
    EXECUTE FUNCTION roster_rows_name_users('user_id');
CREATE TRIGGER roster_session_user_inserted AFTER INSERT ON roster_session
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT
    EXECUTE FUNCTION roster_rows_name_users('user_id');
CREATE TRIGGER roster_session_user_updated AFTER UPDATE ON roster_session
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT
    EXECUTE FUNCTION roster_rows_name_users('user_id');
CREATE TRIGGER roster_invitation_user_inserted AFTER INSERT ON roster_invitation
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT
    EXECUTE FUNCTION roster_rows_name_users('user_id');
CREATE TRIGGER roster_invitation_user_updated AFTER UPDATE ON roster_invitation
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT
    EXECUTE FUNCTION roster_rows_name_users('user_id');

-- The delete rules, for one user (`gone`) or, on TRUNCATE, for all of them (NULL).
CREATE FUNCTION roster_forget_users(gone integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM roster_user_profile WHERE gone IS NULL OR user_id = gone;
    DELETE FROM roster_session WHERE gone IS NULL OR user_id = gone;
    DELETE FROM roster_invitation WHERE gone IS NULL OR user_id = gone;
    UPDATE roster_import SET actor_user_id = NULL
        WHERE actor_user_id IS NOT NULL AND (gone IS NULL OR actor_user_id = gone);
    UPDATE roster_import_row SET user_id = NULL
        WHERE user_id IS NOT NULL AND (gone IS NULL OR user_id = gone);
    UPDATE roster_audit SET actor_user_id = NULL
        WHERE actor_user_id IS NOT NULL AND (gone IS NULL OR actor_user_id = gone);
END;
$$;

CREATE FUNCTION roster_user_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM roster_forget_users(OLD.id);
    RETURN OLD;
END;
$$;

CREATE FUNCTION roster_users_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM roster_forget_users(NULL);
    RETURN NULL;
END;
$$;

CREATE FUNCTION roster_user_id_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM roster_user_profile WHERE user_id = OLD.id)
       OR EXISTS (SELECT 1 FROM roster_session WHERE user_id = OLD.id)
       OR EXISTS (SELECT 1 FROM roster_invitation WHERE user_id = OLD.id)
       OR EXISTS (SELECT 1 FROM roster_import WHERE actor_user_id = OLD.id)
       OR EXISTS (SELECT 1 FROM roster_import_row WHERE user_id = OLD.id)
       OR EXISTS (SELECT 1 FROM roster_audit WHERE actor_user_id = OLD.id) THEN
        RAISE EXCEPTION 'user id % is still named by Roster''s tables', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER roster_user_deleted AFTER DELETE ON auth_user
    FOR EACH ROW EXECUTE FUNCTION roster_user_deleted();
CREATE TRIGGER roster_users_truncated BEFORE TRUNCATE ON auth_user
    FOR EACH STATEMENT EXECUTE FUNCTION roster_users_truncated();
CREATE TRIGGER roster_user_id_changed AFTER UPDATE OF id ON auth_user
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION roster_user_id_changed();
