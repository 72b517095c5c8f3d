//! Finding out what went wrong: `ROSTER_TEST_LOG` shows the servers' log with a test's output, and
//! an unexpected error's page quotes the request id its log line carries.

use std::process::Command;
use std::time::Duration;

use crate::eventually::eventually;
use crate::helpers::*;

const PROBE: &str = "diagnostics::log_probe_a_request_to_an_in_process_server";

/// Run on its own by the tests below; it fails on purpose only when `ROSTER_PROBE_FAILS` is set.
#[test]
fn log_probe_a_request_to_an_in_process_server() {
    let app = spawn_app();
    assert_eq!(app.page("/login").0, 200);
    assert!(
        std::env::var_os("ROSTER_PROBE_FAILS").is_none(),
        "failing on purpose"
    );
}

/// Runs the probe test in a fresh test process; returns what it printed (stdout and stderr).
fn run_probe(test_log: Option<&str>, fails: bool, extra: &[&str]) -> String {
    let mut probe = Command::new(std::env::current_exe().expect("this test binary"));
    probe.args(["--exact", PROBE]).args(extra);
    match test_log {
        Some(value) => probe.env("ROSTER_TEST_LOG", value),
        None => probe.env_remove("ROSTER_TEST_LOG"),
    };
    if fails {
        probe.env("ROSTER_PROBE_FAILS", "1");
    } else {
        probe.env_remove("ROSTER_PROBE_FAILS");
    }
    let out = probe.output().expect("run the probe test");
    assert_eq!(out.status.success(), !fails, "the probe's verdict");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn roster_test_log_shows_the_server_log_of_a_failing_test_and_is_quiet_by_default() {
    let request_line = "route=/login status=200";
    let failed = run_probe(Some("1"), true, &[]);
    assert!(
        failed.contains(request_line) && failed.contains("request_id="),
        "the log is printed with the failure: {failed}"
    );
    let live = run_probe(Some("1"), false, &["--nocapture"]);
    assert!(live.contains(request_line), "live with --nocapture: {live}");
    let quiet = run_probe(None, true, &["--nocapture"]);
    assert!(!quiet.contains(request_line), "quiet by default: {quiet}");
}

/// The value of each `Set-Cookie` header, e.g. the session key.
fn cookie_values(res: &reqwest::blocking::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|c| c.split(';').next()?.split_once('='))
        .map(|(_, value)| value.to_string())
        .filter(|value| !value.is_empty())
        .collect()
}

#[test]
fn an_unexpected_error_page_quotes_the_request_id_of_its_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.sqlite3");
    seed_admin(&db);
    let server = start_server(&db);
    let app = TestApp::external(&server.base, db.clone(), tempfile::tempdir().unwrap());
    let login = app.post_form(
        "/login",
        "/login",
        &[("username", ADMIN), ("password", ADMIN_PASSWORD)],
    );
    assert_eq!(login.status().as_u16(), 303);
    let secrets = cookie_values(&login);
    assert!(!secrets.is_empty(), "a session cookie");

    // The database disappears under the running server: the session cannot be read any more.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let (status, html) = app.page("/users");
    assert_eq!(status, 500, "{html}");
    let text = select_text(&html, "main").unwrap_or_else(|| html.clone());
    let reference: String = text
        .split("Quote this reference: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no reference on the page: {text}"))
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    assert_eq!(reference.len(), 8, "{text}");

    let error_line = eventually(
        "the unexpected error in the server log",
        Duration::from_secs(10),
        || {
            server
                .log()
                .lines()
                .find(|line| line.contains("unexpected error"))
                .map(str::to_string)
        },
    );
    assert!(
        error_line.contains(&format!("request_id={reference}")),
        "the error line carries the page's reference {reference}: {error_line}"
    );
    // The request's own line is written once the response has gone out, so it may come later.
    eventually(
        "the request's own line with its reference and status 500",
        Duration::from_secs(10),
        || {
            server
                .log()
                .lines()
                .find(|l| {
                    l.contains(&format!("request_id={reference}")) && l.contains("status=500")
                })
                .map(str::to_string)
        },
    );
    let log = server.log();
    for secret in secrets.iter().map(String::as_str).chain([ADMIN_PASSWORD]) {
        assert!(!log.contains(secret), "a secret in the log: {log}");
        assert!(!html.contains(secret), "a secret on the page: {html}");
    }
}
