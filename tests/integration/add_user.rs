//! Users → Add user over HTTP: one user through the import service, a typed password or a
//! set-password link, each problem next to its field, the mail gate, the audit trail; the API and
//! the command line are in add_user/.

use std::time::Duration;

use roster::config::SecretKeySource;
use roster::mail::{MailSettings, TlsMode};

use crate::eventually::eventually;
use crate::helpers::*;
use crate::smtp_server::{SmtpMode, TestSmtp, closed_port, extract_link};

mod api;
mod cli;

const SECRET: &str = "add-user-test-secret-key-0123456789-abcdefghijklmn";
const BASE_URL: &str = "http://roster.test";
const STRONG: &str = "Kettle-Orbit-93";

/// The fields of a complete, valid form for `username`.
fn fields<'a>(username: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("first_name", "Ada"),
        ("last_name", "Lovelace"),
        ("email", email),
        ("username", username),
        ("organizational_unit", ""),
        ("job_title", "Analyst"),
        ("password_choice", "password"),
        ("password1", STRONG),
        ("password2", STRONG),
    ]
}

/// `fields` with `name` set to `value`.
fn with<'a>(
    mut fields: Vec<(&'a str, &'a str)>,
    name: &'a str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    fields.retain(|(k, _)| *k != name);
    fields.push((name, value));
    fields
}

fn add(app: &TestApp, fields: &[(&str, &str)]) -> reqwest::blocking::Response {
    app.post_form("/users/new", "/users/new", fields)
}

fn audit(app: &TestApp, action: &str) -> Vec<(String, String, String, String)> {
    app.sql_rows(&format!(
        "SELECT actor, target, detail, client FROM roster_audit WHERE action = '{action}' \
         ORDER BY id"
    ))
    .iter()
    .map(|row| match &row[..] {
        [Some(a), Some(t), Some(d), Some(c)] => (a.clone(), t.clone(), d.clone(), c.clone()),
        other => panic!("an audit row with a NULL: {other:?}"),
    })
    .collect()
}

/// The one row `sql` answers, every value present, as text (booleans `1`/`0`).
fn one_row(app: &TestApp, sql: &str) -> Vec<String> {
    let rows = app.sql_rows(sql);
    assert_eq!(rows.len(), 1, "{sql}");
    rows[0]
        .iter()
        .map(|value| value.clone().unwrap_or_else(|| panic!("{sql}: a NULL")))
        .collect()
}

/// Roster's record that it created the user without a password (an import row without one, or
/// an invitation), as `roster::db::users::created_without_password_by_roster` reads it.
fn created_without_password_by_roster(app: &TestApp, username: &str) -> bool {
    let id = app.user_id(username);
    app.sql_i64(&format!(
        "SELECT (SELECT COUNT(*) FROM roster_import_row WHERE user_id = {id} \
         AND had_password = FALSE) + (SELECT COUNT(*) FROM roster_invitation WHERE user_id = {id})"
    )) > 0
}

fn app_with_mail(mail: MailSettings) -> TestApp {
    spawn_app_configured(seed_admin, move |config| {
        config.mail = mail;
        config.accounts.base_url = BASE_URL.to_string();
        config.accounts.secret_key = SecretKeySource::Given(SECRET.to_string());
    })
}

/// Mail settings that point at a port nothing listens on: the mail check fails.
pub fn mail_down() -> MailSettings {
    MailSettings {
        host: Some("127.0.0.1".to_string()),
        port: closed_port(),
        username: None,
        password: None,
        tls: TlsMode::None,
        timeout: Duration::from_secs(5),
        from: "roster@example.com".to_string(),
        extra_root_pem: None,
    }
}

#[test]
fn a_user_with_a_typed_password_is_an_import_row_with_the_default_role() {
    let app = spawn_app();
    app.login_admin();
    let (_, users) = app.page("/users");
    assert_eq!(
        select_attr(&users, "#add-user", "href").as_deref(),
        Some("/users/new"),
        "the Users page has an Add user button"
    );
    assert_eq!(
        app.post_form("/ous", "/ous", &[("name", "Équipe Paris")])
            .status()
            .as_u16(),
        303
    );
    let (status, form) = app.page("/users/new");
    assert_eq!(status, 200);
    assert!(
        form.contains("<option value=\"Équipe Paris\""),
        "units offered: {form}"
    );

    let res = add(
        &app,
        &with(
            fields("ada", "Ada@EXAMPLE.com"),
            "organizational_unit",
            "équipe paris",
        ),
    );
    assert_eq!(res.status().as_u16(), 303);
    let id = app.user_id("ada");
    let target = location(&res);
    assert!(
        target.starts_with(&format!("/users/{id}?done=")),
        "{target}"
    );
    let (status, page) = app.page(&target);
    assert_eq!(status, 200);
    assert_eq!(
        select_text(&page, "p.notice.good").as_deref(),
        Some("User ada created with the password you typed. Hand it over outside Roster.")
    );
    assert_eq!(
        select_text(&page, "#password-state").as_deref(),
        Some("set")
    );
    assert!(!page.contains(STRONG));

    // The notice is signed for this user's page: the same words on another page show nothing,
    // and words Roster did not sign show nothing.
    let query = target.split_once('?').unwrap().1;
    let admin_id = app.user_id(ADMIN);
    let (_, other) = app.page(&format!("/users/{admin_id}?{query}"));
    assert_eq!(select_text(&other, "p.notice.good"), None);
    let crafted = target.replace("done=User", "done=Usr");
    assert_eq!(select_text(&app.page(&crafted).1, "p.notice.good"), None);

    let user = one_row(
        &app,
        &format!(
            "SELECT u.email, u.is_staff, u.is_superuser, u.password, g.name, ou.name, \
             p.job_title, p.import_id FROM auth_user u \
             JOIN auth_user_groups ug ON ug.user_id = u.id JOIN auth_group g ON g.id = ug.group_id \
             JOIN roster_user_profile p ON p.user_id = u.id \
             JOIN roster_organizational_unit ou ON ou.id = p.organizational_unit_id \
             WHERE u.id = {id}"
        ),
    );
    let [email, staff, superuser, hash, group, unit, title, import_id] = &user[..] else {
        panic!("{user:?}")
    };
    let (staff, superuser) = (staff == "1", superuser == "1");
    assert_eq!(
        email, "Ada@example.com",
        "Django's normalize_email, as an import row"
    );
    assert!(!staff && !superuser);
    assert_eq!(group, "Default User");
    assert_eq!((unit.as_str(), title.as_str()), ("Équipe Paris", "Analyst"));
    assert!(hash.starts_with("pbkdf2_sha256$"), "hashed like an import");
    let import = one_row(
        &app,
        &format!("SELECT source, file_name FROM roster_import WHERE id = {import_id}"),
    );
    let [source, file_name] = &import[..] else {
        panic!("{import:?}")
    };
    assert_eq!(
        (source.as_str(), file_name.as_str()),
        ("web", "Add user: ada")
    );

    let entries = audit(&app, "user_added");
    assert_eq!(entries.len(), 1);
    let (actor, target, detail, client) = &entries[0];
    assert_eq!(actor, ADMIN);
    assert_eq!(target, &format!("user:{id} (ada)"));
    assert!(detail.contains("password set by the admin"), "{detail}");
    assert_eq!(client, "127.0.0.1");
    let everything: String = audit(&app, "import")
        .into_iter()
        .chain(entries)
        .map(|e| format!("{e:?}"))
        .collect();
    assert!(!everything.contains(STRONG) && !everything.contains(hash.as_str()));
    assert!(!created_without_password_by_roster(&app, "ada"));
}

#[test]
fn each_problem_is_shown_next_to_its_field_and_the_values_stay() {
    let app = spawn_app();
    app.login_admin();
    let before = snapshot(&app);

    // The username of an existing user, in another case: an import row's duplicate message.
    let res = add(&app, &fields("ADMIN", "new@example.com"));
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().unwrap();
    let message = select_text(&html, "#username-error").expect("message at the username");
    assert!(
        message.contains("A user named \"ADMIN\" already exists")
            && message.contains("pick another username"),
        "{message}"
    );
    assert_eq!(
        select_attr(&html, "#username", "aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(
        select_attr(&html, "#email", "value").as_deref(),
        Some("new@example.com")
    );
    assert_eq!(
        select_attr(&html, "#job_title", "value").as_deref(),
        Some("Analyst")
    );
    assert_eq!(
        select_attr(&html, "#password1", "value"),
        None,
        "never the password"
    );
    assert!(!html.contains(STRONG));

    // A weak password and a bad e-mail are both reported in the same answer.
    let res = add(
        &app,
        &with(
            with(fields("newbie", "not-an-address"), "password1", "12345678"),
            "password2",
            "12345678",
        ),
    );
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().unwrap();
    let password = select_text(&html, "#password1-error").expect("message at the password");
    assert!(
        password.contains("too common") && password.contains("entirely numeric"),
        "Django's validators: {password}"
    );
    assert!(
        select_text(&html, "#email-error")
            .unwrap()
            .contains("is not a valid e-mail address"),
        "{html}"
    );
    let res = add(
        &app,
        &with(
            fields("newbie", "n@example.com"),
            "password2",
            "Other-Thing-93",
        ),
    );
    assert!(
        select_text(&res.text().unwrap(), "#password1-error")
            .unwrap()
            .contains("didn't match")
    );

    // The import rules: control characters, unknown units, spreadsheet damage, missing fields.
    for (field, value, id, expected) in [
        (
            "first_name",
            "Ada\tMarie",
            "#first_name-error",
            "control character",
        ),
        (
            "organizational_unit",
            "Nowhere",
            "#organizational_unit-error",
            "does not exist",
        ),
        (
            "username",
            "a b",
            "#username-error",
            "not a valid username (a space at position 2)",
        ),
        (
            "last_name",
            "#N/A",
            "#last_name-error",
            "spreadsheet error value",
        ),
        (
            "last_name",
            "",
            "#last_name-error",
            "Required field is empty: last_name",
        ),
    ] {
        let res = add(&app, &with(fields("newbie", "n@example.com"), field, value));
        assert_eq!(res.status().as_u16(), 422, "{field}={value}");
        let html = res.text().unwrap();
        let message = select_text(&html, id).unwrap_or_else(|| panic!("{id} missing: {html}"));
        assert!(message.contains(expected), "{field}={value}: {message}");
    }
    assert_eq!(
        snapshot(&app),
        before,
        "nothing was written for a refused user"
    );
}

#[test]
fn a_set_password_link_is_mailed_and_works_like_an_invitation() {
    let smtp = TestSmtp::start(SmtpMode::StartTls, Some(("mailer", "mail-pass")));
    let app = app_with_mail(smtp.settings(TlsMode::StartTls, Some(("mailer", "mail-pass"))));
    app.login_admin();
    let mut form = fields("grace", "grace@example.com");
    form.retain(|(k, _)| !k.starts_with("password"));
    form.push(("password_choice", "invite"));
    let res = add(&app, &form);
    assert_eq!(res.status().as_u16(), 303);
    let (_, page) = app.page(&location(&res));
    assert_eq!(
        select_text(&page, "p.notice.good").as_deref(),
        Some("User grace created. A set-password link was mailed to grace@example.com.")
    );
    assert!(page.contains("not set: the user cannot log in yet"));
    let mails = smtp.wait_for_messages(1, Duration::from_secs(10));
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["grace@example.com".to_string()]);
    assert!(
        mails[0]
            .data
            .contains("Subject: Set your password for Roster")
    );
    assert!(created_without_password_by_roster(&app, "grace"));
    let (_, _, detail, _) = &audit(&app, "user_added")[0];
    assert!(detail.contains("set-password link mailed"), "{detail}");

    // Forgot Password later mails her a first-password link too (she was created without one).
    let visitor = app.second_browser();
    let res = visitor.post_form(
        "/password-reset",
        "/password-reset",
        &[("email", "grace@example.com")],
    );
    assert_eq!(res.status().as_u16(), 303);
    let mails = smtp.wait_for_messages(2, Duration::from_secs(10));
    assert_eq!(
        mails.len(),
        2,
        "Forgot Password answers a user added without a password"
    );

    // Forgot Password records its audit entry after the mail, in the background: wait for it, so
    // the link below is not used while that write is still under way.
    eventually(
        "the reset request's audit entry",
        Duration::from_secs(10),
        || (!audit(&app, "password_reset_requested").is_empty()).then_some(()),
    );

    // The invitation's link sets her first password.
    let link = extract_link(&mails[0], BASE_URL).expect("link in the invitation");
    let link = link.trim_start_matches(BASE_URL);
    let grace = app.second_browser();
    let form_path = location(&grace.get(link));
    let res = grace.post_form(
        &form_path,
        &form_path,
        &[("new_password1", STRONG), ("new_password2", STRONG)],
    );
    let status = res.status().as_u16();
    assert_eq!(
        status,
        303,
        "{link} -> {form_path}: {}",
        res.text().unwrap()
    );
    let hash = app
        .sql_text("SELECT password FROM auth_user WHERE username = 'grace'")
        .expect("a password");
    assert!(hash.starts_with("pbkdf2_sha256$"));
}

#[test]
fn with_mail_down_a_passwordless_user_waits_for_the_admins_word() {
    let app = app_with_mail(mail_down());
    app.login_admin();
    let mut form = fields("linus", "linus@example.com");
    form.retain(|(k, _)| !k.starts_with("password"));
    form.push(("password_choice", "invite"));
    let before = snapshot(&app);
    let res = add(&app, &form);
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().unwrap();
    let message = select_text(&html, "#password_choice-error").expect("message at the choice");
    assert!(
        message.contains("the mail server check failed"),
        "{message}"
    );
    assert!(
        select_attr(&html, "#allow_without_mail", "type").is_some(),
        "offers add anyway"
    );
    assert_eq!(
        select_attr(&html, "#choice-invite", "checked").as_deref(),
        Some("")
    );
    assert_eq!(
        snapshot(&app),
        before,
        "not created without the admin's word"
    );

    form.push(("allow_without_mail", "1"));
    let res = add(&app, &form);
    assert_eq!(res.status().as_u16(), 303);
    let (_, page) = app.page(&location(&res));
    assert!(
        select_text(&page, "p.notice.good")
            .unwrap()
            .contains("no link was mailed"),
        "{page}"
    );
    let hash = app
        .sql_text("SELECT password FROM auth_user WHERE username = 'linus'")
        .expect("a password");
    assert!(hash.starts_with('!'), "Django's unusable password");
    assert!(created_without_password_by_roster(&app, "linus"));
    let allowed =
        app.sql_i64("SELECT allowed_without_mail FROM roster_import ORDER BY id DESC LIMIT 1") == 1;
    assert!(
        allowed,
        "the choice is recorded with the import, as for a file"
    );
    let (_, _, detail, _) = &audit(&app, "user_added")[0];
    assert!(detail.contains("added anyway by choice"), "{detail}");
}
