//! PostgreSQL (issue 15): every command on a real server (`migrate`, `import`, `createsuperuser`,
//! `changepassword`, `ou`, `token`, `check-mail`, `sendtestemail`, `adduser`, `--invite`,
//! `backup`'s advice, and `serve` in `web.rs`), connecting (passwords, sslmode, errors), the
//! connection pool. The cluster is in `cluster.rs`.

mod abandoned;
mod accounts;
mod cluster;
mod commands;
mod connecting;
mod directory;
mod flush;
mod import;
mod invite;
mod mail;
mod migrate;
mod schema;
mod web;

/// How many rows `table` holds.
fn count(client: &mut postgres::Client, table: &str) -> i64 {
    client
        .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])
        .unwrap()
        .get(0)
}

/// Every username in `auth_user`, sorted.
fn usernames(client: &mut postgres::Client) -> Vec<String> {
    client
        .query("SELECT username FROM auth_user ORDER BY username", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}
