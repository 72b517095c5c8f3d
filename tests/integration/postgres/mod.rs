//! PostgreSQL (issue 15): `roster migrate` and `roster import` on a real server, connecting
//! (passwords, sslmode, errors), the connection pool. The cluster is in `cluster.rs`.

mod cluster;
mod connecting;
mod import;
mod migrate;
mod schema;
