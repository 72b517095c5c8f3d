-- A trigram index for the user list's search (username, name and e-mail contain the term), so a
-- search that few users match does not compare every user. Contentless (it stores no copy of the
-- text), no positions (the list re-checks each candidate with the same LIKE as a scan), and
-- deletable by rowid (the user's id). Its triggers on the user table and its contents are not
-- here: Db::migrate renders them from the user model at every start and refills the index when
-- they are missing, which they are after Django rebuilds the table (see db/user_search.rs).
CREATE VIRTUAL TABLE roster_user_search USING fts5 (
    text,
    tokenize = 'trigram',
    content = '',
    contentless_delete = 1,
    detail = 'none'
);
