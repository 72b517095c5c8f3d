//! The admin web interface: one route table, the shared state, and the server that tests and `serve` start.

mod admin_context;
mod assets;
mod audit;
mod backend;
mod blocking;
mod connections;
mod cross_site;
mod csrf;
mod error;
mod handlers;
mod https_cookies;
mod import_runner;
mod jobs;
mod mail_state;
mod middleware;
mod notice;
mod path_param;
mod query_string;
mod ratelimit;
mod session;
mod session_cookie;
mod shared_limits;
mod staging;
mod state;
mod views;

use std::net::TcpListener;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::{App, HttpServer, dev::Server, web};
use anyhow::Context;

use crate::auth::hashers::random_string;
use crate::config::{Config, ServeConfig};
use backend::Backend;
pub use state::AppState;

/// Logs the imports a server found left running by a stopped process (now marked interrupted).
fn warn_interrupted(interrupted: u64) {
    if interrupted > 0 {
        tracing::warn!(
            interrupted,
            "imports interrupted by an earlier stop; import their files again to finish them"
        );
    }
}

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    setup_path: Option<String>,
    server: Server,
}

impl Application {
    /// Migrates the SQLite database and binds the listener (port 0 picks a free port).
    pub fn build(config: Config, serve: ServeConfig) -> anyhow::Result<Self> {
        let db = config.db();
        db.migrate()?;
        warn_interrupted(crate::db::imports::interrupt_running(&db.connect()?)? as u64);
        let readers = crate::db::ReadPool::new(db.clone());
        Self::start(config, serve, Backend::Sqlite { db, readers })
    }

    /// Migrates the PostgreSQL database and binds the listener. Imports left running by a stopped
    /// process are marked interrupted; another live process's running imports are left alone.
    pub fn build_postgres(
        config: Config,
        serve: ServeConfig,
        connector: crate::db::postgres::Connector,
    ) -> anyhow::Result<Self> {
        crate::db::postgres::migrate(&connector, &config.user_model, config.naive_local_time())?;
        warn_interrupted(crate::db::postgres::interrupt_abandoned_imports(
            &connector,
        )?);
        Self::start(config, serve, Backend::postgres(connector))
    }

    fn start(config: Config, serve: ServeConfig, backend: Backend) -> anyhow::Result<Self> {
        let needs_setup = backend.with_store(|store| {
            store.purge_expired_sessions()?;
            Ok(!store.has_active_admin()?)
        })?;
        let setup_token = needs_setup.then(|| random_string(43));
        let setup_path = setup_token.as_ref().map(|t| format!("/setup/{t}"));
        let secret_key = config.accounts.load_secret_key()?;
        let quarter_hour = Duration::from_secs(15 * 60);
        let state = web::Data::new(AppState {
            backend,
            config,
            staging: staging::Staging::default(),
            jobs: jobs::Jobs::default(),
            setup_token: Mutex::new(setup_token),
            secret_key,
            forgot_by_ip: ratelimit::RateLimit::new(10, quarter_hour).shared_as("forgot_by_ip"),
            forgot_by_email: ratelimit::RateLimit::new(3, quarter_hour)
                .shared_as("forgot_by_email"),
            login_by_ip: ratelimit::RateLimit::new(30, quarter_hour).shared_as("login_by_ip"),
            login_by_username: ratelimit::RateLimit::new(10, quarter_hour)
                .shared_as("login_by_username"),
            login_limit_audited: ratelimit::RateLimit::new(1, quarter_hour)
                .shared_as("login_limit_audited"),
            mail_checks: crate::mail::CheckCache::default(),
        });
        let listener = TcpListener::bind(serve.bind)
            .with_context(|| format!("cannot listen on {}", serve.bind))?;
        let port = listener.local_addr()?.port();
        let upload_limit = serve.max_upload_bytes;
        let connection_counts =
            connections::ConnectionCounts::new(connections::MAX_CONNECTIONS_PER_CLIENT);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(web::Data::new(handlers::UploadLimit(upload_limit)))
                .app_data(
                    web::FormConfig::default()
                        .limit(64 * 1024)
                        .error_handler(error::form_error),
                )
                .app_data(web::QueryConfig::default().error_handler(error::query_error))
                .configure(handlers::routes)
                .wrap(actix_web::middleware::from_fn(
                    connections::body_idle_timeout,
                ))
                .wrap(actix_web::middleware::from_fn(middleware::head_as_get))
                .wrap(actix_web::middleware::from_fn(csrf::ensure_cookie))
                .wrap(actix_web::middleware::from_fn(
                    cross_site::bounce_cross_site,
                ))
                .wrap(actix_web::middleware::from_fn(
                    https_cookies::secure_cookies,
                ))
                .wrap(middleware::security_headers())
                .wrap(actix_web::middleware::from_fn(middleware::log_request))
        })
        .on_connect(move |connection, data| connection_counts.on_connect(connection, data))
        .listen(listener)?
        .run();
        Ok(Self {
            port,
            setup_path,
            server,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `/setup/<token>` while no admin exists; shown once on the terminal.
    pub fn setup_path(&self) -> Option<&str> {
        self.setup_path.as_deref()
    }

    /// A handle that stops the server (tests stop their in-process servers with it).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Runs until the server stops.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// `roster serve` on an SQLite file: builds the application, prints the setup link if needed,
/// serves forever.
pub fn serve(config: Config, serve: ServeConfig) -> anyhow::Result<()> {
    let bind = serve.bind;
    run(Application::build(config, serve)?, bind)
}

/// `roster serve` on PostgreSQL.
pub fn serve_postgres(
    config: Config,
    serve: ServeConfig,
    connector: crate::db::postgres::Connector,
) -> anyhow::Result<()> {
    let bind = serve.bind;
    run(Application::build_postgres(config, serve, connector)?, bind)
}

fn run(app: Application, bind: std::net::SocketAddr) -> anyhow::Result<()> {
    let base = format!("http://{}:{}", display_host(&bind), app.port());
    tracing::info!(address = %base, "Roster is serving");
    if let Some(path) = app.setup_path() {
        // Deliberately printed to the terminal (not the log): the admin must open it once.
        eprintln!(
            "\nNo admin exists yet. Open this one-time link to create the first admin:\n\n    {base}{path}\n\n\
             (or run `roster createsuperuser`). The link stops working once an admin exists.\n"
        );
    }
    actix_web::rt::System::new().block_on(app.run_until_stopped())?;
    Ok(())
}

fn display_host(bind: &std::net::SocketAddr) -> String {
    match bind.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    }
}
