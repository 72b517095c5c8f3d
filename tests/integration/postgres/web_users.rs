//! A user's page, its form and buttons, Add user, Send set-password link and My account's password
//! change on PostgreSQL: real `roster serve` processes on one database, driven like a browser, with
//! the rows and audit entries checked in the database.

use std::time::Duration;

use super::cluster::{cluster, new_database};
use super::migrate::roster_pg;
use super::web::{browser, same_browser_on, two_servers_with_mail};
use super::{audit_entries, count};
use crate::helpers::{TestApp, location, select_text};
use crate::smtp_server::extract_link;

const ADMIN_PASSWORD: &str = "Setup-Pass-2026!";
const ADA_PASSWORD: &str = "Ada-Pw-2026-long";

/// A database with the admin `boss`, the unit Research, the group Editors, and two imported
/// users: `ada` (with a password) and `cy` (without one). Returns the database's URL.
fn directory(name: &str) -> (String, String) {
    let pg = cluster();
    let db = new_database(name);
    let url = pg.url(&db, "?sslmode=disable");
    super::create_admin(&url, "boss", ADMIN_PASSWORD);
    let out = roster_pg(&url, &["ou", "add", "Research"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    super::import_rows(
        &url,
        &format!(
            "Ada;Lovelace;ada@example.com;ada;;Analyst;{ADA_PASSWORD}\n\
             Cy;Nopass;cy@example.com;cy;;;\n"
        ),
    );
    pg.client(&db)
        .execute("INSERT INTO auth_group (name) VALUES ('Editors')", &[])
        .unwrap();
    (url, db)
}

fn one_i64(client: &mut postgres::Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).unwrap().get(0)
}

fn user_id(client: &mut postgres::Client, username: &str) -> i64 {
    one_i64(
        client,
        &format!("SELECT id::bigint FROM auth_user WHERE username = '{username}'"),
    )
}

/// `first_name, last_name, email, is_staff, is_superuser, is_active` of a user.
fn user_row(client: &mut postgres::Client, id: i64) -> (String, String, String, bool, bool, bool) {
    let row = client
        .query_one(
            "SELECT first_name::text, last_name::text, email::text, is_staff, is_superuser, \
             is_active FROM auth_user WHERE id = $1::bigint",
            &[&id],
        )
        .unwrap();
    (
        row.get(0),
        row.get(1),
        row.get(2),
        row.get(3),
        row.get(4),
        row.get(5),
    )
}

fn password_hash(client: &mut postgres::Client, id: i64) -> String {
    client
        .query_one(
            "SELECT password::text FROM auth_user WHERE id = $1::bigint",
            &[&id],
        )
        .unwrap()
        .get(0)
}

fn sessions_of(client: &mut postgres::Client, id: i64) -> i64 {
    one_i64(
        client,
        &format!("SELECT COUNT(*) FROM roster_session WHERE user_id = {id}"),
    )
}

/// A browser on `server` logged in as `username`.
fn logged_in(server: &crate::helpers::Server, username: &str, password: &str) -> TestApp {
    let app = browser(server);
    app.login(username, password);
    app
}

/// The user page's form as the browser sends it, with `changes` replacing fields (`group`
/// repeats; an empty value drops the field, as an unticked box does).
fn user_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields: Vec<(&str, &str)> = vec![
        ("first_name", "Ada"),
        ("last_name", "Lovelace"),
        ("email", "ada@example.com"),
        ("organizational_unit", ""),
        ("job_title", "Analyst"),
        ("role", "user"),
        ("active", "1"),
    ];
    for (name, value) in changes {
        fields.retain(|(field, _)| field != name);
        if !value.is_empty() {
            fields.push((name, value));
        }
    }
    fields
}

#[test]
fn a_users_page_and_its_form_on_postgresql() {
    let pg = cluster();
    let (url, db) = directory("userpage");
    let mut client = pg.client(&db);
    let (_smtp, first, second) = two_servers_with_mail(&url);
    let admin = logged_in(&first, "boss", ADMIN_PASSWORD);
    let (boss, ada) = (user_id(&mut client, "boss"), user_id(&mut client, "ada"));
    let research = one_i64(&mut client, "SELECT id FROM roster_organizational_unit");
    let (editors, default_group) = (
        one_i64(
            &mut client,
            "SELECT id::bigint FROM auth_group WHERE name = 'Editors'",
        ),
        one_i64(
            &mut client,
            "SELECT id::bigint FROM auth_group WHERE name = 'Default User'",
        ),
    );

    // Ada logs in on the other process; her page counts that session.
    let ada_browser = logged_in(&second, "ada", ADA_PASSWORD);
    assert_eq!(ada_browser.get("/account").status().as_u16(), 200);
    let page = format!("/users/{ada}");
    let (code, html) = admin.page(&page);
    assert_eq!(code, 200, "{html}");
    assert!(html.contains("ada@example.com") && html.contains("Analyst"));
    assert!(html.contains("Editors") && html.contains("Research"));
    assert_eq!(
        select_text(&html, "#user-role").as_deref(),
        Some("Default User")
    );
    assert_eq!(
        select_text(&html, "#session-count").as_deref(),
        Some("1 active session(s).")
    );
    assert!(!html.contains("pbkdf2_sha256"), "no hash on the page");
    assert_eq!(admin.get("/users/999999").status().as_u16(), 404);

    // The last active admin cannot lose admin rights (demoted or deactivated): nothing changes.
    let boss_page = format!("/users/{boss}");
    let before = user_row(&mut client, boss);
    for change in [("role", "user"), ("active", "")] {
        let fields = user_form(&[
            ("first_name", ""),
            ("last_name", ""),
            ("email", "boss@example.com"),
            ("job_title", ""),
            ("role", "admin"),
            change,
        ]);
        let res = admin.post_form(&boss_page, &boss_page, &fields);
        assert_eq!(res.status().as_u16(), 422, "{change:?}");
        assert!(res.text().unwrap().contains("last active admin"));
        assert_eq!(user_row(&mut client, boss), before, "unchanged");
    }

    // Another user's address (in another case) is refused.
    let res = admin.post_form(&page, &page, &user_form(&[("email", "CY@example.com")]));
    assert_eq!(res.status().as_u16(), 422);
    assert!(
        res.text()
            .unwrap()
            .contains("Another user already has the e-mail")
    );

    // Names, e-mail, unit, job title, groups and the Admin role, in one save.
    let (research, editors, default_group) = (
        research.to_string(),
        editors.to_string(),
        default_group.to_string(),
    );
    let mut fields = user_form(&[
        ("last_name", "King"),
        ("email", "ada.king@example.com"),
        ("organizational_unit", &research),
        ("job_title", "Countess"),
        ("role", "admin"),
    ]);
    fields.push(("group", &default_group));
    fields.push(("group", &editors));
    let res = admin.post_form(&page, &page, &fields);
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(location(&res), format!("{page}?notice=saved"));
    assert_eq!(
        user_row(&mut client, ada),
        (
            "Ada".into(),
            "King".into(),
            "ada.king@example.com".into(),
            true,
            true,
            true
        )
    );
    let profile = client
        .query_one(
            "SELECT organizational_unit_id::text, job_title FROM roster_user_profile \
             WHERE user_id = $1::bigint",
            &[&ada],
        )
        .unwrap();
    assert_eq!(profile.get::<_, String>(0), research);
    assert_eq!(profile.get::<_, String>(1), "Countess");
    assert_eq!(
        one_i64(
            &mut client,
            &format!("SELECT COUNT(*) FROM auth_user_groups WHERE user_id = {ada}")
        ),
        2
    );
    let target = format!("user:{ada} (ada)");
    assert_eq!(
        audit_entries(
            &mut client,
            &format!("target = '{target}' AND actor = 'boss'")
        ),
        [
            format!("user_changed|{target}|last name: Lovelace -> King"),
            format!("user_changed|{target}|e-mail: ada@example.com -> ada.king@example.com"),
            format!("role_changed|{target}|role: Default User -> Admin"),
            format!("user_changed|{target}|organizational unit changed"),
            format!("user_changed|{target}|job title: Analyst -> Countess"),
            format!("user_changed|{target}|groups changed"),
        ]
    );
    let (_, html) = admin.page(&location(&res));
    assert_eq!(select_text(&html, "#user-role").as_deref(), Some("Admin"));
    assert!(html.contains("Changes saved."));
    assert_eq!(
        ada_browser.get("/users").status().as_u16(),
        200,
        "promoted on one process: the admin pages open at once on the other"
    );

    // Two admins now: boss may go. Deactivating Ada ends her session on the other process.
    let mut fields = user_form(&[
        ("last_name", "King"),
        ("email", "ada.king@example.com"),
        ("organizational_unit", &research),
        ("job_title", "Countess"),
        ("role", "admin"),
        ("active", ""),
    ]);
    fields.push(("group", &editors));
    let res = admin.post_form(&page, &page, &fields);
    assert_eq!(res.status().as_u16(), 303);
    assert!(!user_row(&mut client, ada).5);
    assert_eq!(sessions_of(&mut client, ada), 0);
    let res = ada_browser.get("/account");
    assert_eq!(res.status().as_u16(), 303, "her session ended");
    assert!(location(&res).starts_with("/login"));
    assert_eq!(
        audit_entries(
            &mut client,
            &format!("target = '{target}' AND action = 'user_deactivated'")
        ),
        [format!(
            "user_deactivated|{target}|status: active -> inactive"
        )]
    );
}

#[test]
fn a_users_buttons_on_postgresql_act_on_every_process() {
    let pg = cluster();
    let (url, db) = directory("useractions");
    let mut client = pg.client(&db);
    let (smtp, first, second) = two_servers_with_mail(&url);
    let admin = logged_in(&first, "boss", ADMIN_PASSWORD);
    let ada = user_id(&mut client, "ada");
    let page = format!("/users/{ada}");
    let target = format!("user:{ada} (ada)");

    // End the sessions: Ada's sessions on both processes end; the box must be ticked first.
    let on_first = logged_in(&first, "ada", ADA_PASSWORD);
    let on_second = logged_in(&second, "ada", ADA_PASSWORD);
    assert_eq!(sessions_of(&mut client, ada), 2);
    let end = format!("{page}/terminate-sessions");
    let res = admin.post_form(&page, &end, &[]);
    assert_eq!(res.status().as_u16(), 422, "not confirmed");
    assert_eq!(sessions_of(&mut client, ada), 2);
    let res = admin.post_form(&page, &end, &[("confirm", "yes")]);
    assert_eq!(location(&res), format!("{page}?notice=sessions-ended"));
    for browser in [&on_first, &on_second] {
        assert_eq!(browser.get("/account").status().as_u16(), 303, "logged out");
    }
    assert_eq!(sessions_of(&mut client, ada), 0);
    assert_eq!(
        audit_entries(&mut client, "action = 'sessions_terminated'"),
        [format!("sessions_terminated|{target}|2 session(s)")]
    );

    // A reset e-mail, whose link works on the other process.
    let res = admin.post_form(&page, &format!("{page}/send-reset"), &[("confirm", "yes")]);
    assert_eq!(location(&res), format!("{page}?notice=reset-sent"));
    let mails = smtp.wait_for_messages(1, Duration::from_secs(20));
    assert_eq!(mails[0].to, ["ada@example.com"]);
    let link = extract_link(&mails[0], "http://roster.example/reset/").expect("a reset link");
    let res = browser(&second).get(link.trim_start_matches("http://roster.example"));
    assert_eq!(res.status().as_u16(), 303, "the link is valid");
    assert_eq!(
        audit_entries(&mut client, "action = 'password_reset_sent'"),
        [format!("password_reset_sent|{target}|sent")]
    );

    // Set password: a weak one is refused and changes nothing; a good one replaces the hash.
    let old_hash = password_hash(&mut client, ada);
    let set = format!("{page}/set-password");
    let res = admin.post_form(&page, &set, &[("password1", "ada"), ("password2", "ada")]);
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().unwrap();
    assert!(
        html.contains("too short") || html.contains("too similar"),
        "{html}"
    );
    assert_eq!(password_hash(&mut client, ada), old_hash);
    let new_password = "Difference-Engine-1822";
    let res = admin.post_form(
        &page,
        &set,
        &[("password1", new_password), ("password2", new_password)],
    );
    assert_eq!(location(&res), format!("{page}?notice=password-set"));
    let hash = password_hash(&mut client, ada);
    assert_eq!(
        roster::auth::hashers::check_password(new_password, &hash, 200_000),
        roster::auth::hashers::PasswordCheck::Correct { must_update: false }
    );
    assert_eq!(
        audit_entries(&mut client, "action = 'password_set'"),
        [format!("password_set|{target}|set by an admin")]
    );
    logged_in(&second, "ada", new_password);
    assert!(!first.log().contains(new_password) && !second.log().contains(new_password));
}

#[test]
fn my_accounts_password_change_on_postgresql_ends_the_sessions_on_the_other_process() {
    let pg = cluster();
    let (url, db) = directory("accountpw");
    let mut client = pg.client(&db);
    let (_smtp, first, second) = two_servers_with_mail(&url);
    let ada = user_id(&mut client, "ada");
    let here = logged_in(&first, "ada", ADA_PASSWORD);
    let elsewhere = logged_in(&second, "ada", ADA_PASSWORD);
    let old_hash = password_hash(&mut client, ada);
    let change = |old: &str, new: &str| {
        let fields = [
            ("old_password", old),
            ("new_password1", new),
            ("new_password2", new),
        ];
        here.post_form("/account", "/account/password", &fields)
    };
    let res = change("not-my-password", "Fresh-Horse-42");
    assert_eq!(res.status().as_u16(), 422, "wrong old password");
    assert_eq!(
        change(ADA_PASSWORD, "password").status().as_u16(),
        422,
        "weak"
    );
    assert_eq!(
        password_hash(&mut client, ada),
        old_hash,
        "nothing changed yet"
    );

    let res = change(ADA_PASSWORD, "Fresh-Horse-42");
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(location(&res), "/account?password=changed");
    assert_ne!(password_hash(&mut client, ada), old_hash);
    assert_eq!(
        here.get("/account").status().as_u16(),
        200,
        "this session continues"
    );
    assert_eq!(
        elsewhere.get("/account").status().as_u16(),
        303,
        "the session on the other process ends"
    );
    assert_eq!(sessions_of(&mut client, ada), 1);
    assert_eq!(
        audit_entries(&mut client, "action = 'password_changed'"),
        [format!("password_changed|user:{ada} (ada)|by the user")]
    );
    let old = browser(&second).post_form(
        "/login",
        "/login",
        &[("username", "ada"), ("password", ADA_PASSWORD)],
    );
    assert_eq!(
        old.status().as_u16(),
        401,
        "the old password no longer works"
    );
    logged_in(&second, "ada", "Fresh-Horse-42");
}

#[test]
fn add_user_and_set_password_links_on_postgresql() {
    let pg = cluster();
    let (url, db) = directory("adduser");
    let mut client = pg.client(&db);
    let (smtp, first, second) = two_servers_with_mail(&url);
    let admin = logged_in(&first, "boss", ADMIN_PASSWORD);
    let (code, list) = admin.page("/users");
    assert_eq!(code, 200);
    assert!(list.contains("id=\"add-user\"") && list.contains("id=\"send-links\""));
    let (code, form) = admin.page("/users/new");
    assert_eq!(code, 200, "{form}");
    assert!(form.contains("<option value=\"Research\""), "units offered");
    let add = |fields: &[(&str, &str)]| admin.post_form("/users/new", "/users/new", fields);
    let grace = |username: &'static str, choice: &'static str| {
        vec![
            ("first_name", "Grace"),
            ("last_name", "Hopper"),
            ("email", "grace@example.com"),
            ("username", username),
            ("organizational_unit", "research"),
            ("job_title", "Rear Admiral"),
            ("password_choice", choice),
        ]
    };

    // Refused, each at its field: a taken username (any case), a weak password.
    let before = count(&mut client, "auth_user");
    let res = add(&grace("ADA", "invite"));
    assert_eq!(res.status().as_u16(), 422);
    let taken = "already exists (usernames are compared without regard to case)";
    assert!(res.text().unwrap().contains(taken), "duplicate username");
    let mut weak = grace("grace", "password");
    weak.extend([("password1", "grace"), ("password2", "grace")]);
    let res = add(&weak);
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().unwrap();
    assert!(
        html.contains("too short") && !html.contains(taken),
        "{html}"
    );
    // A refused password still shows the other fields' problems, checked against the database.
    let mut both = grace("Ada", "password");
    both.extend([("password1", "grace"), ("password2", "grace")]);
    let html = add(&both).text().unwrap();
    assert!(html.contains("too short") && html.contains(taken), "{html}");
    assert_eq!(count(&mut client, "auth_user"), before, "nothing created");

    // With the invitation: the user, the one-row import, the mail, the audit entry.
    let res = add(&grace("grace", "invite"));
    assert_eq!(res.status().as_u16(), 303);
    let grace_id = user_id(&mut client, "grace");
    let done = location(&res);
    assert!(
        done.starts_with(&format!("/users/{grace_id}?done=")),
        "{done}"
    );
    let (_, page) = admin.page(&done);
    assert!(
        page.contains("A set-password link was mailed to grace@example.com"),
        "{page}"
    );
    let mails = smtp.wait_for_messages(1, Duration::from_secs(20));
    assert_eq!(mails[0].to, ["grace@example.com"]);
    let row = client
        .query_one(
            "SELECT u.password::text, ou.name::text, p.job_title, i.file_name, i.source, \
                    g.name::text \
             FROM auth_user u JOIN roster_user_profile p ON p.user_id = u.id \
             JOIN roster_organizational_unit ou ON ou.id = p.organizational_unit_id \
             JOIN roster_import i ON i.id = p.import_id \
             JOIN auth_user_groups ug ON ug.user_id = u.id JOIN auth_group g ON g.id = ug.group_id \
             WHERE u.id = $1::bigint",
            &[&grace_id],
        )
        .unwrap();
    assert!(row.get::<_, String>(0).starts_with('!'), "no password yet");
    assert_eq!(row.get::<_, String>(1), "Research");
    assert_eq!(row.get::<_, String>(2), "Rear Admiral");
    assert_eq!(row.get::<_, String>(3), "Add user: grace");
    assert_eq!(row.get::<_, String>(4), "web");
    assert_eq!(row.get::<_, String>(5), "Default User");
    let added = audit_entries(&mut client, "action = 'user_added'");
    assert_eq!(added.len(), 1);
    assert!(
        added[0].starts_with(&format!(
            "user_added|user:{grace_id} (grace)|grace <grace@example.com>, unit Research; \
             set-password link mailed; import:"
        )),
        "{added:?}"
    );

    // Send set-password link, from the other process: nothing ticked is refused; the filter
    // "password not set" picks cy and grace (both created by Roster without one).
    let on_second = same_browser_on(&admin, &second);
    let send = "/users/send-set-password-link?nopw=1";
    let res = on_second.post_form(
        "/users?nopw=1",
        send,
        &[("scope", "selected"), ("confirm", "yes")],
    );
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().unwrap().contains("no user was selected"));
    let res = on_second.post_form(
        "/users?nopw=1",
        send,
        &[("scope", "filter"), ("confirm", "yes")],
    );
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().unwrap();
    assert_eq!(
        select_text(&html, "#link-counts").as_deref(),
        Some("2 sent, 0 failed, 0 skipped of 2 user(s).")
    );
    let mails = smtp.wait_for_messages(3, Duration::from_secs(20));
    let mut to: Vec<&str> = mails[1..].iter().map(|m| m.to[0].as_str()).collect();
    to.sort_unstable();
    assert_eq!(to, ["cy@example.com", "grace@example.com"]);
    assert_eq!(
        audit_entries(&mut client, "action = 'set_password_links_sent'"),
        [
            "set_password_links_sent|users matching the filter|2 sent, 0 failed, 0 skipped \
          (0 SSO-only) of 2 user(s)"
        ]
    );

    // A ticked user with a password is skipped, not mailed.
    let ada = user_id(&mut client, "ada").to_string();
    let res = on_second.post_form(
        "/users",
        "/users/send-set-password-link",
        &[("scope", "selected"), ("user", &ada), ("confirm", "yes")],
    );
    let html = res.text().unwrap();
    assert_eq!(
        select_text(&html, "#link-counts").as_deref(),
        Some("0 sent, 0 failed, 1 skipped of 1 user(s).")
    );
    assert_eq!(smtp.messages().len(), 3);
}

#[test]
fn add_user_on_postgresql_without_working_mail_asks_before_adding_without_a_password() {
    let pg = cluster();
    let (url, db) = directory("addnomail");
    let mut client = pg.client(&db);
    let server = super::web::serve(&url);
    let admin = logged_in(&server, "boss", ADMIN_PASSWORD);
    let mut fields = vec![
        ("first_name", "Grace"),
        ("last_name", "Hopper"),
        ("email", "grace@example.com"),
        ("username", "grace"),
        ("organizational_unit", ""),
        ("job_title", ""),
        ("password_choice", "invite"),
    ];
    let res = admin.post_form("/users/new", "/users/new", &fields);
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().unwrap();
    assert!(html.contains("name=\"allow_without_mail\""), "{html}");
    assert_eq!(
        count(&mut client, "roster_import"),
        1,
        "only the CLI import"
    );
    fields.push(("allow_without_mail", "1"));
    let res = admin.post_form("/users/new", "/users/new", &fields);
    assert_eq!(res.status().as_u16(), 303);
    let grace = user_id(&mut client, "grace");
    assert!(password_hash(&mut client, grace).starts_with('!'));
    let (_, page) = admin.page(&location(&res));
    assert!(page.contains("no link was mailed"), "{page}");
    let added = audit_entries(&mut client, "action = 'user_added'");
    assert!(
        added[0].contains("without a password; mail not working, added anyway by choice"),
        "{added:?}"
    );
}
