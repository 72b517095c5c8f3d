//! The outcomes of an import batch's rows, written on PostgreSQL in one statement over arrays.

use postgres::{Client, Statement};

use crate::db::imports::CreatedUser;
use crate::domain::rows::{Person, PlannedRow, RowError, RowOutcome};

/// Every row of a batch, its values as given minus the password (`db::imports::insert_row`).
pub const INSERT_ROWS: &str = "\
    INSERT INTO roster_import_row (import_id, line, user_id, first_name, last_name, email, \
        username, organizational_unit, job_title, had_password, code, column_name, message, \
        created_username, user_fingerprint) \
    SELECT $1::bigint, * FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], \
        $6::text[], $7::text[], $8::text[], $9::text[], $10::bool[], $11::text[], $12::text[], \
        $13::text[], $14::text[], $15::text[])";

/// Writes the rows' outcomes with the prepared [`INSERT_ROWS`].
pub fn insert_rows(
    client: &mut Client,
    statement: &Statement,
    import_id: i64,
    rows: &[(&PlannedRow, Option<CreatedUser<'_>>)],
) -> Result<(), postgres::Error> {
    let person = |field: fn(&Person) -> &str| -> Vec<&str> {
        rows.iter()
            .map(|(row, _)| field(&row.summary.person))
            .collect()
    };
    let failure = |field: fn(&RowError) -> Option<&str>| {
        rows.iter()
            .map(|(row, _)| match &row.outcome {
                RowOutcome::Fail(problem) => field(problem),
                RowOutcome::Create(_) => None,
            })
            .collect::<Vec<Option<&str>>>()
    };
    let lines: Vec<i64> = rows.iter().map(|(row, _)| row.line as i64).collect();
    let user_ids: Vec<Option<i64>> = rows.iter().map(|(_, user)| user.map(|u| u.id)).collect();
    let had_password: Vec<bool> = rows
        .iter()
        .map(|(row, _)| row.summary.has_password)
        .collect();
    let created_usernames: Vec<Option<&str>> = rows
        .iter()
        .map(|(row, _)| match &row.outcome {
            RowOutcome::Create(user) => Some(user.username.as_str()),
            RowOutcome::Fail(_) => None,
        })
        .collect();
    let fingerprints: Vec<Option<&str>> = rows
        .iter()
        .map(|(_, user)| user.and_then(|u| u.fingerprint))
        .collect();
    client.execute(
        statement,
        &[
            &import_id,
            &lines,
            &user_ids,
            &person(|p| &p.first_name),
            &person(|p| &p.last_name),
            &person(|p| &p.email),
            &person(|p| &p.username),
            &person(|p| &p.organizational_unit),
            &person(|p| &p.job_title),
            &had_password,
            &failure(|e| Some(e.code.as_str())),
            &failure(|e| e.column),
            &failure(|e| Some(e.message.as_str())),
            &created_usernames,
            &fingerprints,
        ],
    )?;
    Ok(())
}
