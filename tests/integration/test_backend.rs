//! The harness parameter `ROSTER_TEST_BACKEND=postgres`: the in-process servers of the web tests
//! run on a new database of the test PostgreSQL server instead of an SQLite file, seeded as the
//! test's `prepare` seeded its SQLite file (nothing, migrated, the admin `ADMIN`, or a copy of a
//! Django-written file with a PostgreSQL twin); a test that prepares anything else runs on SQLite
//! only so far and stops saying so.

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
    /// A copy of a Django-written SQLite file: its PostgreSQL twin's dump, replayed.
    DjangoTwin(&'static str),
}

/// SQLite files real Django wrote, each with the dump of the same project on PostgreSQL that real
/// Django wrote the same way (tests/fixtures/django/README.md).
const DJANGO_TWINS: &[(&str, &str)] = &[(
    "tests/fixtures/django/django_project.sqlite3",
    include_str!("../fixtures/django/django_project_postgres.sql"),
)];

/// Reads what `prepare` did to `sqlite`; panics for anything but the seeds PostgreSQL repeats.
fn seeded(sqlite: &Path) -> Seeded {
    if !sqlite.exists() {
        return Seeded::Empty;
    }
    let prepared = std::fs::read(sqlite).expect("read the prepared file");
    for (file, dump) in DJANGO_TWINS {
        if std::fs::read(file).is_ok_and(|bytes| bytes == prepared) {
            return Seeded::DjangoTwin(dump);
        }
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
    let db = new_database("web");
    let url = pg.url(&db, "?sslmode=disable");
    if let Seeded::DjangoTwin(dump) = seeded {
        pg.client(&db)
            .batch_execute(dump)
            .expect("replay the Django twin");
    }
    roster::db::postgres::migrate(&connector(&url), &Default::default(), None)
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

/// Runs `work` on a thread of its own: PostgreSQL's blocking client starts a runtime, which it
/// cannot do on a thread that already drives one (a browser test's `async` block).
pub fn on_own_thread<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        scope
            .spawn(work)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
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

/// One row of a query's answer as text: integers in decimal, booleans as `1`/`0` (SQLite's
/// form), NULL as `None`.
pub type TextRow = Vec<Option<String>>;

impl crate::helpers::TestApp {
    /// The rows `sql` answers on the app's database, either backend. The SQL must mean the same
    /// on both (literal values, `TRUE`/`FALSE`, no `?1`/`$1`); datetimes are compared as text only
    /// after a cast the test writes.
    pub fn sql_rows(&self, sql: &str) -> Vec<TextRow> {
        if crate::helpers::on_postgres() {
            return on_own_thread(|| {
                client(&self.db_path)
                    .query(sql, &[])
                    .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
                    .iter()
                    .map(postgres_row)
                    .collect()
            });
        }
        let conn = rusqlite::Connection::open(&self.db_path).expect("open db");
        let mut statement = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let columns = statement.column_count();
        statement
            .query_map([], |row| {
                (0..columns)
                    .map(|i| {
                        Ok(match row.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => None,
                            rusqlite::types::ValueRef::Integer(n) => Some(n.to_string()),
                            rusqlite::types::ValueRef::Real(x) => Some(x.to_string()),
                            rusqlite::types::ValueRef::Text(t) => {
                                Some(String::from_utf8_lossy(t).into_owned())
                            }
                            rusqlite::types::ValueRef::Blob(_) => panic!("{sql}: a blob"),
                        })
                    })
                    .collect()
            })
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    /// The first column of the first row `sql` answers (see `sql_rows`); `None` for NULL or no row.
    pub fn sql_text(&self, sql: &str) -> Option<String> {
        self.sql_rows(sql)
            .into_iter()
            .next()
            .and_then(|mut row| row.remove(0))
    }

    /// A count or id `sql` answers.
    pub fn sql_i64(&self, sql: &str) -> i64 {
        self.sql_text(sql)
            .and_then(|text| text.parse().ok())
            .unwrap_or_else(|| panic!("{sql}: not a number"))
    }

    /// Runs statements that mean the same on both backends (see `sql_rows`).
    pub fn sql_execute(&self, sql: &str) {
        if crate::helpers::on_postgres() {
            on_own_thread(|| {
                client(&self.db_path)
                    .batch_execute(sql)
                    .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
            });
        } else {
            rusqlite::Connection::open(&self.db_path)
                .expect("open db")
                .execute_batch(sql)
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }
}

fn postgres_row(row: &postgres::Row) -> TextRow {
    use postgres::types::Type;
    (0..row.len())
        .map(|i| {
            let kind = row.columns()[i].type_().clone();
            match kind {
                Type::BOOL => row
                    .get::<_, Option<bool>>(i)
                    .map(|b| u8::from(b).to_string()),
                Type::INT2 => row.get::<_, Option<i16>>(i).map(|n| n.to_string()),
                Type::INT4 => row.get::<_, Option<i32>>(i).map(|n| n.to_string()),
                Type::INT8 => row.get::<_, Option<i64>>(i).map(|n| n.to_string()),
                Type::FLOAT8 => row.get::<_, Option<f64>>(i).map(|x| x.to_string()),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => row.get(i),
                other => panic!("column {i} is {other}: cast it to text in the SQL"),
            }
        })
        .collect()
}
