//! Test harness: a fresh temp database, the real server on a free loopback port, a cookie-keeping client.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, Once, mpsc};
use std::time::Duration;

use reqwest::blocking::{Client, Response, multipart};
use roster::config::{Config, ServeConfig};
use roster::web::Application;
use scraper::{Html, Selector};

use crate::eventually::eventually;

/// Iterations used in tests: fast, but still Django's real PBKDF2 format.
pub const TEST_ITERATIONS: u32 = 1000;
pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-pass-123";

/// The log filter `ROSTER_TEST_LOG` asks for: unset, empty or `0` keeps tests quiet; `1` means
/// `info`; anything else is a filter such as `roster=debug`.
fn test_log_filter() -> Option<String> {
    let value = std::env::var("ROSTER_TEST_LOG").ok()?;
    match value.as_str() {
        "" | "0" => None,
        "1" => Some("info".to_string()),
        _ => Some(value),
    }
}

/// With `ROSTER_TEST_LOG` set, the in-process servers log into the output libtest captures for
/// the test that started them: printed when that test fails, or live with `--nocapture`.
fn start_test_log() {
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        if let Some(filter) = test_log_filter() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_ansi(false)
                .with_test_writer()
                .try_init();
        }
    });
}

/// With `ROSTER_TEST_LOG` set, shows what a `roster` process wrote to stderr with the test's output.
fn show_process_log(args: &[&str], stderr: &[u8]) {
    if test_log_filter().is_some() && !stderr.is_empty() {
        eprintln!(
            "--- stderr of `roster {}` ---\n{}--- end ---",
            args.join(" "),
            String::from_utf8_lossy(stderr)
        );
    }
}

/// A running server with its own database.
pub struct TestApp {
    pub base: String,
    /// The SQLite file, or on PostgreSQL the database's URL (so `roster(&app.db_path, …)` runs
    /// the CLI on the same database).
    pub db_path: PathBuf,
    pub setup_path: Option<String>,
    pub client: Client,
    _dir: tempfile::TempDir,
    /// Stops the in-process server when the last browser on it is dropped; `None` for a server
    /// started elsewhere.
    _server: Option<Arc<ServerStop>>,
}

/// Stops an in-process server when dropped, so its database connections close (PostgreSQL
/// counts them against `max_connections` for the whole test run).
struct ServerStop(actix_web::dev::ServerHandle);

impl Drop for ServerStop {
    fn drop(&mut self) {
        // `stop` sends the command at once; its future only waits for the workers to finish.
        drop(self.0.stop(false));
    }
}

/// A fresh database (optionally seeded by `prepare`) and a server on 127.0.0.1:0.
pub fn spawn_app_with(prepare: impl FnOnce(&Path)) -> TestApp {
    spawn_app_configured(prepare, |_| {})
}

/// Like `spawn_app_with`, letting the test change the configuration (mail, secret key, ...).
///
/// The database is an SQLite file, or with `ROSTER_TEST_BACKEND=postgres` a new database on the
/// test PostgreSQL server (see `test_backend`), seeded as `prepare` seeded an SQLite file.
pub fn spawn_app_configured(
    prepare: impl FnOnce(&Path),
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    start_test_log();
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite_path = dir.path().join("roster.sqlite3");
    prepare(&sqlite_path);
    let mut config = Config::new(sqlite_path.clone(), TEST_ITERATIONS, 10_000).expect("config");
    configure(&mut config);
    let serve = ServeConfig::new("127.0.0.1:0", 256 * 1024).expect("serve config");
    let postgres = on_postgres().then(|| crate::test_backend::postgres_like(&sqlite_path));
    let connector = postgres
        .as_ref()
        .map(|url| crate::test_backend::connector(url));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let system = actix_web::rt::System::new();
        // As `roster serve` does: PostgreSQL's blocking client starts a runtime of its own, so the
        // app is built before the server's runtime runs.
        let app = match connector {
            Some(connector) => Application::build_postgres(config, serve, connector),
            None => system.block_on(async move { Application::build(config, serve) }),
        }
        .expect("build app");
        tx.send((
            app.port(),
            app.setup_path().map(str::to_string),
            app.handle(),
        ))
        .expect("send port");
        system
            .block_on(app.run_until_stopped())
            .expect("server ran");
    });
    let (port, setup_path, server) = rx.recv().expect("server started");
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        db_path: postgres.map_or(sqlite_path, PathBuf::from),
        setup_path,
        client: new_client(),
        _dir: dir,
        _server: Some(Arc::new(ServerStop(server))),
    }
}

/// Whether the in-process servers run on PostgreSQL (`ROSTER_TEST_BACKEND=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("ROSTER_TEST_BACKEND").is_ok_and(|backend| backend == "postgres")
}

/// A server whose database already has the admin `ADMIN`.
pub fn spawn_app() -> TestApp {
    spawn_app_with(seed_admin)
}

/// Migrates `db` and adds the admin `ADMIN`.
pub fn seed_admin(db: &Path) {
    migrate(db);
    let conn = rusqlite::Connection::open(db).expect("open");
    let hash = roster::auth::hashers::make_password(ADMIN_PASSWORD, TEST_ITERATIONS);
    roster::db::users::insert_superuser(
        &conn,
        ADMIN,
        "admin@example.com",
        &hash,
        &roster::db::now_text(),
    )
    .expect("insert admin");
}

/// Creates the schema in `db`.
pub fn migrate(db: &Path) {
    roster::db::Db::new(db).migrate().expect("migrate");
}

/// A browser-like client: keeps cookies, does not follow redirects.
pub fn new_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl TestApp {
    /// A browser for a server started elsewhere (e.g. a `roster serve` process).
    pub fn external(base: &str, db_path: PathBuf, dir: tempfile::TempDir) -> TestApp {
        TestApp {
            base: base.to_string(),
            db_path,
            setup_path: None,
            client: new_client(),
            _dir: dir,
            _server: None,
        }
    }

    /// Another browser (own cookies) on the same server and database.
    pub fn second_browser(&self) -> TestApp {
        TestApp {
            base: self.base.clone(),
            db_path: self.db_path.clone(),
            setup_path: None,
            client: new_client(),
            _dir: tempfile::tempdir().expect("temp dir"),
            _server: self._server.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().expect("GET")
    }

    /// GETs a page and returns (status, body).
    pub fn page(&self, path: &str) -> (u16, String) {
        let res = self.get(path);
        let status = res.status().as_u16();
        (status, res.text().expect("body"))
    }

    /// Posts a form with the CSRF token taken from `form_page`.
    pub fn post_form(&self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Response {
        let (_, html) = self.page(form_page);
        let token = csrf_token(&html);
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.client
            .post(self.url(action))
            .form(&all)
            .send()
            .expect("POST")
    }

    /// Logs in through the login form; panics unless it redirects.
    pub fn login(&self, username: &str, password: &str) {
        let res = self.post_form(
            "/login",
            "/login",
            &[("username", username), ("password", password)],
        );
        assert_eq!(res.status().as_u16(), 303, "login as {username} failed");
    }

    pub fn login_admin(&self) {
        self.login(ADMIN, ADMIN_PASSWORD);
    }

    /// Uploads CSV bytes through the import form; returns the raw response (a 303 on success).
    pub fn upload(&self, file_name: &str, bytes: &[u8]) -> Response {
        self.upload_with(file_name, bytes, &[])
    }

    /// Uploads with boxes of the upload form ticked, e.g. `("allow_weak_passwords", "1")`.
    pub fn upload_with(&self, file_name: &str, bytes: &[u8], fields: &[(&str, &str)]) -> Response {
        let (status, html) = self.page("/users/import");
        assert_eq!(status, 200, "import page: {html}");
        let token = csrf_token(&html);
        let part = multipart::Part::bytes(bytes.to_vec())
            .file_name(file_name.to_string())
            .mime_str("text/csv")
            .expect("mime");
        let mut form = multipart::Form::new().text("csrf_token", token);
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        let form = form.part("file", part);
        self.client
            .post(self.url("/users/import"))
            .multipart(form)
            .send()
            .expect("upload")
    }

    /// Uploads and follows the redirect to the preview; returns (preview path, status, html).
    pub fn upload_and_preview(&self, file_name: &str, bytes: &[u8]) -> (String, u16, String) {
        let res = self.upload(file_name, bytes);
        assert_eq!(res.status().as_u16(), 303, "upload should redirect");
        let location = location(&res);
        let (status, html) = self.page(&location);
        (location, status, html)
    }

    /// Presses Import on a preview page; returns the result page path.
    pub fn commit(&self, preview_path: &str) -> String {
        self.commit_with(preview_path, &[])
    }

    /// Presses Import with boxes ticked, e.g. `("allow_without_mail", "1")`, and waits until the
    /// background import has finished; returns the result page path.
    pub fn commit_with(&self, preview_path: &str, fields: &[(&str, &str)]) -> String {
        let res = self.post_form(preview_path, &format!("{preview_path}/commit"), fields);
        assert_eq!(res.status().as_u16(), 303, "commit should redirect");
        let result = location(&res);
        self.wait_for_import(&result);
        result
    }

    /// Polls an import's progress until it is no longer running.
    pub fn wait_for_import(&self, result_path: &str) {
        eventually(
            &format!("the import {result_path} to finish"),
            Duration::from_secs(60),
            || {
                let res = self.get(&format!("{result_path}/progress.json"));
                assert_eq!(res.status().as_u16(), 200, "progress of {result_path}");
                let progress: serde_json::Value = res.json().expect("progress JSON");
                (progress["status"] != "running").then_some(())
            },
        )
    }

    /// The id of the user `username`.
    pub fn user_id(&self, username: &str) -> i64 {
        if on_postgres() {
            let quoted = username.replace('\'', "''");
            return self.sql_i64(&format!(
                "SELECT id FROM auth_user WHERE username = '{quoted}'"
            ));
        }
        self.db()
            .query_row(
                "SELECT id FROM auth_user WHERE username = ?1",
                [username],
                |r| r.get(0),
            )
            .expect("user id")
    }

    /// The SQLite file, for a test that reads or writes it directly; such a test runs on SQLite
    /// only so far (`ROSTER_TEST_BACKEND=postgres` stops it here, saying so).
    pub fn db(&self) -> rusqlite::Connection {
        assert!(
            !on_postgres(),
            "this test reads the SQLite file directly, so it runs on SQLite only so far"
        );
        rusqlite::Connection::open(&self.db_path).expect("open db")
    }

    pub fn user_count(&self) -> i64 {
        if on_postgres() {
            return self.sql_i64("SELECT COUNT(*) FROM auth_user");
        }
        self.db()
            .query_row("SELECT COUNT(*) FROM auth_user", [], |r| r.get(0))
            .expect("count")
    }
}

/// The Location header of a redirect.
pub fn location(res: &Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("Location header")
        .to_string()
}

/// The CSRF token embedded in a page's form.
pub fn csrf_token(html: &str) -> String {
    select_attr(html, "input[name=csrf_token]", "value").expect("csrf token in page")
}

/// The first matching element's attribute.
pub fn select_attr(html: &str, selector: &str, attr: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(selector).expect("selector");
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr(attr))
        .map(str::to_string)
}

/// The text of the first matching element.
pub fn select_text(html: &str, selector: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(selector).expect("selector");
    doc.select(&sel)
        .next()
        .map(|e| e.text().collect::<String>().trim().to_string())
}

/// Runs the roster binary against `db` with test iterations.
pub fn roster(db: &Path, args: &[&str]) -> Output {
    roster_with(db, args, &[], None)
}

/// Runs the roster binary with extra environment and optional stdin.
pub fn roster_with(db: &Path, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_roster"));
    cmd.args(args)
        .env("ROSTER_DATABASE", db)
        .env("ROSTER_PBKDF2_ITERATIONS", TEST_ITERATIONS.to_string())
        .env_remove("ROSTER_SUPERUSER_PASSWORD")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    if let Some(filter) = test_log_filter().filter(|f| f != "info") {
        cmd.env("ROSTER_LOG", filter);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn roster");
    if let Some(input) = stdin {
        let written = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes());
        // A command that refuses early exits before reading; its output says why.
        if let Err(e) = written
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            panic!("write stdin: {e}");
        }
    }
    drop(child.stdin.take());
    let output = child.wait_with_output().expect("roster output");
    show_process_log(args, &output.stderr);
    output
}

pub const HEADER: &str =
    "first_name;last_name;email;username;organizational_unit;job_title;password";

/// Everything a state-changing request could change, as text (on either backend).
pub fn snapshot(app: &TestApp) -> Vec<String> {
    let mut out = Vec::new();
    for sql in [
        "SELECT id || '|' || username || '|' || first_name || '|' || last_name || '|' || email \
         || '|' || is_active || is_staff || is_superuser || '|' || password || '|' \
         || COALESCE(CAST(last_login AS TEXT), '-') FROM auth_user ORDER BY id",
        "SELECT user_id || '|' || group_id FROM auth_user_groups ORDER BY id",
        "SELECT user_id || '|' || COALESCE(CAST(organizational_unit_id AS TEXT), '-') || '|' \
         || job_title FROM roster_user_profile ORDER BY user_id",
        "SELECT id || '|' || name FROM roster_organizational_unit ORDER BY id",
        "SELECT user_id || '|' || key_hash FROM roster_session ORDER BY key_hash",
        "SELECT id || '|' || status || '|' || COALESCE(CAST(undone_at AS TEXT), '-') \
         FROM roster_import ORDER BY id",
        "SELECT name || '|' || COALESCE(CAST(revoked_at AS TEXT), '-') FROM roster_api_token \
         ORDER BY name",
        "SELECT 'invitations ' || COUNT(*) FROM roster_invitation",
        "SELECT 'audit entries ' || COUNT(*) FROM roster_audit",
        "SELECT 'mail settings ' || COUNT(*) FROM roster_mail_settings",
    ] {
        out.extend(
            app.sql_rows(sql)
                .into_iter()
                .map(|row| row.into_iter().next().flatten().expect("a snapshot line")),
        );
    }
    out
}

/// A `roster serve` process on a free loopback port.
pub struct Server {
    pub child: std::process::Child,
    pub base: String,
    log: Arc<Mutex<String>>,
}

impl Drop for Server {
    /// A test that fails half-way leaves no server behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Sends SIGTERM (what systemd and Docker send to stop a service) and waits up to a minute for
    /// the process to exit; its exit status and its whole log.
    pub fn terminate(&mut self) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(sent.success());
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for roster serve") {
                break status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "roster serve did not stop on SIGTERM; its log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        // The log reader may still be copying the last lines.
        std::thread::sleep(Duration::from_millis(200));
        (status, self.log())
    }

    /// What the server has logged so far (its stderr).
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

pub fn start_server(db: &std::path::Path) -> Server {
    start_server_with(db, &[])
}

/// `roster serve` with extra environment variables (e.g. `ROSTER_EMAIL_HOST`), which win over the
/// defaults (200,000 PBKDF2 iterations).
pub fn start_server_with(db: &std::path::Path, env: &[(&str, &str)]) -> Server {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("ROSTER_DATABASE", db)
        .env("ROSTER_PBKDF2_ITERATIONS", "200000")
        .env(
            "ROSTER_LOG",
            test_log_filter().unwrap_or("info".to_string()),
        )
        .env("NO_COLOR", "1")
        // The test's own settings last, so they win over the defaults above.
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start roster serve");
    let stderr = child.stderr.take().expect("stderr");
    let log = Arc::new(Mutex::new(String::new()));
    let (address_tx, address_rx) = mpsc::channel();
    let kept = Arc::clone(&log);
    let show = test_log_filter().is_some();
    // Keeps reading stderr for as long as the server runs, so it never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)) {
            let Ok(line) = line else { break };
            if show {
                eprintln!("[roster serve] {line}");
            }
            if let Some(at) = line.find("http://127.0.0.1:") {
                let address: String = line[at..]
                    .chars()
                    .take_while(|c| !c.is_whitespace())
                    .collect();
                let _ = address_tx.send(address);
            }
            let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
            kept.push_str(&line);
            kept.push('\n');
        }
    });
    let Ok(base) = address_rx.recv_timeout(Duration::from_secs(60)) else {
        let _ = child.kill();
        let said = log.lock().unwrap_or_else(|e| e.into_inner()).clone();
        panic!("roster serve did not say where it listens; its log:\n{said}");
    };
    Server { child, base, log }
}

/// Records that a Roster import created this user without a password (an import and its row), as
/// a passwordless import leaves her: only such users may set a first password through a mailed link.
pub fn mark_imported_without_password(app: &TestApp, username: &str) {
    let name = username.replace('\'', "''");
    // A file name of its own finds the import again on either backend.
    let file = format!("test-{name}.csv");
    app.sql_execute(&format!(
        "INSERT INTO roster_import (started_at, actor, source, file_name, rows_total, created, \
         failed, passwordless) VALUES ('2026-11-01 09:00:00', 'test', 'cli', '{file}', 1, 1, 0, 1)"
    ));
    app.sql_execute(&format!(
        "INSERT INTO roster_import_row (import_id, line, user_id, first_name, last_name, email, \
         username, organizational_unit, job_title, had_password) \
         SELECT (SELECT MAX(id) FROM roster_import WHERE file_name = '{file}'), 2, id, \
         first_name, last_name, email, username, '', '', FALSE FROM auth_user \
         WHERE username = '{name}'"
    ));
}
