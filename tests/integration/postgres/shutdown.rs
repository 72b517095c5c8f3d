//! `roster serve` on PostgreSQL stops cleanly on SIGTERM (what systemd and Docker send), closing
//! its kept connections.

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
    let (status, log) = server.terminate();
    assert!(!log.contains("panicked"), "{log}");
    assert!(status.success(), "{status:?}: {log}");
}
