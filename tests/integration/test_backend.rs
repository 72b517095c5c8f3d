//! The harness parameter `ROSTER_TEST_BACKEND=postgres`: the in-process servers of the web tests
//! run on a new database of the test PostgreSQL server instead of an SQLite file, seeded as the
//! test's `prepare` seeded its SQLite file (nothing, migrated, or the admin `ADMIN`); a test that
//! prepares anything else runs on SQLite only so far and stops saying so.

use std::path::Path;

use roster::db::account_store::AccountStore;
use roster::db::postgres::{Connector, PasswordLookup, PgAccounts, PgTarget};

use crate::helpers::{ADMIN, ADMIN_PASSWORD, TEST_ITERATIONS};
use crate::postgres::cluster::{cluster, new_database};

/// What a test's `prepare` left in its SQLite file.
#[derive(Debug, PartialEq, Eq)]
enum Seeded {
    /// No file, or a migrated one without users.
    Empty,
    /// Migrated, with the one admin `seed_admin` adds.
    Admin,
}

/// Reads what `prepare` did to `sqlite`; panics for anything but the seeds PostgreSQL repeats.
fn seeded(sqlite: &Path) -> Seeded {
    if !sqlite.exists() {
        return Seeded::Empty;
    }
    let conn = rusqlite::Connection::open(sqlite).expect("open the prepared file");
    let count = |sql: &str| -> i64 {
        conn.query_row(sql, [], |r| r.get(0))
            .unwrap_or_else(|_| panic!("this test prepares its SQLite file in a way PostgreSQL does not repeat ({sql} fails), so it runs on SQLite only so far"))
    };
    let others = count(
        "SELECT (SELECT COUNT(*) FROM roster_organizational_unit) + \
         (SELECT COUNT(*) FROM roster_import) + (SELECT COUNT(*) FROM roster_api_token) + \
         (SELECT COUNT(*) FROM roster_mail_settings) + (SELECT COUNT(*) FROM roster_session)",
    );
    let users = count("SELECT COUNT(*) FROM auth_user");
    let admin = count(&format!(
        "SELECT COUNT(*) FROM auth_user WHERE username = '{ADMIN}' AND is_superuser"
    ));
    match (others, users, admin) {
        (0, 0, _) => Seeded::Empty,
        (0, 1, 1) => Seeded::Admin,
        _ => panic!(
            "this test prepares rows in its SQLite file that PostgreSQL does not repeat, so it \
             runs on SQLite only so far"
        ),
    }
}

/// A new database on the test server holding what `prepare` put in `sqlite`, migrated; its URL.
pub fn postgres_like(sqlite: &Path) -> String {
    let seeded = seeded(sqlite);
    let pg = cluster();
    let url = pg.url(&new_database("web"), "?sslmode=disable");
    roster::db::postgres::migrate(&connector(&url), &Default::default())
        .expect("migrate the test database");
    if seeded == Seeded::Admin {
        let hash = roster::auth::hashers::make_password(ADMIN_PASSWORD, TEST_ITERATIONS);
        PgAccounts(client(Path::new(&url)))
            .insert_superuser(ADMIN, "admin@example.com", &hash)
            .expect("insert the admin");
    }
    url
}

/// Roster's connector for a test database URL.
pub fn connector(url: &str) -> Connector {
    let target = PgTarget::parse(url, &PasswordLookup::default()).expect("a test database URL");
    Connector::new(target).expect("a connector")
}

/// A plain client for the test database at `url` (a `TestApp`'s `db_path` on PostgreSQL).
pub fn client(url: &Path) -> postgres::Client {
    let url = url.to_str().expect("a URL");
    let dbname = url
        .rsplit('/')
        .next()
        .and_then(|tail| tail.split('?').next())
        .expect("a database name");
    cluster().client(dbname)
}
