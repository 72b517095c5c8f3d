//! `cargo test` runs the integration suite on PostgreSQL too: one test runs this test binary again
//! with the harness parameter `ROSTER_TEST_BACKEND=postgres` (see `test_backend.rs`), every test
//! but the PostgreSQL-specific ones (`postgres::`, which ran here already) and those listed in
//! `SQLITE_ONLY`, each with the reason it does not run on PostgreSQL yet.

use std::process::Command;

/// Tests that run on SQLite only so far, and why.
const SQLITE_ONLY: &[(&str, &str)] = &[
    (
        "add_user::a_set_password_link_is_mailed_and_works_like_an_invitation",
        "its checks read or write the SQLite file",
    ),
    (
        "add_user::a_user_with_a_typed_password_is_an_import_row_with_the_default_role",
        "its checks read or write the SQLite file",
    ),
    (
        "add_user::api::created_refused_and_duplicate_users",
        "its checks read or write the SQLite file",
    ),
    (
        "add_user::each_problem_is_shown_next_to_its_field_and_the_values_stay",
        "its checks read or write the SQLite file",
    ),
    (
        "add_user::with_mail_down_a_passwordless_user_waits_for_the_admins_word",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::deletes::django_deletes_a_user_roster_imported_edited_and_logged_in_and_the_records_keep_the_name",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::deletes::djangos_flush_empties_a_database_roster_imported_into_logged_in_and_audited",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::deletes::undo_is_refused_and_explained_while_project_rows_refer_to_imported_users",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::django_flags::a_user_sharing_an_email_django_allowed_can_still_be_edited",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::django_flags::editing_a_staff_user_keeps_djangos_flags_unless_the_role_changes",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::people::a_default_user_changes_their_own_password",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::people::deactivation_blocks_at_once_keeps_data_and_can_be_undone",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::people::promotion_and_demotion_apply_on_the_next_request",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::people::saving_a_user_into_a_deleted_unit_is_refused",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::people::terminate_sessions_logs_the_user_out_everywhere",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::people::the_last_active_admin_cannot_lose_admin_rights",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::people::user_list_counts_up_to_a_cap_and_pages_past_it",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::people::user_list_pages_cover_every_user_once",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::people::user_list_searches_filters_sorts_and_counts",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::people::user_list_sorts_by_name_descending",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::people::user_page_edits_details_unit_title_and_groups",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::records::audit_log_records_actions_and_exports_them_safely",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::records::audit_rows_cannot_be_changed_or_deleted",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::records::organizational_units_create_rename_and_delete",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::records::times_are_shown_in_the_configured_zone_to_the_second_and_labelled",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::records::undo_removes_exactly_the_users_who_never_logged_in",
        "its checks read or write the SQLite file",
    ),
    (
        "admin_panel::undo::undo_keeps_admins_and_users_changed_after_the_import",
        "its checks read or write the SQLite file",
    ),
    (
        "authz::account_page_is_for_any_logged_in_user",
        "its checks read or write the SQLite file",
    ),
    (
        "authz::admins_may_open_every_page_and_do_every_action",
        "its checks read or write the SQLite file",
    ),
    (
        "authz::anonymous_visitors_are_sent_to_login_and_change_nothing",
        "its checks read or write the SQLite file",
    ),
    (
        "authz::default_users_get_403_and_change_nothing",
        "its checks read or write the SQLite file",
    ),
    (
        "authz::staff_only_or_superuser_only_is_not_an_admin",
        "its checks read or write the SQLite file",
    ),
    (
        "authz::the_api_ignores_session_cookies",
        "its checks read or write the SQLite file",
    ),
    (
        "browser::cross_site::a_reset_link_clicked_in_webmail_sets_the_password_and_logs_in",
        "its checks read or write the SQLite file",
    ),
    (
        "browser::forgot_password::forgot_password_with_the_mailed_link_then_log_in",
        "its checks read or write the SQLite file",
    ),
    (
        "browser::import_flow::drop_preview_import_with_progress_and_download_the_error_report",
        "its checks read or write the SQLite file",
    ),
    (
        "browser::mail_gate::rows_without_a_password_wait_for_mail_unless_the_admin_insists",
        "its checks read or write the SQLite file",
    ),
    (
        "browser::phone::no_page_scrolls_sideways_on_a_phone",
        "its checks read or write the SQLite file",
    ),
    (
        "browser::set_password_links::filter_select_send_and_read_each_outcome",
        "its checks read or write the SQLite file",
    ),
    (
        "custom_user_model::users_are_imported_edited_and_logged_in_through_the_projects_user_model",
        "its database is a copy of named_user_project.sqlite3, which real Django 5.2 wrote, and it \
         reads sqlite_master; postgres::custom_user_model runs the same project on PostgreSQL, \
         replayed from named_user_project_postgres.sql",
    ),
    (
        "django::a_superuser_made_by_django_logs_in_to_roster",
        "its database is django_project.sqlite3, which real Django wrote; no PostgreSQL database of \
         that project is committed (postgres::custom_user_model logs in a superuser Django made \
         on PostgreSQL)",
    ),
    (
        "django::users_django_wrote_beside_the_search_index_are_found_and_django_kept_working",
        "it tests the SQLite search index (roster_user_search_pending and its triggers, \
         src/db/user_search.rs), which PostgreSQL databases do not have, on SQLite files real \
         Django 4.2 and 6.1 wrote through those triggers",
    ),
    (
        "set_password_links::links_go_to_every_user_the_filter_matches",
        "its checks read or write the SQLite file",
    ),
    (
        "set_password_links::links_go_to_ticked_users_who_may_get_one_and_each_outcome_is_shown",
        "its checks read or write the SQLite file",
    ),
    (
        "set_password_links::nothing_is_sent_without_confirmation_a_pick_or_a_working_mail_server",
        "its checks read or write the SQLite file",
    ),
    (
        "set_password_links::password_not_set_filter_composes_with_search_and_pages",
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
