//! `PgTarget`: a `postgres://` or `postgresql://` URL parsed into what a connection needs, with the
//! password from the URL, `ROSTER_DATABASE_PASSWORD` or a `.pgpass` file, never shown.

use std::fmt;
use std::path::PathBuf;

use super::pgpass;
use crate::domain::secret::Secret;

/// The PostgreSQL server's default port.
pub const DEFAULT_PORT: u16 = 5432;
/// The environment variable that holds the password when the URL has none.
pub const PASSWORD_VARIABLE: &str = "ROSTER_DATABASE_PASSWORD";

/// libpq's `sslmode`, with libpq's meanings (<https://www.postgresql.org/docs/current/libpq-ssl.html>).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plain TCP only.
    Disable,
    /// TLS when the server offers it, plain otherwise; the certificate is not checked.
    Prefer,
    /// TLS or nothing; the certificate is not checked unless `sslrootcert` is given (then as
    /// `VerifyCa`, as libpq does when a root certificate file is present).
    Require,
    /// TLS, and the server's certificate chains to a trusted root; its name is not compared.
    VerifyCa,
    /// TLS, a trusted chain, and the certificate names the host of the URL.
    VerifyFull,
}

impl SslMode {
    /// The names libpq accepts (`allow` is left out: it tries plain first, which Roster never wants).
    const NAMES: [(&'static str, SslMode); 5] = [
        ("disable", SslMode::Disable),
        ("prefer", SslMode::Prefer),
        ("require", SslMode::Require),
        ("verify-ca", SslMode::VerifyCa),
        ("verify-full", SslMode::VerifyFull),
    ];

    /// libpq's name for the mode (`PGSSLMODE`, `?sslmode=`).
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, mode)| *mode == self)
            .map_or("prefer", |(name, _)| name)
    }

    fn parse(given: &str) -> Result<Self, String> {
        Self::NAMES
            .iter()
            .find(|(name, _)| *name == given)
            .map(|(_, mode)| *mode)
            .ok_or_else(|| {
                format!(
                    "sslmode={given} is not one of disable, prefer, require, verify-ca, \
                     verify-full: fix the ?sslmode= of the URL"
                )
            })
    }
}

/// Where the password came from (shown in messages instead of the password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    Url,
    Environment,
    PgPass(PathBuf),
    /// None found: the server may still trust the client (`trust` or `cert` in pg_hba.conf).
    None,
}

/// A PostgreSQL database to connect to, parsed from `--database` / `ROSTER_DATABASE`.
#[derive(Clone)]
pub struct PgTarget {
    pub user: String,
    pub host: String,
    pub port: u16,
    pub dbname: String,
    pub sslmode: SslMode,
    /// A PEM file of CA certificates (`?sslrootcert=`); `system` means the built-in public roots.
    pub sslrootcert: Option<PathBuf>,
    password: Option<Secret>,
    pub password_source: PasswordSource,
}

impl fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgTarget")
            .field("user", &self.user)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("dbname", &self.dbname)
            .field("sslmode", &self.sslmode)
            .field("sslrootcert", &self.sslrootcert)
            .field("password", &self.password.as_ref().map(|_| "hidden"))
            .field("password_source", &self.password_source)
            .finish()
    }
}

impl fmt::Display for PgTarget {
    /// The URL without its password, safe for messages and logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        write!(
            f,
            "postgres://{}@{host}:{}/{}",
            self.user, self.port, self.dbname
        )
    }
}

/// Whether `--database` names a PostgreSQL URL rather than an SQLite file.
pub fn is_postgres_url(database: &str) -> bool {
    let lower = database.get(..13).unwrap_or(database).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// Where the environment gives a password or a `.pgpass` file (a seam for the tests).
#[derive(Debug, Clone, Default)]
pub struct PasswordLookup {
    /// `ROSTER_DATABASE_PASSWORD`.
    pub variable: Option<String>,
    /// `PGPASSFILE`, else `~/.pgpass`.
    pub pgpass_file: Option<PathBuf>,
}

impl PasswordLookup {
    /// Reads `ROSTER_DATABASE_PASSWORD`, `PGPASSFILE` and `HOME` from the process environment.
    pub fn from_environment() -> Self {
        let pgpass_file = std::env::var_os("PGPASSFILE")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".pgpass")));
        Self {
            variable: std::env::var(PASSWORD_VARIABLE)
                .ok()
                .filter(|p| !p.is_empty()),
            pgpass_file,
        }
    }
}

impl PgTarget {
    /// Parses a `postgres://user[:password]@host[:port]/dbname[?sslmode=…&sslrootcert=…]` URL;
    /// a missing password comes from `lookup`. Errors never contain the password.
    pub fn parse(url: &str, lookup: &PasswordLookup) -> Result<Self, String> {
        let shown = redact(url);
        if !is_postgres_url(url) {
            return Err(format!(
                "{shown} is not a PostgreSQL URL: it must start with postgres:// or postgresql://"
            ));
        }
        let parsed = url::Url::parse(url).map_err(|problem| {
            format!(
                "{shown} is not a valid URL ({problem}): write \
                 postgres://USER@HOST:PORT/DBNAME, with special characters percent-encoded"
            )
        })?;
        let decode = |part: &str, what: &str| -> Result<String, String> {
            percent_encoding::percent_decode_str(part)
                .decode_utf8()
                .map(|text| text.into_owned())
                .map_err(|_| format!("{shown}: the {what} is not UTF-8 once percent-decoded"))
        };
        let host = match parsed.host() {
            Some(url::Host::Ipv6(address)) => address.to_string(),
            Some(host) => decode(&host.to_string(), "host")?,
            None => String::new(),
        };
        if host.is_empty() {
            return Err(format!(
                "{shown} names no host: write postgres://USER@HOST:PORT/DBNAME (Roster connects \
                 over TCP, e.g. to 127.0.0.1)"
            ));
        }
        let user = decode(parsed.username(), "user name")?;
        if user.is_empty() {
            return Err(format!(
                "{shown} names no user: write postgres://USER@{host}/DBNAME"
            ));
        }
        let dbname = decode(parsed.path().trim_start_matches('/'), "database name")?;
        if dbname.is_empty() || dbname.contains('/') {
            return Err(format!(
                "{shown} names no database: end the URL with /DBNAME, e.g. \
                 postgres://{user}@{host}/roster"
            ));
        }
        let mut sslmode = SslMode::Prefer;
        let mut sslrootcert = None;
        for (key, value) in parsed.query_pairs() {
            match key.as_ref() {
                "sslmode" => {
                    sslmode = SslMode::parse(&value).map_err(|e| format!("{shown}: {e}"))?
                }
                "sslrootcert" => sslrootcert = Some(PathBuf::from(value.as_ref())),
                other => {
                    return Err(format!(
                        "{shown}: the URL parameter \"{other}\" is not supported: Roster reads \
                         sslmode and sslrootcert only"
                    ));
                }
            }
        }
        let port = parsed.port().unwrap_or(DEFAULT_PORT);
        let mut target = Self {
            user,
            host,
            port,
            dbname,
            sslmode,
            sslrootcert,
            password: None,
            password_source: PasswordSource::None,
        };
        match parsed.password() {
            Some(given) => {
                target.password = Some(Secret::new(decode(given, "password")?));
                target.password_source = PasswordSource::Url;
            }
            None => target.find_password(lookup),
        }
        Ok(target)
    }

    /// The password to send, if any.
    pub fn password(&self) -> Option<&Secret> {
        self.password.as_ref()
    }

    fn find_password(&mut self, lookup: &PasswordLookup) {
        if let Some(password) = &lookup.variable {
            self.password = Some(Secret::new(password.clone()));
            self.password_source = PasswordSource::Environment;
            return;
        }
        let Some(file) = &lookup.pgpass_file else {
            return;
        };
        let port = self.port.to_string();
        let wanted = pgpass::Wanted {
            host: &self.host,
            port: &port,
            dbname: &self.dbname,
            user: &self.user,
        };
        if let Some(password) = pgpass::lookup(file, &wanted) {
            self.password = Some(Secret::new(password));
            self.password_source = PasswordSource::PgPass(file.clone());
        }
    }
}

/// The URL with any password replaced by `***`, for messages about a URL that may not parse.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{tail}")
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<PgTarget, String> {
        PgTarget::parse(url, &PasswordLookup::default())
    }

    #[test]
    fn a_full_url_parses_with_percent_decoding() {
        let target =
            parse("postgresql://app%40corp:p%40ss%3Aw%2Fd@db.internal:6543/shop%20db?sslmode=verify-full&sslrootcert=/etc/ca.pem")
                .unwrap();
        assert_eq!(target.user, "app@corp");
        assert_eq!(target.password().unwrap().expose(), "p@ss:w/d");
        assert_eq!(target.password_source, PasswordSource::Url);
        assert_eq!(target.host, "db.internal");
        assert_eq!(target.port, 6543);
        assert_eq!(target.dbname, "shop db");
        assert_eq!(target.sslmode, SslMode::VerifyFull);
        assert_eq!(target.sslrootcert, Some(PathBuf::from("/etc/ca.pem")));
    }

    #[test]
    fn defaults_are_port_5432_and_sslmode_prefer() {
        let target = parse("postgres://app@127.0.0.1/shop").unwrap();
        assert_eq!((target.port, target.sslmode), (5432, SslMode::Prefer));
        assert!(target.password().is_none());
        let v6 = parse("postgres://app@[::1]:5433/shop").unwrap();
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 5433));
        assert_eq!(v6.to_string(), "postgres://app@[::1]:5433/shop");
    }

    #[test]
    fn every_libpq_sslmode_but_allow_is_understood() {
        for (name, mode) in SslMode::NAMES {
            let target = parse(&format!("postgres://a@h/d?sslmode={name}")).unwrap();
            assert_eq!(target.sslmode, mode);
        }
        let err = parse("postgres://a:topsecret@h/d?sslmode=allow").unwrap_err();
        assert!(err.contains("sslmode=allow is not one of"), "{err}");
        assert!(!err.contains("topsecret"), "{err}");
    }

    #[test]
    fn mistakes_are_named_with_their_fix_and_never_show_the_password() {
        for (url, says) in [
            ("mysql://a:topsecret@h/d", "must start with postgres://"),
            ("postgres://a:topsecret@h", "names no database"),
            ("postgres://a:topsecret@h/", "names no database"),
            ("postgres://:topsecret@h/d", "names no user"),
            ("postgres://a:topsecret@h:99999/d", "not a valid URL"),
            (
                "postgres://a:topsecret@h/d?sslcert=x",
                "\"sslcert\" is not supported",
            ),
        ] {
            let err = parse(url).unwrap_err();
            assert!(err.contains(says), "{url}: {err}");
            assert!(!err.contains("topsecret"), "{url}: {err}");
        }
    }

    #[test]
    fn the_password_never_shows_in_debug_or_display() {
        let target = parse("postgres://app:topsecret@h/d").unwrap();
        let shown = format!("{target:?} {target} {:?}", target.password());
        assert!(!shown.contains("topsecret"), "{shown}");
        assert!(shown.contains("hidden"), "{shown}");
        assert_eq!(
            redact("postgres://app:topsecret@h/d?x=1"),
            "postgres://app:***@h/d?x=1"
        );
        assert_eq!(redact("postgres://app@h/d"), "postgres://app@h/d");
    }

    #[test]
    fn the_environment_password_comes_before_pgpass() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pgpass");
        std::fs::write(&file, "*:*:*:*:from-file\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let mut lookup = PasswordLookup {
            variable: Some("from-env".into()),
            pgpass_file: Some(file.clone()),
        };
        let target = PgTarget::parse("postgres://a@h/d", &lookup).unwrap();
        assert_eq!(target.password().unwrap().expose(), "from-env");
        assert_eq!(target.password_source, PasswordSource::Environment);
        lookup.variable = None;
        let target = PgTarget::parse("postgres://a@h/d", &lookup).unwrap();
        assert_eq!(target.password().unwrap().expose(), "from-file");
        assert_eq!(target.password_source, PasswordSource::PgPass(file));
        let url_wins = PgTarget::parse("postgres://a:from-url@h/d", &lookup).unwrap();
        assert_eq!(url_wins.password().unwrap().expose(), "from-url");
    }
}
