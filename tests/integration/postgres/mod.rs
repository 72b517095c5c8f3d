//! PostgreSQL (issue 15): `roster migrate`, `import`, `createsuperuser` and `changepassword` on a real server, connecting
//! (passwords, sslmode, errors), the connection pool. The cluster is in `cluster.rs`.

mod accounts;
mod cluster;
mod connecting;
mod import;
mod migrate;
mod schema;
