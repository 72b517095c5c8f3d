//! Editing users Django made: staff flags kept unless the role changes; duplicate e-mails Django allows.

use super::*;

#[test]
fn editing_a_staff_user_keeps_djangos_flags_unless_the_role_changes() {
    let app = spawn_app();
    app.login_admin();
    let id = add_user(
        &app,
        "stella",
        ("Stella", "Staff"),
        "stella@example.com",
        false,
    );
    app.sql_execute(&format!(
        "UPDATE auth_user SET is_staff = TRUE WHERE id = {id}"
    ));
    let html = app.page(&format!("/users/{id}")).1;
    let role = select_text(&html, "#user-role").unwrap();
    assert!(
        role.starts_with("Staff"),
        "Django's real flags shown: {role}"
    );

    assert_eq!(
        status(&save_user(&app, id, &[("last_name", "Renamed")], &[])),
        303
    );
    let row = user_row(&app, id);
    assert_eq!(row.1, "Renamed");
    assert!(row.4 && !row.5, "still staff, still not superuser: {row:?}");
    let audit = column(&app, "SELECT detail FROM roster_audit ORDER BY id").join(" | ");
    assert!(!audit.contains("role"), "no role change recorded: {audit}");

    assert_eq!(status(&save_user(&app, id, &[("role", "admin")], &[])), 303);
    let row = user_row(&app, id);
    assert!(row.4 && row.5, "promoted to Admin: {row:?}");
    assert_eq!(status(&save_user(&app, id, &[("role", "user")], &[])), 303);
    let row = user_row(&app, id);
    assert!(!row.4 && !row.5, "demoted: {row:?}");
}

#[test]
fn a_user_sharing_an_email_django_allowed_can_still_be_edited() {
    let app = spawn_app();
    app.login_admin();
    let first = add_user(&app, "twin1", ("Tw", "One"), "same@example.com", false);
    let second = add_user(&app, "twin2", ("Tw", "Two"), "same@example.com", false);
    assert_eq!(
        status(&save_user(&app, second, &[], &["active"])),
        303,
        "deactivation works although the e-mail is shared"
    );
    assert!(!user_row(&app, second).3);
    assert_eq!(
        status(&save_user(
            &app,
            first,
            &[("email", "SAME@example.com")],
            &[]
        )),
        303,
        "a change of case only is no new address"
    );
    let taken = save_user(&app, first, &[("email", "bob@example.com")], &[]);
    assert_eq!(status(&taken), 303);
    let bob = add_user(&app, "bob", ("B", "B"), "other@example.com", false);
    let res = save_user(&app, bob, &[("email", "same@example.com")], &[]);
    let body = res.text().unwrap();
    assert!(
        body.contains("already has the e-mail"),
        "a new address must still be free"
    );
}
