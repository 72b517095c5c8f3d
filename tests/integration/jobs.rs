//! Imports as background jobs: live progress, concurrent imports, and a killed import's aftermath.

use std::path::Path;
use std::time::Duration;

use crate::eventually::eventually;
use crate::helpers::*;

/// Iterations high enough that hashing a batch of passwords takes far longer than a request to
/// the server: an import answered with its redirect is far from its last batch.
const SLOW_ITERATIONS: u32 = 200_000;

/// The database's write lock, held by the test until dropped. An import keeps planning and hashing
/// meanwhile but cannot commit a batch, nor record that it finished: while the test holds this, a
/// running import stays running, whatever the machine's speed. Pages keep answering (they only read).
/// On SQLite that is the file's write lock; on PostgreSQL the advisory lock every import takes to
/// write a batch (`IMPORT_LOCK` in `src/db/postgres/import_store.rs`, "RosterI1").
enum HeldWriteLock {
    Sqlite(rusqlite::Connection),
    Postgres(postgres::Client),
}

const POSTGRES_IMPORT_LOCK: i64 = 0x526f_7374_6572_4931;

impl HeldWriteLock {
    fn take(db: &Path) -> HeldWriteLock {
        if db.to_string_lossy().contains("://") {
            let mut client = crate::test_backend::client(db);
            client
                .execute("SELECT pg_advisory_lock($1)", &[&POSTGRES_IMPORT_LOCK])
                .expect("take the import lock");
            return HeldWriteLock::Postgres(client);
        }
        let conn = rusqlite::Connection::open(db).expect("open db");
        conn.busy_timeout(Duration::from_secs(30))
            .expect("busy timeout");
        conn.execute_batch("BEGIN IMMEDIATE")
            .expect("take the write lock");
        HeldWriteLock::Sqlite(conn)
    }

    /// The import's status and rows done, as the database has them.
    fn import(&mut self, id: i64) -> (String, i64) {
        match self {
            HeldWriteLock::Sqlite(conn) => conn
                .query_row(
                    "SELECT status, rows_done FROM roster_import WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .expect("import record"),
            HeldWriteLock::Postgres(client) => {
                let row = client
                    .query_one(
                        "SELECT status, rows_done::bigint FROM roster_import WHERE id = $1",
                        &[&id],
                    )
                    .expect("import record");
                (row.get(0), row.get(1))
            }
        }
    }
}

impl Drop for HeldWriteLock {
    fn drop(&mut self) {
        match self {
            HeldWriteLock::Sqlite(conn) => {
                let _ = conn.execute_batch("ROLLBACK");
            }
            HeldWriteLock::Postgres(client) => {
                let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&POSTGRES_IMPORT_LOCK]);
            }
        }
    }
}

/// The import id at the end of a result path such as `/imports/7`.
fn import_id(result: &str) -> i64 {
    result
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no import id in {result}"))
}

/// What `progress.json` says about the import at `result`.
fn progress(app: &TestApp, result: &str) -> serde_json::Value {
    app.get(&format!("{result}/progress.json"))
        .json()
        .expect("progress JSON")
}

fn csv_with_passwords(prefix: &str, range: std::ops::Range<usize>) -> String {
    let mut csv = format!("{HEADER}\n");
    for i in range {
        csv.push_str(&format!(
            "F{i};L{i};{prefix}{i}@example.com;{prefix}{i};;;pw-{i}-secret\n"
        ));
    }
    csv
}

#[test]
fn a_web_import_runs_in_the_background_and_shows_progress() {
    let app = spawn_app_configured(seed_admin, |c| c.import.pbkdf2_iterations = SLOW_ITERATIONS);
    app.login_admin();
    let csv = csv_with_passwords("bg", 0..240);
    let (preview, _, _) = app.upload_and_preview("big.csv", csv.as_bytes());
    let res = app.post_form(&preview, &format!("{preview}/commit"), &[]);
    assert_eq!(res.status().as_u16(), 303, "the commit answers at once");
    let result = location(&res);
    let mut held = HeldWriteLock::take(&app.db_path);
    let (status, done) = held.import(import_id(&result));
    assert!(
        status == "running" && done < 240,
        "the redirect comes long before the last batch is written: {status}, {done} rows done"
    );

    let res = app.get(&result);
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.headers().get("refresh").and_then(|v| v.to_str().ok()),
        Some("1"),
        "the page refreshes itself"
    );
    let html = res.text().unwrap();
    assert!(
        html.contains("id=\"import-progress\""),
        "a progress bar while running: {html}"
    );
    let running = progress(&app, &result);
    assert_eq!(running["status"], "running");
    assert_eq!(running["total"], 240);
    assert!(running["done"].as_u64().unwrap() < 240);

    let other = app.get("/users");
    assert_eq!(
        other.status().as_u16(),
        200,
        "other pages answer while the import runs"
    );
    drop(held);

    let mut seen = Vec::new();
    eventually("the import to finish", Duration::from_secs(120), || {
        let p = progress(&app, &result);
        seen.push(p["done"].as_u64().unwrap());
        (p["status"] != "running").then_some(())
    });
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]),
        "progress only moves forward: {seen:?}"
    );
    let (_, html) = app.page(&result);
    assert_eq!(select_text(&html, "#created").as_deref(), Some("240"));
    let status = app
        .sql_text("SELECT status FROM roster_import")
        .expect("an import");
    assert_eq!(status, "done");
}

#[test]
fn overlapping_imports_at_the_same_time_create_each_user_once() {
    let app = spawn_app_configured(seed_admin, |c| c.import.pbkdf2_iterations = SLOW_ITERATIONS);
    let hash = roster::auth::hashers::make_password("second-admin-pw", TEST_ITERATIONS);
    crate::web_security::insert_admin(&app, "second", &hash);
    let first = app.second_browser();
    let second = app.second_browser();
    first.login_admin();
    second.login("second", "second-admin-pw");
    let (preview_a, _, _) =
        first.upload_and_preview("a.csv", csv_with_passwords("ov", 0..150).as_bytes());
    let (preview_b, _, _) =
        second.upload_and_preview("b.csv", csv_with_passwords("ov", 75..225).as_bytes());
    let (a, b) = std::thread::scope(|scope| {
        let a = scope
            .spawn(|| location(&first.post_form(&preview_a, &format!("{preview_a}/commit"), &[])));
        let b = scope
            .spawn(|| location(&second.post_form(&preview_b, &format!("{preview_b}/commit"), &[])));
        (a.join().unwrap(), b.join().unwrap())
    });
    // Both imports have started and neither has finished: from here on they run side by side.
    let mut held = HeldWriteLock::take(&app.db_path);
    for import in [&a, &b] {
        let (status, done) = held.import(import_id(import));
        assert_eq!(
            status, "running",
            "{import} still runs once both have started"
        );
        assert!(done < 150, "{import} is part-way: {done} rows done");
    }
    drop(held);
    first.wait_for_import(&a);
    second.wait_for_import(&b);
    let users = app.sql_i64("SELECT COUNT(*) FROM auth_user WHERE username LIKE 'ov%'");
    assert_eq!(users, 225, "the union of both files, each user once");
    let doubles = app.sql_i64("SELECT COUNT(*) FROM (SELECT lower(username) FROM auth_user GROUP BY lower(username) HAVING COUNT(*) > 1) AS doubled");
    assert_eq!(doubles, 0);
    let created = app.sql_i64("SELECT CAST(SUM(created) AS BIGINT) FROM roster_import");
    assert_eq!(created, 225);
    let failed = app.sql_i64("SELECT CAST(SUM(failed) AS BIGINT) FROM roster_import");
    assert_eq!(failed, 75, "the overlap is reported once as duplicates");
}

#[test]
fn a_killed_import_leaves_whole_users_and_a_rerun_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.sqlite3");
    let csv = dir.path().join("big.csv");
    std::fs::write(&csv, csv_with_passwords("kill", 0..600)).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["import", csv.to_str().unwrap()])
        .env("ROSTER_DATABASE", &db)
        .env("ROSTER_PBKDF2_ITERATIONS", SLOW_ITERATIONS.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    eventually(
        "the first batch to be committed",
        Duration::from_secs(60),
        || {
            let done: Option<i64> = rusqlite::Connection::open(&db).ok().and_then(|c| {
                c.query_row("SELECT rows_done FROM roster_import", [], |r| r.get(0))
                    .ok()
            });
            done.filter(|&d| d >= 64)
        },
    );
    // Killed while the test holds the write lock: the import cannot have written everything.
    let held = HeldWriteLock::take(&db);
    child.kill().unwrap();
    child.wait().unwrap();
    drop(held);

    let conn = rusqlite::Connection::open(&db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let users: i64 = conn
        .query_row("SELECT COUNT(*) FROM auth_user", [], |r| r.get(0))
        .unwrap();
    assert!(users > 0 && users < 600, "stopped part-way: {users}");
    let incomplete: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM auth_user u WHERE NOT EXISTS (SELECT 1 FROM roster_user_profile p WHERE p.user_id = u.id) \
             OR NOT EXISTS (SELECT 1 FROM auth_user_groups g WHERE g.user_id = u.id) OR u.password NOT LIKE 'pbkdf2_sha256$%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(incomplete, 0, "every user is complete");
    let rows: i64 = conn
        .query_row("SELECT COUNT(*) FROM roster_import_row", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, users, "row records match the users written");

    let out = roster(&db, &["import", csv.to_str().unwrap(), "--json"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "the users from the killed run are duplicates now"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["created"].as_i64().unwrap() + users, 600);
    let total: i64 = conn
        .query_row("SELECT COUNT(*) FROM auth_user", [], |r| r.get(0))
        .unwrap();
    assert_eq!(total, 600, "the re-run finished the job without duplicates");
}

/// What the progress bar draws and nothing else prints: `<done>/<total> rows` (the summary line
/// says `300 rows,`).
const BAR_MARK: &str = "/300 rows";

/// Runs `roster import <csv> <extra>` under a pseudo-terminal (util-linux `script`), as a person at
/// a terminal would; returns everything the terminal showed.
fn import_at_a_terminal(db: &Path, csv: &Path, extra: &str) -> String {
    let out = std::process::Command::new("script")
        .args(["--quiet", "--return", "--command"])
        .arg(format!("\"$ROSTER_BIN\" import \"$ROSTER_CSV\" {extra}"))
        .arg("/dev/null")
        .env("ROSTER_BIN", env!("CARGO_BIN_EXE_roster"))
        .env("ROSTER_CSV", csv)
        .env("ROSTER_DATABASE", db)
        .env("ROSTER_PBKDF2_ITERATIONS", "20000")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("util-linux `script` runs the CLI under a pseudo-terminal");
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{shown}");
    shown
}

#[test]
fn the_cli_shows_a_progress_bar_at_a_terminal_and_never_when_piped_or_asked_for_json() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, csv_with_passwords("tty", 0..300)).unwrap();

    let at_terminal = import_at_a_terminal(&dir.path().join("terminal.sqlite3"), &csv, "");
    assert!(
        at_terminal.contains(BAR_MARK),
        "a bar at a terminal: {at_terminal:?}"
    );

    let json = import_at_a_terminal(&dir.path().join("json.sqlite3"), &csv, "--json");
    assert!(
        !json.contains(BAR_MARK) && json.contains("\"created\": 300"),
        "--json at a terminal prints JSON only: {json:?}"
    );

    let piped = roster(
        &dir.path().join("piped.sqlite3"),
        &["import", csv.to_str().unwrap()],
    );
    assert_eq!(piped.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert!(!stderr.contains(BAR_MARK), "no bar when piped: {stderr}");
}
