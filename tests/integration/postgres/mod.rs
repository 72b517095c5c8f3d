//! PostgreSQL (issue 15, first slice): `roster migrate` on a real server, connecting (passwords,
//! sslmode, errors), the connection pool. The cluster is in `cluster.rs`.

mod cluster;
mod connecting;
mod migrate;
mod schema;
