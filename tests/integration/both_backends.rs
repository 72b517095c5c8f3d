//! `cargo test` runs the integration suite on PostgreSQL too: one test runs this test binary again
//! with the harness parameter `ROSTER_TEST_BACKEND=postgres` (see `test_backend.rs`), every test
//! but the PostgreSQL-specific ones (`postgres::`, which ran here already) and those listed in
//! `SQLITE_ONLY`, each with the reason it does not run on PostgreSQL yet.

use std::process::Command;

/// Tests that run on SQLite only so far, and why.
const SQLITE_ONLY: &[(&str, &str)] = &[
    (
        "api::dry_run_reports_and_creates_nothing",
        "its checks read or write the SQLite file",
    ),
    (
        "api::failed_rows_are_reported_with_200",
        "its checks read or write the SQLite file",
    ),
    (
        "api::multipart_and_text_csv_bodies_both_import",
        "its checks read or write the SQLite file",
    ),
    (
        "api::oversized_bodies_get_a_json_413",
        "its checks read or write the SQLite file",
    ),
    (
        "api::passwordless_rows_need_mail_unless_allowed",
        "its checks read or write the SQLite file",
    ),
    (
        "api::the_api_ignores_cookies_and_csrf",
        "its checks read or write the SQLite file",
    ),
    (
        "api::tokens::admins_create_and_revoke_tokens_in_the_ui",
        "its checks read or write the SQLite file",
    ),
    (
        "api::tokens::cli_creates_lists_and_revokes_tokens",
        "its checks read or write the SQLite file",
    ),
    (
        "api::tokens::the_token_never_reaches_the_audit_log_or_later_responses",
        "its checks read or write the SQLite file",
    ),
    (
        "custom_user_model::users_are_imported_edited_and_logged_in_through_the_projects_user_model",
        "prepares rows in its SQLite file",
    ),
    (
        "django::a_superuser_made_by_django_logs_in_to_roster",
        "prepares rows in its SQLite file",
    ),
    (
        "django::users_django_wrote_beside_the_search_index_are_found_and_django_kept_working",
        "prepares rows in its SQLite file",
    ),
    (
        "django_companion::reset_links_signed_with_a_fallback_key_are_accepted",
        "its checks read or write the SQLite file",
    ),
    (
        "jobs::a_web_import_runs_in_the_background_and_shows_progress",
        "opens the SQLite file itself",
    ),
    (
        "jobs::overlapping_imports_at_the_same_time_create_each_user_once",
        "its checks read or write the SQLite file",
    ),
    (
        "mail_settings::a_setting_from_the_environment_is_read_only_wins_and_no_log_shows_the_password",
        "its checks read or write the SQLite file",
    ),
    (
        "mail_settings::edit_check_save_then_forgot_password_goes_through_the_new_server_without_restart",
        "its checks read or write the SQLite file",
    ),
    (
        "mail_settings::no_page_waits_more_than_two_seconds_on_a_silent_server",
        "its checks read or write the SQLite file",
    ),
    (
        "mail_settings::save_refuses_settings_whose_check_fails_unless_save_anyway",
        "its checks read or write the SQLite file",
    ),
    (
        "spreadsheets::an_xlsx_and_an_ods_upload_preview_and_import_like_a_csv",
        "its checks read or write the SQLite file",
    ),
    (
        "web_auth::a_database_failure_during_setup_is_a_500_and_the_link_stays_valid",
        "its checks read or write the SQLite file",
    ),
    (
        "web_import::another_admin_cannot_open_my_preview",
        "its checks read or write the SQLite file",
    ),
    (
        "web_import::upload_preview_import_and_error_report",
        "its checks read or write the SQLite file",
    ),
    (
        "web_mail::admin_sends_a_reset_and_sets_a_password",
        "its checks read or write the SQLite file",
    ),
    (
        "web_mail::forgot_password_does_not_reveal_which_addresses_exist",
        "its checks read or write the SQLite file",
    ),
    (
        "web_mail::invitations_are_mailed_after_the_import_and_reported",
        "its checks read or write the SQLite file",
    ),
    (
        "web_mail::passwordless_user_sets_a_password_through_forgot_password",
        "its checks read or write the SQLite file",
    ),
    (
        "web_mail::sso_only_accounts_get_no_first_password_by_mail",
        "its checks read or write the SQLite file",
    ),
    (
        "web_mail::tampered_expired_and_foreign_tokens_are_refused",
        "its checks read or write the SQLite file",
    ),
    (
        "web_security::csrf_sweep::every_state_changing_route_refuses_a_missing_forged_or_foreign_csrf_token",
        "its checks read or write the SQLite file",
    ),
    (
        "web_security::enumeration::forgot_password_answers_the_same_for_unknown_known_inactive_and_passwordless_addresses",
        "its checks read or write the SQLite file",
    ),
    (
        "web_security::enumeration::login_answers_the_same_for_unknown_wrong_inactive_and_passwordless_accounts",
        "its checks read or write the SQLite file",
    ),
    (
        "web_security::files::the_server_creates_database_wal_shm_and_secret_key_owner_only",
        "its checks read or write the SQLite file",
    ),
    (
        "web_security::headers::error_pages_carry_the_security_headers_and_explain_themselves",
        "its checks read or write the SQLite file",
    ),
    (
        "web_security::headers::every_page_an_admin_or_visitor_can_open_is_free_of_inline_code",
        "its checks read or write the SQLite file",
    ),
    (
        "web_security::headers::mailed_links_ignore_host_and_forwarding_headers",
        "its checks read or write the SQLite file",
    ),
    (
        "web_security::input_checks::control_characters_in_names_are_refused_on_the_edit_form",
        "its checks read or write the SQLite file",
    ),
    (
        "web_security::rate_limits::a_limited_burst_is_audited_once_per_client_and_window",
        "its checks read or write the SQLite file",
    ),
    (
        "web_security::rate_limits::login_is_limited_per_account_even_from_many_addresses",
        "its checks read or write the SQLite file",
    ),
    (
        "web_security::repeats::a_second_undo_is_refused_and_the_first_record_is_kept",
        "its checks read or write the SQLite file",
    ),
    (
        "web_security::sessions::a_planted_csrf_cookie_is_useless_against_a_logged_in_admin",
        "its checks read or write the SQLite file",
    ),
    (
        "web_security::sessions::another_users_live_session_is_not_kept_at_login",
        "its checks read or write the SQLite file",
    ),
    (
        "web_security::sessions::every_cookie_is_httponly_samesite_strict_and_secure_only_over_https",
        "its checks read or write the SQLite file",
    ),
    (
        "web_security::sessions::logging_in_by_setup_link_or_reset_link_also_renews_session_and_csrf_token",
        "its checks read or write the SQLite file",
    ),
    (
        "web_security::timing::forgot_password_answers_as_fast_for_known_addresses_and_never_waits_for_smtp",
        "its checks read or write the SQLite file",
    ),
    (
        "web_security::timing::login_takes_as_long_for_unknown_users_as_for_wrong_passwords",
        "its checks read or write the SQLite file",
    ),
    (
        "web_security::weak_passwords::the_api_refuses_weak_passwords_unless_the_parameter_allows_them",
        "its checks read or write the SQLite file",
    ),
    (
        "web_security::weak_passwords::the_web_import_refuses_weak_passwords_unless_the_upload_box_is_ticked",
        "its checks read or write the SQLite file",
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
