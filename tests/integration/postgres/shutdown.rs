//! `roster serve` on PostgreSQL stops cleanly on SIGTERM (what systemd and Docker send), closing
//! its kept connections.

use std::time::{Duration, Instant};

use super::cluster::{cluster, new_database};
use super::web::{browser, serve};

#[test]
fn serve_on_postgresql_stops_on_sigterm_without_a_panic() {
    let pg = cluster();
    let url = pg.url(&new_database("shutdown"), "?sslmode=disable");
    let mut server = serve(&url);
    {
        // Requests that use kept connections: a failed login reads the user and counts the
        // attempt in the shared rate limits.
        let app = browser(&server);
        let (status, _) = app.page("/login");
        assert_eq!(status, 200);
        for _ in 0..2 {
            let refused = app.post_form(
                "/login",
                "/login",
                &[("username", "nobody"), ("password", "Wrong-Pass-2026!")],
            );
            assert_eq!(
                refused.status().as_u16(),
                401,
                "the form again, with the refusal"
            );
        }
    }
    let pid = server.child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(sent.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("wait for roster serve") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "roster serve did not stop on SIGTERM; its log:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    // The log reader may still be copying the last lines.
    std::thread::sleep(Duration::from_millis(200));
    let log = server.log();
    assert!(!log.contains("panicked"), "{log}");
    assert!(status.success(), "{status:?}: {log}");
}
