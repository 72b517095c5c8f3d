-- A trigram index for the user list's search (username, name and e-mail contain the term), so a
-- search that few users match does not compare every user. Contentless (it stores no copy of the
-- text), no positions (the list re-checks each candidate with the same LIKE as a scan), and
-- deletable by rowid (the user's id). Only Roster writes it: Django's SQLite may lack FTS5 or the
-- trigram tokenizer, so the triggers on the user table (rendered from the user model by
-- Db::migrate, see db/user_search.rs) only note changed user ids in roster_user_search_pending,
-- a plain table any SQLite can write; the list checks those users too until Roster indexes them.
CREATE VIRTUAL TABLE roster_user_search USING fts5 (
    text,
    tokenize = 'trigram',
    content = '',
    contentless_delete = 1,
    detail = 'none'
);
CREATE TABLE roster_user_search_pending (user_id INTEGER NOT NULL);
