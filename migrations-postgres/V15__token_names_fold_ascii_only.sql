-- API token names are unique without regard to ASCII case only, as SQLite's COLLATE NOCASE makes
-- them there and as `token revoke` matches them on both backends. V12's index on lower(name)
-- also folded non-ASCII letters where the database's collation does (Ärzte and ärzte clashed on
-- PostgreSQL but not on SQLite). Every pair that index allowed differs under this fold too, so
-- this index builds on any database V12 made.
DROP INDEX roster_api_token_name;
CREATE UNIQUE INDEX roster_api_token_name ON roster_api_token (
    translate(name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
);
