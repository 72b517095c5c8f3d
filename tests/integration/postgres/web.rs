//! `roster serve` on PostgreSQL: two real `roster serve` processes on one database, driven like a
//! browser through the admin's journey (setup, login, upload, preview, import, report, history,
//! the user list), with the users checked in `auth_user`.

use std::path::Path;
use std::time::Duration;

use super::cluster::{cluster, new_database};
use super::count;
use crate::eventually::eventually;
use crate::helpers::{HEADER, Server, TestApp, location, select_text, start_server_with};
use crate::smtp_server::{SmtpMode, TestSmtp, extract_link};

pub(super) const SECRET_KEY: &str = "pg-web-test-secret-key-0123456789abcdefghijklmnop";
pub(super) const ADMIN_PASSWORD: &str = "Setup-Pass-2026!";

/// A `roster serve` process on the PostgreSQL database at `url`.
pub(super) fn serve(url: &str) -> Server {
    start_server_with(Path::new(url), &[("ROSTER_SECRET_KEY", SECRET_KEY)])
}

/// A browser on `server` (its own cookies).
pub(super) fn browser(server: &Server) -> TestApp {
    TestApp::external(
        &server.base,
        "not-an-sqlite-file".into(),
        tempfile::tempdir().unwrap(),
    )
}

/// The same browser (its cookies, which are not tied to a port) on another server.
pub(super) fn same_browser_on(app: &TestApp, server: &Server) -> TestApp {
    let mut other = browser(server);
    other.client = app.client.clone();
    other
}

/// The one-time setup path `roster serve` printed.
fn setup_path(server: &Server) -> String {
    eventually("the setup link", Duration::from_secs(20), || {
        let log = server.log();
        let at = log.find("/setup/")?;
        Some(
            log[at..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect::<String>(),
        )
    })
}

/// A loopback SMTP server and two `roster serve` processes on `url` mailing through it, with
/// links to `http://roster.example`.
pub(super) fn two_servers_with_mail(url: &str) -> (TestSmtp, Server, Server) {
    let smtp = TestSmtp::start(SmtpMode::Plain, None);
    let port = smtp.port.to_string();
    let mail = [
        ("ROSTER_SECRET_KEY", SECRET_KEY),
        ("ROSTER_EMAIL_HOST", "127.0.0.1"),
        ("ROSTER_EMAIL_PORT", port.as_str()),
        ("ROSTER_BASE_URL", "http://roster.example"),
    ];
    let first = start_server_with(Path::new(url), &mail);
    let second = start_server_with(Path::new(url), &mail);
    (smtp, first, second)
}

fn status(app: &TestApp, path: &str) -> u16 {
    app.get(path).status().as_u16()
}

#[test]
fn the_admins_journey_on_postgresql_across_two_roster_processes() {
    let pg = cluster();
    let db = new_database("web");
    let url = pg.url(&db, "?sslmode=disable");
    let first = serve(&url);
    let admin = browser(&first);

    // Setup: the one-time link creates the first admin and logs them in.
    let setup = setup_path(&first);
    let (code, form) = admin.page(&setup);
    assert_eq!(code, 200, "{form}");
    let res = admin.post_form(
        &setup,
        &setup,
        &[
            ("username", "boss"),
            ("email", "boss@example.com"),
            ("password", ADMIN_PASSWORD),
            ("password2", ADMIN_PASSWORD),
        ],
    );
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(location(&res), "/users");
    assert_eq!(status(&admin, &setup), 404, "the link dies once used");
    let mut client = pg.client(&db);
    let row = client
        .query_one(
            "SELECT is_staff, is_superuser, is_active, password, last_login IS NOT NULL \
             FROM auth_user WHERE username = 'boss'",
            &[],
        )
        .unwrap();
    assert!(row.get::<_, bool>(0) && row.get::<_, bool>(1) && row.get::<_, bool>(2));
    assert!(row.get::<_, String>(3).starts_with("pbkdf2_sha256$200000$"));
    assert!(row.get::<_, bool>(4), "setup logs the admin in");
    assert_eq!(count(&mut client, "roster_session"), 1);

    // Every page is linked on PostgreSQL too.
    let (code, users) = admin.page("/users");
    assert_eq!(code, 200, "{users}");
    assert!(users.contains("boss@example.com"));
    for link in [
        "href=\"/imports\"",
        "href=\"/users/import\"",
        "href=\"/audit\"",
        "href=\"/ous\"",
        "href=\"/mail\"",
        "href=\"/tokens\"",
        "href=\"/users/new\"",
    ] {
        assert!(users.contains(link), "{link} is linked");
    }

    // Upload, preview (mail is not configured: the row without a password is held back unless
    // the admin insists), import, result page and error report.
    let csv = format!(
        "{HEADER}\r\n\
         Ada;Lovelace;ada@example.com;ada;;Analyst;Ada-Pw-2026-long\r\n\
         Bob;Bad;not-an-email;bob;;;\r\n\
         Cy;Nöpass 🎉;cy@example.com;cy;;<script>x</script>;\r\n\
         Dee;Dupe;DEE@example.com;ADA;;;\r\n"
    );
    let (preview, code, html) = admin.upload_and_preview("team.csv", csv.as_bytes());
    assert_eq!(code, 200, "{html}");
    assert_eq!(
        count(&mut client, "roster_import"),
        0,
        "a preview writes nothing"
    );
    assert_eq!(select_text(&html, "#rows-total").as_deref(), Some("4"));
    assert_eq!(select_text(&html, "#rows-create").as_deref(), Some("1"));
    assert!(html.contains("mail_server_unavailable") && html.contains("invalid_email"));
    assert!(
        !html.contains("Ada-Pw-2026-long"),
        "no password on the page"
    );
    assert!(!html.contains("<script>x"), "values are escaped");
    let result = admin.commit_with(&preview, &[("allow_without_mail", "1")]);
    assert!(result.starts_with("/imports/"), "{result}");
    let (code, page) = admin.page(&result);
    assert_eq!(code, 200, "{page}");
    assert_eq!(select_text(&page, "#created").as_deref(), Some("2"));
    assert_eq!(select_text(&page, "#failed").as_deref(), Some("2"));
    assert!(page.contains("not-an-email") && page.contains("Download error report"));
    let report = admin.get(&format!("{result}/errors.csv")).text().unwrap();
    assert!(report.contains("Bob;Bad;not-an-email;bob"), "{report}");
    assert!(report.contains("duplicate_username") || report.contains("duplicate_in_file"));
    let xlsx = admin.get(&format!("{result}/errors.xlsx"));
    assert_eq!(xlsx.status().as_u16(), 200);
    assert!(xlsx.bytes().unwrap().starts_with(b"PK"));

    // The users are in Django's auth_user, as the CLI import writes them.
    let rows = client
        .query(
            "SELECT u.username::text, u.password::text, u.is_staff, u.is_superuser, g.name::text, \
                    p.job_title, u.last_name::text \
             FROM auth_user u JOIN auth_user_groups ug ON ug.user_id = u.id \
             JOIN auth_group g ON g.id = ug.group_id \
             JOIN roster_user_profile p ON p.user_id = u.id ORDER BY u.username",
            &[],
        )
        .unwrap();
    let users: Vec<(String, String, bool, bool, String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.get(0),
                r.get(1),
                r.get(2),
                r.get(3),
                r.get(4),
                r.get(5),
                r.get(6),
            )
        })
        .collect();
    assert_eq!(users.len(), 2, "{users:?}");
    let (ada, cy) = (&users[0], &users[1]);
    assert_eq!((ada.0.as_str(), cy.0.as_str()), ("ada", "cy"));
    assert!(ada.1.starts_with("pbkdf2_sha256$200000$"));
    assert_eq!(
        roster::auth::hashers::check_password("Ada-Pw-2026-long", &ada.1, 200_000),
        roster::auth::hashers::PasswordCheck::Correct { must_update: false }
    );
    assert!(
        cy.1.starts_with('!') && cy.1.len() == 41,
        "unusable password"
    );
    assert_eq!(
        (cy.5.as_str(), cy.6.as_str()),
        ("<script>x</script>", "Nöpass 🎉")
    );
    for user in &users {
        assert!(!user.2 && !user.3 && user.4 == "Default User", "{user:?}");
    }

    // History and the user list.
    let (code, history) = admin.page("/imports");
    assert_eq!(code, 200, "{history}");
    assert!(history.contains("team.csv") && history.contains("boss"));
    let (_, list) = admin.page("/users?q=LOVELACE");
    assert_eq!(
        select_text(&list, "#user-total").as_deref(),
        Some("1 user(s)")
    );
    assert!(list.contains("ada@example.com") && !list.contains("cy@example.com"));
    assert!(
        list.contains("id=\"add-user\"") && list.contains("id=\"send-links\""),
        "Add user and Send set-password link work on PostgreSQL"
    );

    // The second process honours the first one's session, and shows its import's progress.
    let second = serve(&url);
    assert!(
        !second.log().contains("/setup/"),
        "an admin exists: no setup link"
    );
    let on_second = same_browser_on(&admin, &second);
    let (code, list) = on_second.page("/users");
    assert_eq!(code, 200, "the session cookie works on the other process");
    assert!(list.contains("Signed in as") && list.contains("boss"));
    assert_eq!(
        status(&browser(&second), "/users"),
        303,
        "without the cookie: login"
    );
    let progress: serde_json::Value = on_second
        .get(&format!("{result}/progress.json"))
        .json()
        .unwrap();
    assert_eq!(progress["status"], "done");
    assert_eq!(progress["done"], 4);
    let (code, page) = on_second.page(&result);
    assert_eq!(code, 200);
    assert_eq!(select_text(&page, "#created").as_deref(), Some("2"));

    // A preview lives in the process that made it: committed on the other one, or twice, it
    // gets the same clear answer and writes nothing.
    let again = format!("{HEADER}\nEve;Ok;eve@example.com;eve;;;Eve-Pw-2026-long\n");
    let (preview, code, _) = admin.upload_and_preview("eve.csv", again.as_bytes());
    assert_eq!(code, 200);
    let res = on_second.post_form("/users", &format!("{preview}/commit"), &[]);
    assert_eq!(res.status().as_u16(), 404);
    assert!(res.text().unwrap().contains("no longer available"));
    admin.commit(&preview);
    let res = admin.post_form("/users", &format!("{preview}/commit"), &[]);
    assert_eq!(res.status().as_u16(), 404);
    assert!(res.text().unwrap().contains("no longer available"));
    assert_eq!(
        count(&mut client, "auth_user"),
        4,
        "boss, ada, cy and eve once"
    );

    // Logging out on the second process ends the session on the first too.
    let res = on_second.post_form("/users", "/logout", &[]);
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        status(&admin, "/users"),
        303,
        "the session is gone everywhere"
    );
    assert_eq!(count(&mut client, "roster_session"), 0);

    // Logins and their failures are audited, never with the password.
    let wrong = browser(&second);
    let res = wrong.post_form(
        "/login",
        "/login",
        &[("username", "boss"), ("password", "not-it")],
    );
    assert_eq!(res.status().as_u16(), 401);
    wrong.login("boss", ADMIN_PASSWORD);
    assert_eq!(status(&wrong, "/imports"), 200);
    let actions: Vec<String> = client
        .query("SELECT action FROM roster_audit ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        actions,
        ["admin_created", "import", "import", "login_failed", "login"],
        "{actions:?}"
    );
    let (code, audit) = wrong.page("/audit?action=login_failed");
    assert_eq!(code, 200, "{audit}");
    assert_eq!(
        select_text(&audit, "#audit-total").as_deref(),
        Some("1 entry")
    );
    assert_eq!(
        select_text(&audit, "#audit td.code").as_deref(),
        Some("login_failed")
    );
    let (_, since) = wrong.page("/audit?from=2000-01-01&actor=BOSS");
    assert_eq!(
        select_text(&since, "#audit-total").as_deref(),
        Some("5 entries")
    );
    let (_, before) = wrong.page("/audit?to=2000-01-02");
    assert_eq!(
        select_text(&before, "#audit-total").as_deref(),
        Some("0 entries")
    );
    let csv = wrong.get("/audit.csv").text().unwrap();
    assert_eq!(csv.lines().count(), 6, "a header and five entries: {csv}");
    assert!(csv.contains(";admin_created;") && csv.contains(";login;"));
    let audit_text: String = client
        .query_one(
            "SELECT string_agg(detail || target, ' ') FROM roster_audit",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(!audit_text.contains(ADMIN_PASSWORD) && !audit_text.contains("not-it"));
    for server in [&first, &second] {
        let log = server.log();
        assert!(
            !log.contains(&pg.password),
            "no database password in the log"
        );
        assert!(!log.contains(ADMIN_PASSWORD) && !log.contains("Ada-Pw-2026-long"));
    }
}

#[test]
fn the_user_list_pages_sorts_and_filters_on_postgresql() {
    let pg = cluster();
    let db = new_database("userlist");
    let url = pg.url(&db, "?sslmode=disable");
    let rows: String = (0..120)
        .map(|n| format!("First{n:03};Last{n:03};u{n:03}@example.com;user{n:03};;;\n"))
        .collect();
    super::import_rows(&url, &rows);
    super::create_admin(&url, "boss", ADMIN_PASSWORD);
    let server = serve(&url);
    assert!(!server.log().contains("/setup/"));
    let admin = browser(&server);
    admin.login("boss", ADMIN_PASSWORD);

    let usernames = |html: &str| -> Vec<String> {
        let doc = scraper::Html::parse_document(html);
        let cell = scraper::Selector::parse("tr.user-row td:first-child").unwrap();
        doc.select(&cell)
            .map(|td| td.text().collect::<String>().trim().to_string())
            .collect()
    };
    let (code, first) = admin.page("/users");
    assert_eq!(code, 200, "{first}");
    assert_eq!(
        select_text(&first, "#user-total").as_deref(),
        Some("121 user(s)")
    );
    let page1 = usernames(&first);
    assert_eq!(page1.len(), 50);
    assert_eq!((page1[0].as_str(), page1[1].as_str()), ("boss", "user000"));
    let (_, third) = admin.page("/users?page=3");
    let page3 = usernames(&third);
    assert_eq!(page3.len(), 21);
    assert_eq!(page3.last().map(String::as_str), Some("user119"));

    let (_, by_email) = admin.page("/users?sort=email&desc=1");
    assert_eq!(usernames(&by_email)[0], "user119");
    let (_, by_name) = admin.page("/users?sort=name");
    assert_eq!(
        usernames(&by_name)[0],
        "boss",
        "an empty last name sorts first"
    );
    assert_eq!(usernames(&by_name)[1], "user000");

    // The search ignores case and treats % and _ as themselves.
    let (_, found) = admin.page("/users?q=LAST11");
    assert_eq!(
        select_text(&found, "#user-total").as_deref(),
        Some("10 user(s)")
    );
    let (_, none) = admin.page("/users?q=user_0");
    assert_eq!(
        select_text(&none, "#user-total").as_deref(),
        Some("0 user(s)")
    );
    let (_, admins) = admin.page("/users?role=admin");
    assert_eq!(usernames(&admins), ["boss"]);
    let (_, no_password) = admin.page("/users?nopw=1&never=1");
    assert_eq!(
        select_text(&no_password, "#user-total").as_deref(),
        Some("120 user(s)")
    );
    let (_, logged_in) = admin.page("/users?status=active&sort=last_login&desc=1");
    assert_eq!(
        usernames(&logged_in)[0],
        "boss",
        "the one login sorts first"
    );
    let (_, at_last) = admin.page("/users?q=boss");
    assert!(!at_last.contains(">never<"), "boss's last login is shown");
}

#[test]
fn login_attempts_are_counted_across_processes() {
    let pg = cluster();
    let db = new_database("limits");
    let url = pg.url(&db, "?sslmode=disable");
    super::create_admin(&url, "boss", ADMIN_PASSWORD);
    let (first, second) = (serve(&url), serve(&url));
    let guesser = browser(&first);
    for attempt in 1..=10 {
        let res = guesser.post_form(
            "/login",
            "/login",
            &[
                ("username", "boss"),
                ("password", &format!("guess-{attempt}")),
            ],
        );
        assert_eq!(res.status().as_u16(), 401, "attempt {attempt}");
    }
    // The account's ten failures were counted by the first process; the second one refuses
    // even the right password from a client boss never logged in from.
    let owner = browser(&second);
    let res = owner.post_form(
        "/login",
        "/login",
        &[("username", "boss"), ("password", ADMIN_PASSWORD)],
    );
    assert_eq!(res.status().as_u16(), 429);
    assert!(res.text().unwrap().contains("Too many login attempts"));
    let mut client = pg.client(&db);
    assert_eq!(count(&mut client, "roster_session"), 0);
    let limited: i64 = client
        .query_one(
            "SELECT COUNT(*) FROM roster_audit WHERE action = 'login_rate_limited'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(limited, 1);
    let stored: String = client
        .query_one(
            "SELECT string_agg(bucket || ' ' || key_hash, ' ') FROM roster_rate_limit",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(stored.contains("login_by_username") && stored.contains("login_by_ip"));
    assert!(
        !stored.contains("boss") && !stored.contains("127.0.0.1"),
        "{stored}"
    );
}

#[test]
fn forgot_password_works_across_processes_on_postgresql() {
    let pg = cluster();
    let db = new_database("forgot");
    let url = pg.url(&db, "?sslmode=disable");
    super::import_rows(&url, "Ada;Lovelace;ada@example.com;ada;;;\n");
    let (smtp, first, second) = two_servers_with_mail(&url);

    // Asked on the first process (any case of the address), the link comes by mail.
    let visitor = browser(&first);
    let (code, login) = visitor.page("/login");
    assert_eq!(code, 200);
    assert!(login.contains("href=\"/password-reset\""));
    let res = visitor.post_form(
        "/password-reset",
        "/password-reset",
        &[("email", "ADA@example.com")],
    );
    assert_eq!(location(&res), "/password-reset/done");
    let mails = smtp.wait_for_messages(1, Duration::from_secs(20));
    let link = extract_link(&mails[0], "http://roster.example/reset/").expect("a reset link");
    let path = link.trim_start_matches("http://roster.example");

    // Opened on the second process, it sets Ada's first password and logs her in.
    let ada = browser(&second);
    let res = ada.get(path);
    assert_eq!(res.status().as_u16(), 303);
    let form = location(&res);
    let (code, page) = ada.page(&form);
    assert_eq!(code, 200, "{page}");
    let new_password = "Analytical-Engine-1843";
    let res = ada.post_form(
        &form,
        &form,
        &[
            ("new_password1", new_password),
            ("new_password2", new_password),
        ],
    );
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(location(&res), "/account?password=set");
    assert_eq!(status(&ada, "/account"), 200, "logged in");
    let mut client = pg.client(&db);
    let hash: String = client
        .query_one("SELECT password FROM auth_user WHERE username = 'ada'", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        roster::auth::hashers::check_password(new_password, &hash, 200_000),
        roster::auth::hashers::PasswordCheck::Correct { must_update: false }
    );
    assert_eq!(
        ada.get(path).status().as_u16(),
        400,
        "the link dies once used"
    );
    let actions: Vec<String> = client
        .query(
            "SELECT action FROM roster_audit WHERE action <> 'import' ORDER BY id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        actions,
        ["password_reset_requested", "password_set_by_link"]
    );

    // Three requests per address per quarter hour, counted by both processes together.
    for server in [&first, &second] {
        let res = browser(server).post_form(
            "/password-reset",
            "/password-reset",
            &[("email", "ada@example.com")],
        );
        assert_eq!(res.status().as_u16(), 303);
    }
    let res = browser(&second).post_form(
        "/password-reset",
        "/password-reset",
        &[("email", "ada@example.com")],
    );
    assert_eq!(res.status().as_u16(), 429, "the fourth request is refused");
}

#[test]
fn a_web_import_on_postgresql_mails_invitations_and_one_is_used_on_the_other_process() {
    let pg = cluster();
    let db = new_database("invite");
    let url = pg.url(&db, "?sslmode=disable");
    super::create_admin(&url, "boss", ADMIN_PASSWORD);
    let (smtp, first, second) = two_servers_with_mail(&url);
    let admin = browser(&first);
    admin.login("boss", ADMIN_PASSWORD);
    let csv = format!("{HEADER}\nCy;Nopass;cy@example.com;cy;;;\n");
    let (preview, code, html) = admin.upload_and_preview("cy.csv", csv.as_bytes());
    assert_eq!(code, 200, "{html}");
    assert!(
        html.contains("name=\"invite\""),
        "the mail check passed: {html}"
    );
    let result = admin.commit_with(&preview, &[("invite", "1")]);
    let mails = smtp.wait_for_messages(1, Duration::from_secs(20));
    assert_eq!(mails[0].to, ["cy@example.com"]);
    let mut client = pg.client(&db);
    let status: String = eventually(
        "the invitation marked sent",
        Duration::from_secs(20),
        || {
            let row = client
                .query_opt("SELECT status FROM roster_invitation", &[])
                .unwrap()?;
            let status: String = row.get(0);
            (status != "pending").then_some(status)
        },
    );
    assert_eq!(status, "sent");
    let (_, page) = admin.page(&result);
    assert!(page.contains("cy@example.com"), "{page}");

    // The link works on the other process, and the audit log knows it was the invitation.
    let link = extract_link(&mails[0], "http://roster.example/reset/").expect("a link");
    let cy = browser(&second);
    let res = cy.get(link.trim_start_matches("http://roster.example"));
    assert_eq!(res.status().as_u16(), 303);
    let form = location(&res);
    let password = "Countess-of-Lovelace-1815";
    let res = cy.post_form(
        &form,
        &form,
        &[("new_password1", password), ("new_password2", password)],
    );
    assert_eq!(location(&res), "/account?password=set");
    let used: i64 = client
        .query_one(
            "SELECT COUNT(*) FROM roster_audit WHERE action = 'invitation_used'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(used, 1);
}

/// With `USE_TZ = False` (`ROSTER_USE_TZ=false`) Django reads a user's `last_login` as TIME_ZONE's
/// wall clock, and its reset token digests that: a link Roster mails for a user who has logged in
/// must carry the token Django makes for that reading, as on SQLite.
#[test]
fn with_use_tz_false_reset_tokens_digest_the_last_login_as_django_reads_it() {
    use roster::auth::tokens::{TokenUser, check_token, django_timestamp};
    let pg = cluster();
    let db = new_database("use_tz");
    let url = pg.url(&db, "?sslmode=disable");
    super::create_admin(&url, "ada", "Ada-pass-2026!");
    let mut client = pg.client(&db);
    client
        .batch_execute(
            "UPDATE auth_user SET last_login = '2026-01-01 00:00:00.250000+00' \
             WHERE username = 'ada'",
        )
        .unwrap();
    let smtp = TestSmtp::start(SmtpMode::Plain, None);
    let port = smtp.port.to_string();
    let server = start_server_with(
        Path::new(&url),
        &[
            ("ROSTER_SECRET_KEY", SECRET_KEY),
            ("ROSTER_EMAIL_HOST", "127.0.0.1"),
            ("ROSTER_EMAIL_PORT", port.as_str()),
            ("ROSTER_BASE_URL", "http://roster.example"),
            ("ROSTER_USE_TZ", "false"),
            ("ROSTER_TIME_ZONE", "Asia/Tokyo"),
        ],
    );
    let visitor = browser(&server);
    let res = visitor.post_form(
        "/password-reset",
        "/password-reset",
        &[("email", "ada@example.com")],
    );
    assert_eq!(location(&res), "/password-reset/done");
    let mails = smtp.wait_for_messages(1, Duration::from_secs(20));
    let link = extract_link(&mails[0], "http://roster.example/reset/").expect("a reset link");
    let token = link.trim_end_matches('/').rsplit('/').next().unwrap();
    let row = client
        .query_one(
            "SELECT id::bigint, password::text, email::text FROM auth_user WHERE username = 'ada'",
            &[],
        )
        .unwrap();
    let (password, email): (String, String) = (row.get(1), row.get(2));
    let as_django_reads_it = |last_login| TokenUser {
        pk: row.get(0),
        password: &password,
        last_login: Some(last_login),
        email: &email,
    };
    // Tokyo is UTC+9 all year; Django's clock counts in TIME_ZONE too.
    let now = django_timestamp(chrono::Utc::now().timestamp(), 9 * 3600);
    assert!(
        check_token(
            &as_django_reads_it("2026-01-01 09:00:00.250000"),
            token,
            SECRET_KEY,
            now,
            259_200
        ),
        "Tokyo's wall clock: {link}"
    );
    assert!(!check_token(
        &as_django_reads_it("2026-01-01 00:00:00.250000"),
        token,
        SECRET_KEY,
        now,
        259_200
    ));
}
