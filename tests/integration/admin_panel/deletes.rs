//! Users deleted outside Roster (Django's admin, ORM or flush), and undo when the project's own
//! rows refer to imported users (issue 14, item 3).

use super::*;

/// Deletes a user as Django's `user.delete()` does on a connection with foreign keys on: its
/// group and permission links first (Django collects those itself), then the row, in one
/// transaction. Roster's tables must follow by their own delete rules.
fn django_delete(db: &std::path::Path, user_id: i64) -> rusqlite::Result<()> {
    let mut conn = rusqlite::Connection::open(db)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let tx = conn.transaction()?;
    for table in ["auth_user_groups", "auth_user_user_permissions"] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE user_id = ?1"),
            [user_id],
        )?;
    }
    tx.execute("DELETE FROM auth_user WHERE id = ?1", [user_id])?;
    tx.commit()
}

/// [`django_delete`] on the app's database, either backend (on PostgreSQL foreign keys are
/// always on).
fn django_deletes(app: &TestApp, user_id: i64) -> Result<(), String> {
    if !on_postgres() {
        return django_delete(&app.db_path, user_id).map_err(|e| e.to_string());
    }
    try_execute(
        app,
        &format!(
            "BEGIN; DELETE FROM auth_user_groups WHERE user_id = {user_id}; \
             DELETE FROM auth_user_user_permissions WHERE user_id = {user_id}; \
             DELETE FROM auth_user WHERE id = {user_id}; COMMIT;"
        ),
    )
}

fn strings(app: &TestApp, sql: &str) -> Vec<String> {
    column(app, sql)
}

/// Roster's rows that name a user auth_user does not have, on either backend.
fn dangling_user_references(app: &TestApp) -> i64 {
    let references = [
        ("roster_import", "actor_user_id"),
        ("roster_import_row", "user_id"),
        ("roster_user_profile", "user_id"),
        ("roster_session", "user_id"),
        ("roster_invitation", "user_id"),
        ("roster_audit", "actor_user_id"),
    ]
    .map(|(table, column)| {
        format!(
            "(SELECT COUNT(*) FROM {table} WHERE {column} IS NOT NULL \
             AND {column} NOT IN (SELECT id FROM auth_user))"
        )
    });
    one(app, &format!("SELECT {}", references.join(" + ")))
}

#[test]
fn django_deletes_a_user_roster_imported_edited_and_logged_in_and_the_records_keep_the_name() {
    let app = spawn_app();
    app.login_admin();
    let import_id = import(
        &app,
        "team.csv",
        "Ada;L;ada@example.com;ada;;Analyst;Ada-pass-2026!\n\
         Bob;B;bob@example.com;\u{ff42}\u{ff4f}\u{ff42};;;Bob-pass-2026!\n",
    );
    let ada = app.user_id("ada");
    let bob = app.user_id("bob");
    assert_eq!(
        status(&save_user(&app, ada, &[("last_name", "Lovelace")], &[])),
        303
    );
    app.second_browser().login("ada", "Ada-pass-2026!");
    let sessions = format!("SELECT COUNT(*) FROM roster_session WHERE user_id = {ada}");
    assert_eq!(one::<i64>(&app, &sessions), 1, "ada has a Roster session");
    let audited = format!("SELECT COUNT(*) FROM roster_audit WHERE actor_user_id = {ada}");
    assert_eq!(one::<i64>(&app, &audited), 1, "ada's login is audited");

    django_deletes(&app, ada).expect("Django can delete a user Roster touched");
    django_deletes(&app, bob).expect("Django can delete a user Roster imported");

    assert_eq!(one::<i64>(&app, &sessions), 0, "sessions go with the user");
    let profile = format!("SELECT COUNT(*) FROM roster_user_profile WHERE user_id = {ada}");
    assert_eq!(
        one::<i64>(&app, &profile),
        0,
        "the profile goes with the user"
    );
    assert_eq!(
        strings(
            &app,
            "SELECT created_username || ':' || COALESCE(CAST(user_id AS TEXT), 'gone') \
             FROM roster_import_row ORDER BY line"
        ),
        ["ada:gone", "bob:gone"]
    );
    assert_eq!(
        strings(
            &app,
            "SELECT action FROM roster_audit WHERE actor = 'ada' AND actor_user_id IS NULL"
        ),
        ["login"]
    );
    let html = app.page(&format!("/imports/{import_id}")).1;
    let rows = table(&html, "table#all-rows tbody tr");
    assert_eq!(
        rows[0][1..],
        [
            "ada",
            "ada@example.com",
            "created, since deleted outside Roster"
        ]
    );
    assert_eq!(
        rows[1][1..],
        [
            "\u{ff42}\u{ff4f}\u{ff42}",
            "bob@example.com",
            "created as bob, since deleted outside Roster"
        ],
        "the name the user had, after Django's normalisation"
    );
    let audit = table(&app.page("/audit?actor=ada").1, "table#audit tbody tr");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0][1..3], ["ada", "login"]);
    let changed = table(&app.page("/audit?text=ada").1, "table#audit tbody tr");
    assert!(
        changed.iter().any(|r| r[3] == format!("user:{ada} (ada)")),
        "{changed:?}"
    );
    let html = app.page(&format!("/imports/{import_id}/undo")).1;
    let doc = Html::parse_document(&html);
    let gone: Vec<String> = doc
        .select(&Selector::parse("#undo-deleted-elsewhere li").unwrap())
        .map(|li| li.text().collect())
        .collect();
    assert_eq!(gone, ["ada", "bob"]);
    assert_eq!(
        select_text(&html, "#undo-count strong").as_deref(),
        Some("0")
    );

    // Django deletes the admin who ran the import: the history still names them.
    let admin = app.user_id(ADMIN);
    django_deletes(&app, admin).expect("Django can delete the admin who imported");
    assert_eq!(
        strings(
            &app,
            "SELECT actor || ':' || COALESCE(CAST(actor_user_id AS TEXT), 'gone') FROM roster_import"
        ),
        ["admin:gone"]
    );
    assert_eq!(
        one::<i64>(&app, "SELECT COUNT(*) FROM roster_session"),
        0,
        "the admin's session went too"
    );
    assert_eq!(dangling_user_references(&app), 0);
    if !on_postgres() {
        // SQLite's own check of every foreign key (PostgreSQL enforces them as they are written).
        let violations = strings(&app, "SELECT \"table\" FROM pragma_foreign_key_check");
        assert!(violations.is_empty(), "{violations:?}");
    }
}

#[test]
fn undo_is_refused_and_explained_while_project_rows_refer_to_imported_users() {
    let app = spawn_app();
    app.login_admin();
    let import_id = import(
        &app,
        "three.csv",
        "Ann;A;ann@example.com;ann;;;ann-pass-123\nBen;B;ben@example.com;ben;;;ben-pass-123\n\
         Cat;C;cat@example.com;cat;;;cat-pass-123\n",
    );
    let (ann, ben) = (app.user_id("ann"), app.user_id("ben"));
    // A hand-written table with an immediate key, and a Django-made one (deferred), in each
    // backend's own DDL (Django's for PostgreSQL adds the key after the table).
    let tables = if on_postgres() {
        "CREATE TABLE blog_post (id SERIAL PRIMARY KEY, title TEXT NOT NULL, \
           author_id INTEGER REFERENCES auth_user(id)); \
         CREATE TABLE \"shop_order\" (\"id\" integer NOT NULL PRIMARY KEY GENERATED BY DEFAULT \
           AS IDENTITY, \"customer_id\" integer NOT NULL); \
         ALTER TABLE \"shop_order\" ADD CONSTRAINT \"shop_order_customer_id_3f1ab2c4_fk_auth_user_id\" \
           FOREIGN KEY (\"customer_id\") REFERENCES \"auth_user\" (\"id\") DEFERRABLE INITIALLY DEFERRED;"
    } else {
        "CREATE TABLE blog_post (id INTEGER PRIMARY KEY, title TEXT NOT NULL, \
           author_id INTEGER REFERENCES auth_user(id)); \
         CREATE TABLE \"shop_order\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \
           \"customer_id\" integer NOT NULL REFERENCES \"auth_user\" (\"id\") DEFERRABLE INITIALLY DEFERRED);"
    };
    app.sql_execute(&format!(
        "{tables} \
         INSERT INTO blog_post (title, author_id) VALUES ('Hello', {ben}); \
         INSERT INTO shop_order (customer_id) VALUES ({ann}), ({ann});"
    ));
    let undo_page = format!("/imports/{import_id}/undo");
    let html = app.page(&undo_page).1;
    assert!(select_text(&html, "#undo-blocked").is_some());
    assert_eq!(
        table(&html, "table#undo-blockers tbody tr"),
        [
            ["ann", "shop_order", "customer_id", "2"],
            ["ben", "blog_post", "author_id", "1"]
        ]
    );
    assert!(
        select_attr(&html, "form[action$='/undo'] button", "disabled").is_some(),
        "the remove button is disabled while blocked"
    );
    let snapshot_before = snapshot(&app);

    let res = app.post_form(&undo_page, &undo_page, &[("expected", "3")]);
    assert_eq!(status(&res), 409);
    let body = res.text().unwrap();
    assert!(body.contains("Nothing was removed"), "{body}");
    assert!(
        body.contains(
            "ann: 2 rows in shop_order (customer_id); ben: 1 row in blog_post (author_id)"
        ),
        "{body}"
    );
    assert_eq!(app.user_count(), 4, "no partial undo");
    let blocked_audit = "SELECT COUNT(*) FROM roster_audit WHERE action = 'import_undo_blocked'";
    assert_eq!(one::<i64>(&app, blocked_audit), 1);
    let mut after = snapshot(&app);
    after.retain(|line| !line.starts_with("audit entries"));
    let mut before = snapshot_before;
    before.retain(|line| !line.starts_with("audit entries"));
    assert_eq!(after, before, "nothing else changed");
    let undone = format!("SELECT undone_at IS NULL FROM roster_import WHERE id = {import_id}");
    assert!(
        one::<bool>(&app, &undone),
        "the import is not marked undone"
    );

    // Once the project's rows are reassigned, the undo goes through.
    let admin = app.user_id(ADMIN);
    app.sql_execute(&format!(
        "UPDATE blog_post SET author_id = {admin}; DELETE FROM shop_order;"
    ));
    let html = app.page(&undo_page).1;
    assert!(select_text(&html, "#undo-blocked").is_none());
    assert!(select_attr(&html, "form[action$='/undo'] button", "disabled").is_none());
    let res = app.post_form(&undo_page, &undo_page, &[("expected", "3")]);
    assert_eq!(status(&res), 303);
    assert_eq!(app.user_count(), 1);
}

/// Django's `inventory.Item` (owner → AUTH_USER_MODEL) of the interop project, as its migrate wrote
/// it on PostgreSQL (tests/fixtures/django/postgres_schema.sql).
const INVENTORY_ITEM_POSTGRES: &str = "CREATE TABLE \"inventory_item\" (\"id\" bigint NOT NULL \
     PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, \"name\" varchar(100) NOT NULL UNIQUE, \
     \"created\" timestamp with time zone NOT NULL, \"owner_id\" integer NULL); \
     ALTER TABLE \"inventory_item\" ADD CONSTRAINT \"inventory_item_owner_id_48e07bad_fk_auth_user_id\" \
     FOREIGN KEY (\"owner_id\") REFERENCES \"auth_user\" (\"id\") DEFERRABLE INITIALLY DEFERRED;";

/// The same on SQLite.
const INVENTORY_ITEM: &str = "CREATE TABLE \"inventory_item\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \
     \"name\" varchar(100) NOT NULL UNIQUE, \"created\" datetime NOT NULL, \"owner_id\" integer NULL \
     REFERENCES \"auth_user\" (\"id\") DEFERRABLE INITIALLY DEFERRED);";

#[test]
fn djangos_flush_empties_a_database_roster_imported_into_logged_in_and_audited() {
    let flushes = if on_postgres() {
        // Django 4.2, 5.2 and 6.1 write the same flush for PostgreSQL (see its README).
        vec![(
            "4.2 to 6.1",
            include_str!("../../fixtures/django/postgres_sqlflush.sql"),
        )]
    } else {
        vec![
            (
                "4.2",
                include_str!("../../fixtures/django/sqlflush_4.2.sql"),
            ),
            (
                "6.1",
                include_str!("../../fixtures/django/sqlflush_6.1.sql"),
            ),
        ]
    };
    for (version, flush) in flushes {
        let app = spawn_app();
        app.login_admin();
        import(
            &app,
            "team.csv",
            "Ann;A;ann@example.com;ann;;;ann-pass-123\nBen;B;ben@example.com;ben;;;\n",
        );
        app.second_browser().login("ann", "ann-pass-123");
        if on_postgres() {
            app.sql_execute(INVENTORY_ITEM_POSTGRES);
            try_execute(&app, flush)
        } else {
            app.sql_execute(INVENTORY_ITEM);
            let conn = app.db();
            conn.pragma_update(None, "foreign_keys", "ON").unwrap();
            conn.execute_batch(flush).map_err(|e| e.to_string())
        }
        .unwrap_or_else(|err| panic!("Django {version} flush: {err}"));
        let count = |table: &str| one::<i64>(&app, &format!("SELECT COUNT(*) FROM {table}"));
        assert_eq!(count("auth_user"), 0, "{version}");
        for table in ["roster_session", "roster_user_profile", "roster_invitation"] {
            assert_eq!(count(table), 0, "{version}: {table} went with the users");
        }
        assert_eq!(
            strings(
                &app,
                "SELECT username || ':' || COALESCE(CAST(user_id AS TEXT), 'gone') \
                 FROM roster_import_row ORDER BY line"
            ),
            ["ann:gone", "ben:gone"],
            "{version}"
        );
        let audit_ids = "SELECT COUNT(*) FROM roster_audit WHERE actor_user_id IS NOT NULL";
        assert_eq!(one::<i64>(&app, audit_ids), 0, "{version}");
        assert!(
            count("roster_audit") >= 3,
            "{version}: the audit log keeps its entries"
        );
    }
}

/// Every row of every Roster table and Django's DDL, as text, in a stable order.
fn contents(conn: &rusqlite::Connection, roster_tables: &[String]) -> Vec<String> {
    let query = |sql: &str| -> Vec<String> {
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let mut out = query(
        "SELECT name || ': ' || sql FROM sqlite_master WHERE sql IS NOT NULL \
         AND name NOT LIKE 'roster%' AND tbl_name NOT LIKE 'roster%' ORDER BY name",
    );
    for table in roster_tables {
        let columns = query(&format!(
            "SELECT 'quote(' || name || ')' FROM pragma_table_info('{table}') ORDER BY cid"
        ));
        out.extend(query(&format!(
            "SELECT '{table}: ' || {} FROM {table} ORDER BY 1",
            columns.join(" || ',' || ")
        )));
    }
    out
}

#[test]
fn a_roster_v7_database_on_a_real_django_project_upgrades_and_django_can_then_delete_and_flush() {
    // Django 4.2.30's interop project after `roster import` and logins with Roster at V7.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    std::fs::copy("tests/fixtures/django/roster_v7_on_django_4.2.sqlite3", &db).unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let roster_tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'roster%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let before = contents(&conn, &roster_tables);
    let djstaff: i64 = conn
        .query_row(
            "SELECT id FROM auth_user WHERE username = 'djstaff'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        django_delete(&db, djstaff).is_err(),
        "V7 blocks Django's delete"
    );
    drop(conn);

    migrate(&db);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let after = contents(&conn, &roster_tables);
    let history = |line: &&String| !line.starts_with("roster_schema_history");
    assert_eq!(
        after.iter().filter(history).count(),
        before.iter().filter(history).count()
    );
    // Old columns come first in each rebuilt row; the new ones are appended.
    for (old, new) in before
        .iter()
        .filter(history)
        .zip(after.iter().filter(history))
    {
        assert!(new.starts_with(old.as_str()), "{old}\n{new}");
    }
    django_delete(&db, djstaff).expect("V8 lets Django delete");
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    conn.execute_batch(include_str!("../../fixtures/django/sqlflush_4.2.sql"))
        .expect("manage.py flush");
    let left: i64 = conn
        .query_row("SELECT COUNT(*) FROM roster_audit", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 7, "the audit log keeps every entry");
}
