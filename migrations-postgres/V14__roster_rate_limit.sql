-- Rate-limit windows shared by every Roster process on the database (PostgreSQL only: on SQLite
-- one process serves, and keeps its windows in memory). Two processes behind a load balancer
-- count one client's or one account's attempts together. `key_hash` is a SHA-256 of the bucket
-- and the key (a client address or a username), never the key itself. Unlogged: the windows last
-- a quarter of an hour, so losing them in a crash costs nothing worth a WAL write per attempt.
CREATE UNLOGGED TABLE roster_rate_limit (
    bucket text NOT NULL,
    key_hash text NOT NULL,
    started_at timestamp with time zone NOT NULL,
    events integer NOT NULL,
    PRIMARY KEY (bucket, key_hash)
);
