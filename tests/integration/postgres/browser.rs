//! The admin's import in Chromium on a `roster serve` process on PostgreSQL: the same clicks,
//! drops, progress, result and error report as on SQLite (`browser/import_flow.rs`).

use std::path::Path;

use super::cluster::{cluster, new_database};
use super::create_admin;
use super::web::SECRET_KEY;
use crate::browser::import_flow::{ITERATIONS, check_imported_passwords, import_journey};
use crate::browser::run;
use crate::helpers::start_server_with;

#[test]
fn drop_preview_import_with_progress_and_download_the_error_report_on_postgresql() {
    let pg = cluster();
    let db = new_database("browser_import");
    let url = pg.url(&db, "?sslmode=disable");
    create_admin(&url, "boss", "Boss-pass-2026!");
    let iterations = ITERATIONS.to_string();
    let server = start_server_with(
        Path::new(&url),
        &[
            ("ROSTER_SECRET_KEY", SECRET_KEY),
            ("ROSTER_PBKDF2_ITERATIONS", &iterations),
        ],
    );
    run(import_journey(
        "postgres_import_flow",
        &server.base,
        "boss",
        "Boss-pass-2026!",
    ));
    let stored: Vec<String> = pg
        .client(&db)
        .query(
            "SELECT password FROM auth_user WHERE username LIKE 'person%' ORDER BY id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    check_imported_passwords(&stored);
}
