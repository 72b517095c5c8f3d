//! Connecting to a real server: where the password comes from, sslmode through rustls, errors that
//! name the fix without the password, and the pool that keeps connections.

use std::time::Instant;

use roster::db::postgres::{Connector, PasswordLookup, PgTarget, pool};

use super::cluster::{cluster, new_database};
use super::migrate::roster_pg;

/// Why connecting fails (a connection that works fails the test).
fn refusal(url: &str) -> String {
    match connector(url).connect() {
        Ok(_) => panic!("{url} connected"),
        Err(err) => err.to_string(),
    }
}

fn connector(url: &str) -> Connector {
    let target = PgTarget::parse(url, &PasswordLookup::default()).unwrap();
    Connector::new(target).unwrap()
}

/// Whether this connection is encrypted, as the server sees it.
fn encrypted(client: &mut postgres::Client) -> bool {
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0)
}

#[test]
fn sslmode_is_honoured_through_rustls() {
    let pg = cluster();
    let ca = pg.ca_file.display().to_string();
    // (host, query, encrypted): the server's certificate names localhost only.
    for (host, query, tls) in [
        ("127.0.0.1", "?sslmode=disable".to_string(), false),
        ("127.0.0.1", String::new(), true),
        ("127.0.0.1", "?sslmode=require".to_string(), true),
        (
            "127.0.0.1",
            format!("?sslmode=verify-ca&sslrootcert={ca}"),
            true,
        ),
        (
            "localhost",
            format!("?sslmode=verify-full&sslrootcert={ca}"),
            true,
        ),
    ] {
        let url = pg.url("postgres", &query).replace("127.0.0.1", host);
        let mut client = connector(&url)
            .connect()
            .unwrap_or_else(|e| panic!("{host} {query}: {e}"));
        assert_eq!(encrypted(&mut client), tls, "{host} {query}");
    }
    // verify-full refuses a certificate for another name, and one no trusted root signed.
    for query in [
        format!("?sslmode=verify-full&sslrootcert={ca}"),
        "?sslmode=verify-full&sslrootcert=system".to_string(),
        "?sslmode=verify-ca&sslrootcert=system".to_string(),
    ] {
        let err = refusal(&pg.url("postgres", &query));
        assert!(
            err.contains("TLS certificate of 127.0.0.1"),
            "{query}: {err}"
        );
        assert!(err.contains("sslrootcert"), "{query}: {err}");
        assert!(!err.contains(&pg.password), "{err}");
    }
    let missing = PgTarget::parse(
        &pg.url(
            "postgres",
            "?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem",
        ),
        &PasswordLookup::default(),
    )
    .unwrap();
    let err = Connector::new(missing).unwrap_err().to_string();
    assert!(err.contains("sslrootcert /nonexistent/ca.pem"), "{err}");
}

#[test]
fn the_password_comes_from_the_url_the_environment_or_pgpass() {
    let pg = cluster();
    let db = new_database("passwords");
    let dir = tempfile::tempdir().unwrap();
    let pgpass = dir.path().join("pgpass");
    std::fs::write(
        &pgpass,
        format!("127.0.0.1:{}:*:roster:{}\n", pg.port, pg.password),
    )
    .unwrap();
    let set_mode = |mode| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    set_mode(0o600);
    let bare = pg.url_without_password(&db, "");
    let pgpass_text = pgpass.display().to_string();
    let none = dir.path().join("none").display().to_string();
    for env in [
        vec![
            ("ROSTER_DATABASE_PASSWORD", pg.password.as_str()),
            ("PGPASSFILE", none.as_str()),
        ],
        vec![("PGPASSFILE", pgpass_text.as_str())],
    ] {
        let out = roster_pg(&bare, &["migrate"], &env);
        assert!(
            out.status.success(),
            "{env:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A password file others may read is ignored, with libpq's warning.
    set_mode(0o644);
    let out = roster_pg(&bare, &["migrate"], &[("PGPASSFILE", &pgpass_text)]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("group or world access"), "{said}");
    assert!(
        said.contains("asks user \"roster\" for a password and none was given"),
        "{said}"
    );
    assert!(!said.contains(&pg.password), "{said}");
}

#[test]
fn connection_errors_name_the_fix_and_never_the_password() {
    let pg = cluster();
    let wrong = pg
        .url("postgres", "")
        .replace(&pg.password, "wrong-password-1234");
    let err = refusal(&wrong);
    assert!(err.contains("refused user \"roster\""), "{err}");
    assert!(err.contains("tried the password in the URL"), "{err}");
    assert!(!err.contains("wrong-password-1234"), "{err}");

    let err = refusal(&pg.url("no_such_db", ""));
    assert!(err.contains("has no database \"no_such_db\""), "{err}");
    assert!(err.contains("createdb"), "{err}");

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://roster:pw-secret-9@127.0.0.1:{closed}/x?sslmode=disable");
    let out = roster_pg(&url, &["migrate"], &[]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!("is PostgreSQL running on 127.0.0.1:{closed}")),
        "{said}"
    );
    assert!(!said.contains("pw-secret-9"), "{said}");
}

#[test]
fn the_pool_keeps_connections_and_replaces_one_the_server_closed() {
    let pg = cluster();
    let url = pg.url("postgres", "?sslmode=require");
    let started = Instant::now();
    let first = connector(&url).connect().unwrap();
    let one_connect = started.elapsed();
    drop(first);
    let connections = pool(connector(&url), 2);
    let backend = |client: &mut postgres::Client| -> i32 {
        client
            .query_one("SELECT pg_backend_pid()", &[])
            .unwrap()
            .get(0)
    };
    let pid = backend(&mut connections.get().unwrap());
    let started = Instant::now();
    let again = backend(&mut connections.get().unwrap());
    let kept = started.elapsed();
    assert_eq!(again, pid, "the same connection, kept");
    eprintln!("TLS connect: {one_connect:?}; a kept connection: {kept:?}");

    let mut admin = pg.client("postgres");
    admin
        .execute("SELECT pg_terminate_backend($1)", &[&pid])
        .unwrap();
    let replaced = backend(&mut connections.get().unwrap());
    assert_ne!(replaced, pid, "a closed connection is not handed on");
}
