//! The server killed (SIGKILL) in the middle of web imports, several times: the database stays
//! whole, each user complete or absent, and importing the file again finishes without duplicates;
//! and stopped (SIGTERM), it exits cleanly.

use std::time::Duration;

use crate::eventually::eventually;
use crate::helpers::*;

/// A cookie-keeping client for the server process.
fn browser(server: &Server, db: &std::path::Path) -> TestApp {
    TestApp::external(
        &server.base,
        db.to_path_buf(),
        tempfile::tempdir().expect("dir"),
    )
}

#[test]
fn killing_the_server_mid_import_loses_nothing_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.sqlite3");
    seed_admin(&db);
    let mut csv = format!("{HEADER}\n");
    for i in 0..400 {
        csv.push_str(&format!(
            "F{i};L{i};crash{i}@example.com;crash{i};;;pw-{i}-secret\n"
        ));
    }
    for round in 0..3 {
        let mut server = start_server(&db);
        let app = browser(&server, &db);
        app.login_admin();
        let (preview, status, _) = app.upload_and_preview("crash.csv", csv.as_bytes());
        assert_eq!(status, 200);
        let res = app.post_form(&preview, &format!("{preview}/commit"), &[]);
        assert_eq!(res.status().as_u16(), 303);
        let before: i64 = rusqlite::Connection::open(&db)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM auth_user", [], |r| r.get(0))
            .unwrap();
        if round < 2 {
            eventually(
                &format!("round {round}: a batch committed"),
                Duration::from_secs(60),
                || {
                    let now: i64 = rusqlite::Connection::open(&db)
                        .unwrap()
                        .query_row("SELECT COUNT(*) FROM auth_user", [], |r| r.get(0))
                        .unwrap();
                    (now > before).then_some(())
                },
            );
        }
        if round < 2 {
            server.child.kill().unwrap();
            server.child.wait().unwrap();
            let conn = rusqlite::Connection::open(&db).unwrap();
            let check: String = conn
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .unwrap();
            assert_eq!(check, "ok", "round {round}");
            let incomplete: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM auth_user u WHERE u.username LIKE 'crash%' AND (\
                     NOT EXISTS (SELECT 1 FROM roster_user_profile p WHERE p.user_id = u.id) \
                     OR NOT EXISTS (SELECT 1 FROM auth_user_groups g WHERE g.user_id = u.id) \
                     OR u.password NOT LIKE 'pbkdf2_sha256$200000$%')",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(incomplete, 0, "round {round}: every user is whole");
        } else {
            let result = location(&res);
            app.wait_for_import(&result);
            server.child.kill().unwrap();
            server.child.wait().unwrap();
        }
    }
    let conn = rusqlite::Connection::open(&db).unwrap();
    let users: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM auth_user WHERE username LIKE 'crash%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(users, 400, "the last run finished the file");
    let doubles: i64 = conn
        .query_row("SELECT COUNT(*) FROM (SELECT lower(username) FROM auth_user GROUP BY lower(username) HAVING COUNT(*) > 1)", [], |r| r.get(0))
        .unwrap();
    assert_eq!(doubles, 0);
    let statuses: Vec<String> = {
        let mut stmt = conn
            .prepare("SELECT status FROM roster_import ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        statuses,
        ["interrupted", "interrupted", "done"],
        "killed imports are marked at the next start"
    );
    let mut server = start_server(&db);
    let app = browser(&server, &db);
    app.login_admin();
    let (_, html) = app.page("/imports/1");
    let notice = select_text(&html, "#interrupted").unwrap_or_default();
    assert!(notice.contains("Import the same file again"), "{html}");
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.sqlite3");
    seed_admin(&db);
    let mut server = start_server(&db);
    {
        let app = browser(&server, &db);
        app.login_admin();
        assert_eq!(app.page("/users").0, 200);
    }
    let (status, log) = server.terminate();
    assert!(!log.contains("panicked"), "{log}");
    assert!(status.success(), "{status:?}: {log}");
}
