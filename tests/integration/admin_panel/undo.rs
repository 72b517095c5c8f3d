//! Undo keeps every user used or changed after the import (in Roster or in Django), never removes
//! an admin, and runs once.

use super::*;

fn id_of(app: &TestApp, username: &str) -> i64 {
    one(
        app,
        &format!("SELECT id FROM auth_user WHERE username = '{username}'"),
    )
}

#[test]
fn undo_keeps_admins_and_users_changed_after_the_import() {
    let app = spawn_app();
    app.login_admin();
    let rows = "Una;U;una@example.com;una;;;Una-Lantern-pw-1\n\
                Ado;A;ado@example.com;ado;;;Ado-Lantern-pw-2\n\
                Ren;R;ren@example.com;ren;;;Ren-Lantern-pw-3\n\
                Pam;P;pam@example.com;pam;;;\n\
                Dja;D;dja@example.com;dja;;;Dja-Lantern-pw-5\n\
                Gro;G;gro@example.com;gro;;;Gro-Lantern-pw-6\n\
                Pwd;W;pwd@example.com;pwd;;;Pwd-Lantern-pw-7\n";
    let (preview, code, _) =
        app.upload_and_preview("seven.csv", format!("{HEADER}\n{rows}").as_bytes());
    assert_eq!(code, 200);
    let result = app.commit_with(&preview, &[("allow_without_mail", "1")]);
    let import_id: i64 = result.trim_start_matches("/imports/").parse().unwrap();
    assert_eq!(app.user_count(), 8);

    // In Roster: promoted to admin, renamed on the edit form, a password set for a user imported
    // without one, and a password replaced.
    let ado = id_of(&app, "ado");
    assert_eq!(
        status(&save_user(&app, ado, &[("role", "admin")], &[])),
        303
    );
    let ren = id_of(&app, "ren");
    let renamed = save_user(&app, ren, &[("first_name", "Renate")], &[]);
    assert_eq!(status(&renamed), 303);
    for user in ["pam", "pwd"] {
        let set = set_password(&app, id_of(&app, user), "Set-By-Admin-Pa55");
        assert_eq!(status(&set), 303);
    }
    // In Django (straight into the database, as its admin would): a new e-mail and a group.
    app.sql_execute(
        "UPDATE auth_user SET email = 'dja@new.example.com' WHERE username = 'dja'; \
         INSERT INTO auth_group (name) VALUES ('Editors'); \
         INSERT INTO auth_user_groups (user_id, group_id) SELECT u.id, g.id FROM auth_user u, \
         auth_group g WHERE u.username = 'gro' AND g.name = 'Editors';",
    );

    let html = app.page(&format!("/imports/{import_id}/undo")).1;
    assert_eq!(
        select_text(&html, "#undo-count strong").as_deref(),
        Some("1"),
        "only the untouched user goes"
    );
    let kept = select_text(&html, "#undo-kept").unwrap();
    for user in ["ado", "ren", "pam", "dja", "gro", "pwd"] {
        assert!(kept.contains(user), "{user} is listed as kept: {kept}");
    }
    assert!(kept.contains("admin"), "says why: {kept}");
    assert!(kept.contains("a password was set"), "says why: {kept}");
    let undo = |expected: &str| {
        app.post_form(
            &format!("/imports/{import_id}/undo"),
            &format!("/imports/{import_id}/undo"),
            &[("expected", expected)],
        )
    };
    assert_eq!(status(&undo("1")), 303);
    let left = column(&app, "SELECT username FROM auth_user ORDER BY username");
    assert_eq!(left, ["admin", "ado", "dja", "gro", "pam", "pwd", "ren"]);

    // A second undo is refused and not recorded again.
    let again = undo("0");
    assert_eq!(status(&again), 409);
    assert!(again.text().unwrap().contains("undone already"));
    let recorded: i64 = one(
        &app,
        "SELECT COUNT(*) FROM roster_audit WHERE action = 'import_undone'",
    );
    assert_eq!(recorded, 1);
    let html = app.page(&format!("/imports/{import_id}/undo")).1;
    assert!(select_text(&html, "#undo-done").is_some());
    assert!(
        !html.contains("type=\"submit\" class=\"danger\"") && !html.contains("Remove 0"),
        "no undo button on an undone import"
    );
}
