//! Undoing an import on PostgreSQL (`UndoStore`): the plan by `db::undo`'s rules, the users'
//! fingerprints digested from the same 12 texts, the project's foreign keys to the user table read
//! from `pg_constraint`, and the removal, whose delete rules the V13 triggers carry out.

use std::collections::HashMap;

use postgres::{Client, Row};

use super::PgWeb;
use super::directory::utc_text;
use crate::db::undo::{
    CHANGING_ACTIONS, UndoPlan, UndoResult, changed_target, ready, split, why_kept,
};
use crate::db::undo_store::UndoStore;
use crate::db::user_fingerprint::Fingerprint;
use crate::db::user_references::{UserReference, column_list, join_on};

/// A flag as the fingerprint's text: `1` or `0`, as SQLite stores it.
fn flag(column: &str) -> String {
    format!("CASE WHEN {column} THEN '1' ELSE '0' END")
}

/// The ids a link table (table, user column, other column) links to `u`, ascending, joined by
/// commas (SQLite's `group_concat`).
fn linked((table, user, column): (&str, &str, &str)) -> String {
    format!(
        "COALESCE((SELECT string_agg({column}::text, ',' ORDER BY {column}) FROM {table} \
         WHERE {user} = u.id), '')"
    )
}

/// The current fingerprints (`user_fingerprint::of_user`) of the users import `import_id` created
/// who still have their profile, by id, read in one query.
fn fingerprints(
    client: &mut Client,
    import_id: i64,
) -> Result<HashMap<i64, String>, postgres::Error> {
    let users = super::users();
    let sql = format!(
        "SELECT u.username, {}, u.email, u.password, {}, {}, {}, \
         COALESCE(p.organizational_unit_id::text, ''), COALESCE(p.job_title, ''), {}, {}, \
         u.id::bigint FROM {} u JOIN roster_user_profile p ON p.user_id = u.id \
         WHERE p.import_id = $1",
        users.first_last("u."),
        flag("u.is_active"),
        flag("u.is_staff"),
        flag("u.is_superuser"),
        linked(users.groups()),
        linked(users.permissions()),
        users.table(),
    );
    let rows = client.query(&sql, &[&import_id])?;
    Ok(rows
        .iter()
        .map(|row| {
            let mut digest = Fingerprint::default();
            for i in 0..12 {
                digest.add(row.get::<_, &str>(i).as_bytes());
            }
            (row.get(12), digest.hex())
        })
        .collect())
}

/// Whether user `id` changed since the import wrote `written` (their fingerprint then, `None` for
/// rows written before fingerprints were kept: Roster's audit log tells); `now` holds the current
/// fingerprints.
fn changed_since(
    client: &mut Client,
    now: &HashMap<i64, String>,
    id: i64,
    written: Option<String>,
) -> Result<bool, postgres::Error> {
    match written {
        Some(written) => Ok(now.get(&id) != Some(&written)),
        None => {
            let sql = format!(
                "SELECT EXISTS(SELECT 1 FROM roster_audit WHERE action IN ({CHANGING_ACTIONS}) \
                 AND target LIKE $1)"
            );
            Ok(client.query_one(&sql, &[&changed_target(id)])?.get(0))
        }
    }
}

/// One foreign key of a project table to the user table: the table as SQL names it, as people read
/// it, and its (column, user table column) pairs.
struct ForeignKey {
    sql_name: String,
    name: String,
    pairs: Vec<(String, String)>,
}

/// The foreign keys to the user table of tables that are neither Roster's nor cleared with the
/// user (its group and permission links).
fn foreign_keys_to_users(client: &mut Client) -> Result<Vec<ForeignKey>, postgres::Error> {
    let users = super::users();
    let links: Vec<&str> = users.link_table_names().to_vec();
    let rows = client.query(
        "SELECT c.oid::bigint, c.conrelid::regclass::text, t.relname::text, \
         a.attname::text, r.attname::text \
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
         CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(child, parent, n) \
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.child \
         JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = k.parent \
         WHERE c.contype = 'f' AND c.confrelid = to_regclass($1) \
         AND t.relname::text NOT LIKE 'roster\\_%' AND NOT (t.relname::text = ANY($2)) \
         ORDER BY t.relname, c.oid, k.n",
        &[&users.table(), &links],
    )?;
    let mut keys: Vec<(i64, ForeignKey)> = Vec::new();
    for row in rows {
        let (oid, pair) = (row.get::<_, i64>(0), (row.get(3), row.get(4)));
        match keys.last_mut() {
            Some((last, key)) if *last == oid => key.pairs.push(pair),
            _ => keys.push((
                oid,
                ForeignKey {
                    sql_name: row.get(1),
                    name: row.get(2),
                    pairs: vec![pair],
                },
            )),
        }
    }
    Ok(keys.into_iter().map(|(_, key)| key).collect())
}

/// The project's rows that refer to one of `ids` (`user_references::references_to`).
fn references_to(client: &mut Client, ids: &[i64]) -> Result<Vec<UserReference>, postgres::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    for key in foreign_keys_to_users(client)? {
        let join = join_on(&key.pairs);
        let sql = format!(
            "SELECT u.username, COUNT(*) FROM {} AS t JOIN {} AS u ON {join} \
             WHERE u.id = ANY($1::bigint[]) GROUP BY u.id, u.username",
            key.sql_name,
            super::users().table()
        );
        let columns = column_list(&key.pairs);
        for row in client.query(&sql, &[&ids])? {
            found.push(UserReference {
                username: row.get(0),
                table: key.name.clone(),
                columns: columns.clone(),
                rows: row.get(1),
            });
        }
    }
    found.sort_by(|a, b| (&a.username, &a.table).cmp(&(&b.username, &b.table)));
    Ok(found)
}

fn plan(client: &mut Client, import_id: i64) -> Result<UndoPlan, postgres::Error> {
    // A user without an import row counts as imported with a password; names sort as SQLite's
    // BINARY collation sorts them.
    let sql = format!(
        "SELECT u.id::bigint, u.username, {}, u.is_staff, u.is_superuser, u.password, \
         COALESCE(r.had_password, true), r.user_fingerprint \
         FROM roster_user_profile p JOIN {} u ON u.id = p.user_id \
         LEFT JOIN roster_import_row r ON r.user_id = u.id AND r.import_id = p.import_id \
         WHERE p.import_id = $1 ORDER BY u.username COLLATE \"C\"",
        utc_text("u.last_login"),
        super::users().table()
    );
    let users = client.query(&sql, &[&import_id])?;
    let now = fingerprints(client, import_id)?;
    let mut plan = split(
        users,
        |row: Row| (row.get(0), row.get(1)),
        |row| {
            let facts = (row.get::<_, bool>(3) || row.get(4), row.get(5), row.get(6));
            why_kept(row.get(2), facts, || {
                changed_since(client, &now, row.get(0), row.get(7))
            })
        },
    )?;
    let ids: Vec<i64> = plan.remove.iter().map(|(id, _)| *id).collect();
    plan.blocked = references_to(client, &ids)?;
    plan.deleted_elsewhere = client
        .query(
            "SELECT COALESCE(created_username, username) FROM roster_import_row \
             WHERE import_id = $1 AND code IS NULL AND user_id IS NULL AND NOT removed_by_undo \
             ORDER BY COALESCE(created_username, username) COLLATE \"C\"",
            &[&import_id],
        )?
        .iter()
        .map(|row| row.get(0))
        .collect();
    Ok(plan)
}

impl UndoStore for PgWeb<'_> {
    fn undo_plan(&mut self, import_id: i64) -> anyhow::Result<UndoPlan> {
        Ok(plan(self.0, import_id)?)
    }

    fn undo_import(&mut self, import_id: i64, actor: &str) -> anyhow::Result<UndoResult> {
        let client = &mut *self.0;
        let undone: bool = client
            .query_one(
                "SELECT undone_at IS NOT NULL FROM roster_import WHERE id = $1 FOR UPDATE",
                &[&import_id],
            )?
            .get(0);
        let plan = match ready(undone, || plan(client, import_id))? {
            Ok(plan) => plan,
            Err(nothing_done) => return Ok(nothing_done),
        };
        client.execute(
            "UPDATE roster_import SET undone_at = now(), undone_by = $2 WHERE id = $1",
            &[&import_id, &actor],
        )?;
        let ids: Vec<i64> = plan.remove.iter().map(|(id, _)| *id).collect();
        client.execute(
            "UPDATE roster_import_row SET user_id = NULL, removed_by_undo = true \
             WHERE user_id = ANY($1::bigint[])",
            &[&ids],
        )?;
        let users = super::users();
        for (table, user, _) in [users.groups(), users.permissions()] {
            client.execute(
                &format!("DELETE FROM {table} WHERE {user} = ANY($1::bigint[])"),
                &[&ids],
            )?;
        }
        // The V13 triggers remove the profiles, sessions and invitations, and make the audit
        // entries forget the ids, as the delete rules do on SQLite.
        let sql = format!(
            "DELETE FROM {} WHERE last_login IS NULL AND id = ANY($1::bigint[])",
            users.table()
        );
        client.execute(&sql, &[&ids])?;
        Ok(plan.undone())
    }
}
