//! Imports as background jobs: live progress, concurrent imports, and a killed import's aftermath.

use std::time::{Duration, Instant};

use crate::helpers::*;

/// Iterations high enough that an import takes a few seconds here, so its progress can be seen.
const SLOW_ITERATIONS: u32 = 200_000;

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
    let progress: serde_json::Value = app.get(&format!("{result}/progress.json")).json().unwrap();
    assert_eq!(progress["status"], "running");
    assert_eq!(progress["total"], 240);
    assert!(progress["done"].as_u64().unwrap() < 240);

    let other = app.get("/users");
    assert_eq!(
        other.status().as_u16(),
        200,
        "other pages answer while the import runs"
    );

    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let p: serde_json::Value = app.get(&format!("{result}/progress.json")).json().unwrap();
        seen.push(p["done"].as_u64().unwrap());
        if p["status"] != "running" {
            break;
        }
        assert!(Instant::now() < deadline, "the import never finished");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]),
        "progress only moves forward: {seen:?}"
    );
    let (_, html) = app.page(&result);
    assert_eq!(select_text(&html, "#created").as_deref(), Some("240"));
    let status: String = app
        .db()
        .query_row("SELECT status FROM roster_import", [], |r| r.get(0))
        .unwrap();
    assert_eq!(status, "done");
}

#[test]
fn overlapping_imports_at_the_same_time_create_each_user_once() {
    let app = spawn_app_configured(seed_admin, |c| c.import.pbkdf2_iterations = 20_000);
    let hash = roster::auth::hashers::make_password("second-admin-pw", TEST_ITERATIONS);
    roster::db::users::insert_superuser(
        &app.db(),
        "second",
        "second@example.com",
        &hash,
        "2026-01-01 00:00:00",
    )
    .unwrap();
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
    first.wait_for_import(&a);
    second.wait_for_import(&b);
    let conn = app.db();
    let users: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM auth_user WHERE username LIKE 'ov%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(users, 225, "the union of both files, each user once");
    let doubles: i64 = conn
        .query_row("SELECT COUNT(*) FROM (SELECT lower(username) FROM auth_user GROUP BY lower(username) HAVING COUNT(*) > 1)", [], |r| r.get(0))
        .unwrap();
    assert_eq!(doubles, 0);
    let created: i64 = conn
        .query_row("SELECT SUM(created) FROM roster_import", [], |r| r.get(0))
        .unwrap();
    assert_eq!(created, 225);
    let failed: i64 = conn
        .query_row("SELECT SUM(failed) FROM roster_import", [], |r| r.get(0))
        .unwrap();
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
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let done: Option<i64> = rusqlite::Connection::open(&db).ok().and_then(|c| {
            c.query_row("SELECT rows_done FROM roster_import", [], |r| r.get(0))
                .ok()
        });
        if done.is_some_and(|d| d >= 64) {
            break;
        }
        assert!(Instant::now() < deadline, "no batch was committed");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();

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

#[test]
fn the_cli_shows_no_progress_bar_when_piped() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.sqlite3");
    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, csv_with_passwords("pipe", 0..100)).unwrap();
    let out = roster(&db, &["import", csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("rows/s") && !stderr.contains('\u{2588}'),
        "{stderr}"
    );
}
