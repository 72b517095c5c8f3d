//! Django's `manage.py flush` on a database Roster imported into: PostgreSQL's `TRUNCATE auth_user`
//! succeeds and Roster's rows follow the delete rules for every user, so no Roster row names an id
//! the next new user gets; Roster's rows still name only existing users, locked as foreign keys do.

use super::count;
use super::import::{import_pg, migrated_database};
use crate::helpers::HEADER;

/// `manage.py sqlflush` of the interop project, from real Django (see
/// tests/fixtures/django/gen/postgres_interop.sh, which also runs the real `flush`).
const DJANGO_FLUSH: &str = include_str!("../../fixtures/django/postgres_sqlflush.sql");

/// Django's flush for a database without the interop project's own `inventory` app (Django
/// lists the tables in no fixed order).
fn djangos_flush() -> String {
    let mut truncates = 0;
    let flush: Vec<String> = DJANGO_FLUSH
        .lines()
        .map(|line| {
            let Some((tables, rest)) = line
                .strip_prefix("TRUNCATE ")
                .and_then(|after| after.split_once(" RESTART IDENTITY"))
            else {
                return line.to_string();
            };
            truncates += 1;
            let kept: Vec<&str> = tables
                .split(", ")
                .filter(|table| *table != "\"inventory_item\"")
                .collect();
            assert!(kept.contains(&"\"auth_user\""), "{line}");
            format!("TRUNCATE {} RESTART IDENTITY{rest}", kept.join(", "))
        })
        .collect();
    assert_eq!(truncates, 1, "{DJANGO_FLUSH}");
    flush.join("\n")
}

fn import_two(url: &str, dir: &std::path::Path, names: [&str; 2]) {
    let file = dir.join(format!("{}.csv", names[0]));
    let rows: Vec<String> = names
        .iter()
        .map(|name| format!("A;{name};{name}@example.com;{name};;;"))
        .collect();
    std::fs::write(&file, format!("{HEADER}\n{}\n", rows.join("\n"))).unwrap();
    let out = import_pg(url, &file, &["--allow-without-mail"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn djangos_flush_empties_auth_user_and_roster_forgets_every_user() {
    let (url, mut client) = migrated_database("flush");
    let dir = tempfile::tempdir().unwrap();
    import_two(&url, dir.path(), ["ada", "grace"]);
    client
        .batch_execute(
            "INSERT INTO roster_session (key_hash, user_id, password_fingerprint, created_at, expires_at)
                 SELECT 'k' || id, id, 'f', now(), now() FROM auth_user;
             INSERT INTO roster_audit (at, actor_user_id, actor, action)
                 SELECT now(), id, username, 'login' FROM auth_user;",
        )
        .unwrap();
    let audit_entries = count(&mut client, "roster_audit");

    client.batch_execute(&djangos_flush()).unwrap();

    assert_eq!(count(&mut client, "auth_user"), 0);
    for table in ["roster_user_profile", "roster_session", "roster_invitation"] {
        assert_eq!(count(&mut client, table), 0, "{table}");
    }
    let named = client
        .query_one(
            "SELECT (SELECT COUNT(*) FROM roster_import_row WHERE user_id IS NOT NULL),
                    (SELECT COUNT(*) FROM roster_audit WHERE actor_user_id IS NOT NULL),
                    (SELECT string_agg(created_username, ',' ORDER BY line) FROM roster_import_row)",
            &[],
        )
        .unwrap();
    assert_eq!(named.get::<_, i64>(0), 0, "import rows still name a user");
    assert_eq!(named.get::<_, i64>(1), 0, "audit entries still name a user");
    assert_eq!(named.get::<_, String>(2), "ada,grace", "the facts stay");
    assert_eq!(count(&mut client, "roster_audit"), audit_entries);

    // RESTART IDENTITY: the next user is id 1 again, and nothing of ada's attaches to her.
    import_two(&url, dir.path(), ["alan", "edsger"]);
    let first = client
        .query_one(
            "SELECT u.username,
                    (SELECT string_agg(r.created_username, ',') FROM roster_import_row r
                     WHERE r.user_id = u.id)
             FROM auth_user u WHERE u.id = 1",
            &[],
        )
        .unwrap();
    assert_eq!(first.get::<_, String>(0), "alan");
    assert_eq!(first.get::<_, Option<String>>(1).as_deref(), Some("alan"));
}

#[test]
fn roster_rows_name_only_existing_users_and_a_named_user_keeps_its_id() {
    let (url, mut client) = migrated_database("references");
    let dir = tempfile::tempdir().unwrap();
    import_two(&url, dir.path(), ["ada", "grace"]);
    for statement in [
        "INSERT INTO roster_session (key_hash, user_id, password_fingerprint, created_at, expires_at)
             VALUES ('k', 999, 'f', now(), now())",
        "INSERT INTO roster_user_profile (user_id) VALUES (999)",
        "INSERT INTO roster_audit (at, actor_user_id, actor, action) VALUES (now(), 999, 'x', 'login')",
        "UPDATE roster_import_row SET user_id = 999",
        "UPDATE auth_user SET id = 999 WHERE username = 'ada'",
    ] {
        let err = client.batch_execute(statement).unwrap_err();
        assert_eq!(
            err.code(),
            Some(&postgres::error::SqlState::FOREIGN_KEY_VIOLATION),
            "{statement}: {err}"
        );
    }
    // A user no Roster row names may change its id, as with a foreign key.
    client
        .batch_execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                 is_staff, is_active, date_joined)
             VALUES ('!', false, 'loose', '', '', '', false, true, now());
             UPDATE auth_user SET id = 500 WHERE username = 'loose';",
        )
        .unwrap();
}

#[test]
fn a_user_a_roster_row_is_being_written_for_cannot_be_deleted_meanwhile() {
    let (url, mut writer) = migrated_database("key-share");
    let dir = tempfile::tempdir().unwrap();
    import_two(&url, dir.path(), ["ada", "grace"]);
    let mut django = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let mut writing = writer.transaction().unwrap();
    writing
        .batch_execute(
            "INSERT INTO roster_session (key_hash, user_id, password_fingerprint, created_at, expires_at)
                 SELECT 'k', id, 'f', now(), now() FROM auth_user WHERE username = 'ada'",
        )
        .unwrap();
    // The session's check holds ada FOR KEY SHARE, as a foreign key would: Django's delete waits.
    let err = django
        .batch_execute(
            "SET lock_timeout = '300ms'; DELETE FROM auth_user_groups; \
             DELETE FROM auth_user WHERE username = 'ada'",
        )
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some(&postgres::error::SqlState::LOCK_NOT_AVAILABLE),
        "{err}"
    );
    writing.commit().unwrap();
    django
        .batch_execute("DELETE FROM auth_user_groups; DELETE FROM auth_user WHERE username = 'ada'")
        .unwrap();
    assert_eq!(
        count(&mut writer, "roster_session"),
        0,
        "the delete rule ran"
    );
}
