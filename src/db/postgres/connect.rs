//! Opening `postgres::Client`s for a `PgTarget`, with errors that say what to fix, and an r2d2
//! pool of them (a TLS connect with SCRAM takes about 18 ms on loopback, far more across a network:
//! requests must reuse connections).

use std::fmt;
use std::time::Duration;

use postgres::error::SqlState;
use rustls::ClientConfig;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::target::{PasswordSource, PgTarget, SslMode};

/// How long a connect may take before it is given up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection that could not be made, said so that the fix is clear; never holds the password.
#[derive(Debug)]
pub struct ConnectError(String);

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConnectError {}

/// Opens connections to one database; the TLS configuration is built once.
#[derive(Clone)]
pub struct Connector {
    target: PgTarget,
    tls: ClientConfig,
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connector")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl Connector {
    /// Checks the TLS settings (e.g. that `sslrootcert` is a readable CA file) without connecting.
    pub fn new(target: PgTarget) -> Result<Self, ConnectError> {
        let tls = super::tls::client_config(&target).map_err(ConnectError)?;
        Ok(Self { target, tls })
    }

    /// The database this connector opens.
    pub fn target(&self) -> &PgTarget {
        &self.target
    }

    /// A new connection, authenticated and (unless `sslmode=disable`) encrypted as asked.
    pub fn connect(&self) -> Result<postgres::Client, ConnectError> {
        let target = &self.target;
        let mut config = postgres::Config::new();
        config
            .user(&target.user)
            .host(&target.host)
            .port(target.port)
            .dbname(&target.dbname)
            .application_name("roster")
            .connect_timeout(CONNECT_TIMEOUT)
            .ssl_mode(match target.sslmode {
                SslMode::Disable => postgres::config::SslMode::Disable,
                SslMode::Prefer => postgres::config::SslMode::Prefer,
                SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                    postgres::config::SslMode::Require
                }
            });
        if let Some(password) = target.password() {
            config.password(password.expose());
        }
        config
            .connect(MakeRustlsConnect::new(self.tls.clone()))
            .map_err(|err| explain(target, &err))
    }
}

/// The connect failure in words that name the fix.
fn explain(target: &PgTarget, err: &postgres::Error) -> ConnectError {
    let at = format!("{}:{}", target.host, target.port);
    let text = error_chain(err);
    let said = if let Some(db) = err.as_db_error() {
        let code = db.code();
        if *code == SqlState::INVALID_PASSWORD
            || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
        {
            let source = match &target.password_source {
                PasswordSource::Url => "the password in the URL".to_string(),
                PasswordSource::Environment => "ROSTER_DATABASE_PASSWORD".to_string(),
                PasswordSource::PgPass(file) => format!("the password from {}", file.display()),
                PasswordSource::None => "no password".to_string(),
            };
            format!(
                "PostgreSQL at {at} refused user \"{}\" ({}; tried {source}): check the user name \
                 and password, and that pg_hba.conf lets this user reach database \"{}\" from here",
                target.user,
                db.message(),
                target.dbname
            )
        } else if *code == SqlState::INVALID_CATALOG_NAME {
            format!(
                "PostgreSQL at {at} has no database \"{}\": create it (createdb -O {} {}) or fix \
                 the database name in the URL",
                target.dbname, target.user, target.dbname
            )
        } else {
            format!(
                "PostgreSQL at {at} refused the connection: {}",
                db.message()
            )
        }
    } else if text.contains("password missing") {
        format!(
            "PostgreSQL at {at} asks user \"{}\" for a password and none was given: put it in \
             the URL (postgres://USER:PASSWORD@…), in ROSTER_DATABASE_PASSWORD, or in \
             ~/.pgpass (or PGPASSFILE)",
            target.user
        )
    } else if text.contains("server does not support TLS") {
        format!(
            "PostgreSQL at {at} does not offer TLS, and sslmode={} requires it: turn on ssl \
             in postgresql.conf, or use sslmode=prefer or disable on a trusted network",
            sslmode_name(target.sslmode)
        )
    } else if text.contains("certificate") {
        format!(
            "the TLS certificate of {at} was refused ({text}) under sslmode={}: give the \
             server's CA file as ?sslrootcert=, check that the host name matches the \
             certificate (verify-full), or use sslmode=require to encrypt without checking",
            sslmode_name(target.sslmode)
        )
    } else if let Some(io) = io_error(err) {
        match io.kind() {
            std::io::ErrorKind::ConnectionRefused => format!(
                "cannot connect to {at} (connection refused): is PostgreSQL running on {at}, and \
                 does it listen on TCP there (listen_addresses, port)?"
            ),
            std::io::ErrorKind::TimedOut => format!(
                "no answer from {at} within {} s: is the host right, and does a firewall let \
                 port {} through?",
                CONNECT_TIMEOUT.as_secs(),
                target.port
            ),
            _ => format!("cannot connect to {at}: {text}"),
        }
    } else {
        format!("cannot connect to PostgreSQL at {at}: {text}")
    };
    ConnectError(said)
}

fn sslmode_name(mode: SslMode) -> &'static str {
    match mode {
        SslMode::Disable => "disable",
        SslMode::Prefer => "prefer",
        SslMode::Require => "require",
        SslMode::VerifyCa => "verify-ca",
        SslMode::VerifyFull => "verify-full",
    }
}

/// The error and its causes, e.g. "invalid configuration: password missing".
fn error_chain(err: &postgres::Error) -> String {
    let mut text = err.to_string();
    let mut cause = std::error::Error::source(err);
    while let Some(current) = cause {
        let said = current.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = current.source();
    }
    text
}

/// The operating system's error under a postgres error, if that is what it was.
fn io_error(err: &postgres::Error) -> Option<&std::io::Error> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    while let Some(current) = cause {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        cause = current.source();
    }
    None
}

/// Hands out kept connections; a connection the server closed is replaced, not handed on.
impl r2d2::ManageConnection for Connector {
    type Connection = postgres::Client;
    type Error = ConnectError;

    fn connect(&self) -> Result<postgres::Client, ConnectError> {
        Connector::connect(self)
    }

    fn is_valid(&self, client: &mut postgres::Client) -> Result<(), ConnectError> {
        client
            .is_valid(CONNECT_TIMEOUT)
            .map_err(|err| ConnectError(format!("a kept PostgreSQL connection broke: {err}")))
    }

    fn has_broken(&self, client: &mut postgres::Client) -> bool {
        client.is_closed()
    }
}

/// A pool of up to `max_size` connections, opened as they are first needed.
pub fn pool(connector: Connector, max_size: u32) -> PgPool {
    PgPool(Some(
        r2d2::Pool::builder()
            .max_size(max_size)
            .min_idle(Some(0))
            .build_unchecked(connector),
    ))
}

/// Kept connections that close on a thread of their own when the pool goes: postgres' blocking
/// client closes a connection by running a runtime of its own, which panics on a thread that
/// drives one (an actix worker or `serve`'s main thread stopping on SIGTERM).
pub struct PgPool(Option<r2d2::Pool<Connector>>);

impl std::ops::Deref for PgPool {
    type Target = r2d2::Pool<Connector>;

    fn deref(&self) -> &Self::Target {
        self.0
            .as_ref()
            .expect("the pool is only taken when dropped")
    }
}

impl Drop for PgPool {
    fn drop(&mut self) {
        if let Some(pool) = self.0.take() {
            // Joined, so the connections are closed when the pool's owner is gone.
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}
