//! `roster --database postgres://… createsuperuser` and `changepassword` on a real server:
//! Django's PBKDF2 hash and flags, the case-blind duplicate check, Django's password validators,
//! and the audit entries, as on SQLite.

use std::path::Path;

use super::cluster::{cluster, new_database};
use super::import::django_pbkdf2;
use super::migrate::roster_pg;
use crate::helpers::{TEST_ITERATIONS, roster_with};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn stored(client: &mut postgres::Client) -> (String, bool, bool, bool) {
    let row = client
        .query_one(
            "SELECT password, is_active, is_staff, is_superuser FROM auth_user WHERE username = 'root'",
            &[],
        )
        .unwrap();
    (row.get(0), row.get(1), row.get(2), row.get(3))
}

/// Checks `hash` is Django's PBKDF2 of `password` (computed independently of Roster).
fn assert_django_hash(hash: &str, password: &str) {
    let salt = hash.split('$').nth(2).unwrap();
    assert_eq!(hash, django_pbkdf2(password, salt, TEST_ITERATIONS));
}

#[test]
fn createsuperuser_and_changepassword_write_djangos_hash_and_audit_entries() {
    let pg = cluster();
    let db = new_database("accounts");
    let url = pg.url(&db, "?sslmode=disable");
    let mut client = pg.client(&db);
    let create = |username: &str, email: &str, password: &str| {
        roster_pg(
            &url,
            &[
                "createsuperuser",
                "--username",
                username,
                "--email",
                email,
                "--noinput",
            ],
            &[("ROSTER_SUPERUSER_PASSWORD", password)],
        )
    };
    let out = create("root", "root@example.com", "password123");
    assert_eq!(out.status.code(), Some(1), "Django's validators apply");
    assert!(text(&out.stderr).contains("This password is too common."));
    assert!(!text(&out.stderr).contains("password123"), "never echoed");

    let out = create("root", "root@example.com", "root-pass-1");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (hash, active, staff, superuser) = stored(&mut client);
    assert_django_hash(&hash, "root-pass-1");
    assert_eq!((active, staff, superuser), (true, true, true));

    // Taken ignoring ASCII case, by username or by e-mail.
    for (username, email) in [("ROOT", "other@example.com"), ("other", "Root@Example.COM")] {
        let out = create(username, email, "root-pass-2");
        assert_eq!(out.status.code(), Some(1), "{username}");
        assert!(
            text(&out.stderr).contains("already exists"),
            "{}",
            text(&out.stderr)
        );
    }
    assert_eq!(super::count(&mut client, "auth_user"), 1);

    let change = |username: &str, password: &str| {
        roster_with(
            Path::new(&url),
            &["changepassword", username, "--password-stdin"],
            &[],
            Some(&format!("{password}\n")),
        )
    };
    let out = change("nobody", "new-root-pass-3");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("does not exist"),
        "{}",
        text(&out.stderr)
    );
    let out = change("root", "12345678901");
    assert_eq!(out.status.code(), Some(1), "all digits is refused");
    assert_eq!(stored(&mut client).0, hash, "nothing changed");
    let out = change("root", "new-root-pass-3");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Password changed successfully for user \"root\"."));
    assert_django_hash(&stored(&mut client).0, "new-root-pass-3");

    let audit = super::audit_entries(&mut client, "true");
    let id: i64 = client
        .query_one("SELECT id::bigint FROM auth_user", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        audit,
        [
            format!("admin_created|user:{id} (root)|roster createsuperuser"),
            format!("password_set|user:{id} (root)|roster changepassword"),
        ]
    );
}
