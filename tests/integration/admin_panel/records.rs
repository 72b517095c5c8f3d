//! Organizational units, import history and undo, and the audit log.

use super::*;

#[test]
fn organizational_units_create_rename_and_delete() {
    let app = spawn_app();
    app.login_admin();
    let (sales, support, empty) = (
        add_ou(&app, "Sales"),
        add_ou(&app, "Support"),
        add_ou(&app, "Empty"),
    );
    let name = |id: i64| -> Option<String> {
        app.sql_text(&format!(
            "SELECT name FROM roster_organizational_unit WHERE id = {id}"
        ))
    };
    assert_eq!(
        status(&app.post_form("/ous", "/ous", &[("name", "sALES")])),
        422
    );
    let res = app.post_form(
        "/ous",
        &format!("/ous/{support}/rename"),
        &[("name", "SALES")],
    );
    assert_eq!(status(&res), 422, "differs only in case from Sales");
    assert!(res.text().unwrap().contains("already exists"));
    assert_eq!(name(support).as_deref(), Some("Support"));
    let res = app.post_form(
        "/ous",
        &format!("/ous/{support}/rename"),
        &[("name", "Help Desk")],
    );
    assert_eq!(status(&res), 303);
    assert_eq!(name(support).as_deref(), Some("Help Desk"));
    let id = add_user(&app, "pat", ("Pat", "P"), "pat@example.com", false);
    app.sql_execute(&format!(
        "INSERT INTO roster_user_profile (user_id, organizational_unit_id) VALUES ({id}, {sales})"
    ));
    let res = app.post_form("/ous", &format!("/ous/{sales}/delete"), &[]);
    assert_eq!(status(&res), 422);
    assert!(res.text().unwrap().contains("still has 1 user"));
    assert_eq!(name(sales).as_deref(), Some("Sales"));
    assert_eq!(
        status(&app.post_form("/ous", &format!("/ous/{empty}/delete"), &[])),
        303
    );
    assert_eq!(name(empty), None);
}

#[test]
fn import_history_lists_imports_and_every_row() {
    let app = spawn_app();
    app.login_admin();
    let rows = "Ada;L;ada@example.com;ada;;;ada-pass-123\nBob;B;not-an-email;bob;;;bob-pass-123\n\
                Cy;C;cy@example.com;cy;;;cy-pass-123\n";
    let id = import(&app, "team-march.csv", rows);
    let html = app.page("/imports").1;
    let listed = table(&html, "table#imports tbody tr");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0][..7],
        [
            id.to_string().as_str(),
            &listed[0][1],
            "admin (web)",
            "team-march.csv",
            "3",
            "2",
            "1"
        ]
    );
    assert_eq!(
        select_attr(&html, "table#imports a", "href"),
        Some(format!("/imports/{id}"))
    );
    let html = app.page(&format!("/imports/{id}")).1;
    assert_eq!(table(&html, "table#all-rows tbody tr").len(), 3);
    assert_eq!(select_text(&html, "#failed").as_deref(), Some("1"));
    let link = select_attr(&html, "a[href$='errors.csv']", "href").expect("error report link");
    let (code, report) = app.page(&link);
    assert_eq!(code, 200);
    assert!(report.contains("not-an-email") && report.contains("invalid_email"));
    assert!(
        !report.contains("bob-pass-123"),
        "no password in the report"
    );
}

#[test]
fn undo_removes_exactly_the_users_who_never_logged_in() {
    let app = spawn_app();
    app.login_admin();
    let rows = "Ann;A;ann@example.com;ann;;;ann-pass-123\nBen;B;ben@example.com;ben;;;ben-pass-123\n\
                Cat;C;cat@example.com;cat;;;cat-pass-123\n";
    let id = import(&app, "three.csv", rows);
    app.second_browser().login("ann", "ann-pass-123");
    let html = app.page(&format!("/imports/{id}/undo")).1;
    assert_eq!(
        select_text(&html, "#undo-count strong").as_deref(),
        Some("2")
    );
    assert!(select_text(&html, "#undo-kept").unwrap().contains("ann"));
    let count = |table: &str| -> i64 {
        one(
            &app,
            &format!(
                "SELECT COUNT(*) FROM {table} WHERE user_id IN \
             (SELECT user_id FROM roster_user_profile WHERE import_id = {id})"
            ),
        )
    };
    assert_eq!((count("auth_user_groups"), app.user_count()), (3, 4));
    let ids: Vec<i64> = ["ben", "cat"]
        .map(|u| {
            one(
                &app,
                &format!("SELECT id FROM auth_user WHERE username = '{u}'"),
            )
        })
        .into();
    let res = app.post_form(
        &format!("/imports/{id}/undo"),
        &format!("/imports/{id}/undo"),
        &[("expected", "5")],
    );
    assert_eq!(status(&res), 409, "stale confirmation");
    assert_eq!(app.user_count(), 4, "nothing removed");
    let res = app.post_form(
        &format!("/imports/{id}/undo"),
        &format!("/imports/{id}/undo"),
        &[("expected", "2")],
    );
    assert_eq!(status(&res), 303);
    let left = column(&app, "SELECT username FROM auth_user ORDER BY username");
    assert_eq!(left, ["admin", "ann"]);
    for table in ["auth_user_groups", "roster_user_profile", "roster_session"] {
        let n: i64 = one(
            &app,
            &format!(
                "SELECT COUNT(*) FROM {table} WHERE user_id IN ({}, {})",
                ids[0], ids[1]
            ),
        );
        assert_eq!(n, 0, "{table} rows of removed users");
    }
    let html = app.page(&format!("/imports/{id}")).1;
    assert!(select_text(&html, "#undone").is_some());
    assert_eq!(html.matches("later removed by undo").count(), 2);
}

#[test]
fn audit_log_records_actions_and_exports_them_safely() {
    let app = spawn_app();
    let bad = app.post_form(
        "/login",
        "/login",
        &[("username", ADMIN), ("password", "Wr0ng-Guess-77")],
    );
    assert_eq!(status(&bad), 401);
    let res = app.post_form(
        "/login",
        "/login",
        &[("username", ADMIN), ("password", ADMIN_PASSWORD)],
    );
    assert_eq!(status(&res), 303);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| {
            v.to_str()
                .ok()?
                .strip_prefix("roster_session=")?
                .split(';')
                .next()
                .map(str::to_string)
        })
        .next()
        .expect("session cookie");
    let id = add_user(&app, "pat", ("Pat", "P"), "pat@example.com", false);
    assert_eq!(status(&save_user(&app, id, &[("role", "admin")], &[])), 303);
    assert_eq!(status(&save_user(&app, id, &[("role", "user")], &[])), 303);
    assert_eq!(status(&save_user(&app, id, &[], &["active"])), 303);
    let ou = add_ou(&app, "=HYPERLINK(\"x\")");
    assert_eq!(
        status(&app.post_form("/ous", &format!("/ous/{ou}/rename"), &[("name", "Ops")])),
        303
    );
    let secret = "Set-By-Admin-Pa55";
    assert_eq!(status(&set_password(&app, id, secret)), 303);
    import(
        &app,
        "audit.csv",
        "Imp;Orted;imp@example.com;imp;;;Imported-Pa55-1\n",
    );

    let html = app.page("/audit").1;
    let rows = table(&html, "table#audit tbody tr");
    let actions: Vec<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    let wanted = [
        "login_failed",
        "login",
        "role_changed",
        "user_deactivated",
        "ou_renamed",
        "password_set",
        "import",
    ];
    for action in wanted {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    let total: i64 = one(&app, "SELECT COUNT(*) FROM roster_audit");
    assert_eq!(
        select_text(&html, "#audit-total"),
        Some(format!("{total} entries"))
    );
    let filtered = table(
        &app.page("/audit?action=role_changed").1,
        "table#audit tbody tr",
    );
    assert_eq!(
        filtered.iter().map(|r| r[2].as_str()).collect::<Vec<_>>(),
        ["role_changed"; 2]
    );

    let res = app.get("/audit.csv");
    assert_eq!(status(&res), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv_text = res.text().unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header,
        [
            "id", "at_utc", "actor", "action", "target", "detail", "client"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len() as i64, total);
    let only_roles = app.page("/audit.csv?action=role_changed").1;
    let lines: Vec<&str> = only_roles.lines().skip(1).collect();
    assert!(lines.len() == 2 && lines.iter().all(|l| l.contains(";role_changed;")));
    for action in wanted {
        assert!(
            records.iter().any(|r| &r[3] == action),
            "{action} in the CSV"
        );
    }
    assert!(
        records
            .iter()
            .any(|r| &r[3] == "ou_created" && &r[5] == "'=HYPERLINK(\"x\")")
    );
    assert!(
        records
            .iter()
            .all(|r| r.iter().all(|c| !c.starts_with(['=', '+', '-', '@'])))
    );

    let stored = column(
        &app,
        "SELECT actor || target || detail || client FROM roster_audit",
    );
    let stored = stored.join("\n");
    for leak in [
        ADMIN_PASSWORD,
        "Wr0ng-Guess-77",
        secret,
        "Imported-Pa55-1",
        "pbkdf2_sha256$",
        cookie.as_str(),
    ] {
        for (place, text) in [("table", &stored), ("page", &html), ("CSV", &csv_text)] {
            assert!(!text.contains(leak), "{leak:?} in the audit {place}");
        }
    }
}

#[test]
fn audit_rows_cannot_be_changed_or_deleted() {
    let app = spawn_app();
    app.login_admin();
    let before: i64 = one(&app, "SELECT COUNT(*) FROM roster_audit");
    assert!(before > 0, "the login was recorded");
    let update = try_execute(&app, "UPDATE roster_audit SET detail = 'tampered'");
    assert!(update.unwrap_err().contains("append-only"));
    let delete = try_execute(&app, "DELETE FROM roster_audit");
    assert!(delete.unwrap_err().contains("append-only"));
    assert_eq!(
        one::<i64>(&app, "SELECT COUNT(*) FROM roster_audit"),
        before
    );
    assert_eq!(
        one::<i64>(
            &app,
            "SELECT COUNT(*) FROM roster_audit WHERE detail = 'tampered'"
        ),
        0
    );
}

#[test]
fn times_are_shown_in_the_configured_zone_to_the_second_and_labelled() {
    let app = spawn_app_configured(seed_admin, |config| {
        config.accounts.time_zone = "Europe/Berlin".parse().unwrap();
    });
    app.login_admin();
    // A stored Django time with microseconds, in UTC.
    // PostgreSQL reads a time without an offset in the session's zone: UTC here, as stored.
    let utc = if on_postgres() {
        "SET TIME ZONE 'UTC'; "
    } else {
        ""
    };
    app.sql_execute(&format!(
        "{utc}UPDATE auth_user SET date_joined = '2026-11-30 09:15:02.123456', \
         last_login = '2026-07-01 09:15:02.5' WHERE username = '{ADMIN}'"
    ));
    let (_, audit) = app.page("/audit");
    assert!(audit.contains("When (Europe/Berlin)"), "labelled");
    let when = select_text(&audit, "#audit tbody td").expect("an entry");
    assert!(
        when.ends_with(" CET") && when.len() == "2026-11-30 10:15:02 CET".len(),
        "to the second, in the zone: {when}"
    );
    let (_, users) = app.page("/users");
    assert!(
        users.contains("2026-07-01 11:15:02 CEST"),
        "last login in CEST"
    );
    let id = app.user_id(ADMIN);
    let (_, page) = app.page(&format!("/users/{id}"));
    assert!(page.contains("2026-11-30 10:15:02 CET"), "joined, local");
    assert!(!page.contains(".123456"), "no microseconds");
}
