//! `cargo test` runs the integration suite on PostgreSQL too: one test runs this test binary again
//! with the harness parameter `ROSTER_TEST_BACKEND=postgres` (see `test_backend.rs`), every test
//! but the PostgreSQL-specific ones (`postgres::`, which ran here already) and those listed in
//! `SQLITE_ONLY`, each with the reason it does not run on PostgreSQL yet.

use std::process::Command;

/// Tests that run on SQLite only so far, and why.
const SQLITE_ONLY: &[(&str, &str)] = &[
    (
        "custom_user_model::users_are_imported_edited_and_logged_in_through_the_projects_user_model",
        "its database is a copy of named_user_project.sqlite3, which real Django 5.2 wrote, and it \
         reads sqlite_master; postgres::custom_user_model runs the same project on PostgreSQL, \
         replayed from named_user_project_postgres.sql",
    ),
    (
        "django::users_django_wrote_beside_the_search_index_are_found_and_django_kept_working",
        "it tests the SQLite search index (roster_user_search_pending and its triggers, \
         src/db/user_search.rs), which PostgreSQL databases do not have, on SQLite files real \
         Django 4.2 and 6.1 wrote through those triggers",
    ),
];

#[test]
fn the_integration_tests_pass_on_postgresql_too() {
    let mut command = Command::new(std::env::current_exe().expect("this test binary"));
    command.env("ROSTER_TEST_BACKEND", "postgres").args([
        "--skip",
        "postgres::",
        "--skip",
        "both_backends::",
    ]);
    for (test, _) in SQLITE_ONLY {
        command.args(["--skip", test]);
    }
    let out = command.output().expect("run the tests on PostgreSQL");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let failed: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("test ") && line.ends_with("FAILED"))
        .collect();
    let summary = stdout
        .lines()
        .filter(|line| line.starts_with("test result"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        out.status.success(),
        "on PostgreSQL ({summary}):\n{}\n\n{}",
        failed.join("\n"),
        stdout
            .split("failures:")
            .nth(1)
            .unwrap_or(&stdout)
            .chars()
            .take(20_000)
            .collect::<String>()
    );
}
