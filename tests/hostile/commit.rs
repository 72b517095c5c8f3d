//! Every fixture of tests/fixtures/csv/ through the engine the CLI uses (`run`), committed into a
//! real SQLite database: a rejected file writes nothing; otherwise exactly the users of the preview
//! are created, each complete (names, e-mail, hash, flags, group, profile) and stored as planned.

use std::collections::HashMap;

use roster::auth::hashers::{PasswordCheck, check_password};
use roster::db::import_store::SqliteImportStore;
use roster::import::plan::{NewUser, Plan};
use roster::import::service::{Choices, Prepared, StreamedOutcome, import_streamed, prepare};
use roster::import::{ImportReport, ParsedFile, RowOutcome};
use rusqlite::Connection;

use super::{ITERATIONS, context, count, fixtures, mail_ok, seeded_db, settings};

/// Every fixture through the CLI's engine into a real database: rejected files write nothing;
/// otherwise exactly the users of the preview are created, each complete and stored as planned.
#[test]
fn every_fixture_commits_exactly_its_plan() {
    let mut problems = Vec::new();
    for (name, bytes) in fixtures() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut conn = seeded_db(dir.path());
        if let Err(problem) = commit_fixture(&mut conn, &bytes) {
            problems.push(format!("{name}: {problem}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn commit_fixture(conn: &mut Connection, bytes: &[u8]) -> Result<(), String> {
    // The preview, made before anything is written.
    let choices = Choices {
        allow_without_mail: true,
        ..Choices::default()
    };
    let planned = prepare::<ParsedFile>(conn, bytes.to_vec(), 10_000, choices, mail_ok)
        .map_err(|e| format!("database: {e}"))?;
    let outcome = import_streamed(
        &mut SqliteImportStore::new(conn),
        bytes.to_vec(),
        context(),
        choices,
        false,
        &settings(10_000),
        mail_ok,
        |_| {},
        None,
    )
    .map_err(|e| format!("database: {e}"))?;
    match (planned, outcome) {
        (Prepared::Rejected(want), StreamedOutcome::Rejected(got)) if want == got => {
            nothing_written(conn)
        }
        (Prepared::Ready { planned: plan, .. }, StreamedOutcome::Processed { report, .. }) => {
            let plan: Plan = plan;
            let failed = plan.failed();
            let created: Vec<NewUser> = plan
                .rows
                .into_iter()
                .filter_map(|row| match row.outcome {
                    RowOutcome::Create(user) => Some(user),
                    RowOutcome::Fail(_) => None,
                })
                .collect();
            if (report.created, report.failed) != (created.len(), failed) {
                return Err(format!("report {report:?}, plan creates {}", created.len()));
            }
            check_users(conn, &created, &report)
        }
        (planned, outcome) => Err(format!(
            "the preview gave {planned:?}, the commit {outcome:?}"
        )),
    }
}

fn nothing_written(conn: &Connection) -> Result<(), String> {
    let users = count(conn, "SELECT COUNT(*) FROM auth_user");
    let imports = count(conn, "SELECT COUNT(*) FROM roster_import");
    match (users, imports) {
        (2, 0) => Ok(()),
        _ => Err(format!(
            "a rejected file left {users} users and {imports} imports"
        )),
    }
}

/// An imported user as stored: auth_user, its profile and its groups.
#[derive(Debug, PartialEq)]
struct Stored {
    username: String,
    email: String,
    first_name: String,
    last_name: String,
    unit: Option<i64>,
    job_title: String,
    password: String,
    /// is_active, is_staff, is_superuser.
    flags: (i64, i64, i64),
    /// Joined now, never logged in.
    dated: bool,
    /// The user's groups, by name.
    groups: String,
    import_id: Option<i64>,
}

fn stored_users(conn: &Connection) -> rusqlite::Result<Vec<Stored>> {
    let sql = "SELECT u.username, u.email, u.first_name, u.last_name, p.organizational_unit_id, \
        p.job_title, u.password, u.is_active, u.is_staff, u.is_superuser, \
        u.date_joined LIKE '20__-__-__ __:__:__%' AND u.last_login IS NULL, \
        (SELECT COALESCE(group_concat(g.name), '') FROM auth_user_groups ug \
         JOIN auth_group g ON g.id = ug.group_id WHERE ug.user_id = u.id), p.import_id \
        FROM auth_user u LEFT JOIN roster_user_profile p ON p.user_id = u.id \
        WHERE u.username NOT IN ('root', 'admin')";
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| {
        Ok(Stored {
            username: r.get(0)?,
            email: r.get(1)?,
            first_name: r.get(2)?,
            last_name: r.get(3)?,
            unit: r.get(4)?,
            job_title: r.get(5)?,
            password: r.get(6)?,
            flags: (r.get(7)?, r.get(8)?, r.get(9)?),
            dated: r.get(10)?,
            groups: r.get(11)?,
            import_id: r.get(12)?,
        })
    })?;
    rows.collect()
}

fn check_users(
    conn: &Connection,
    created: &[NewUser],
    report: &ImportReport,
) -> Result<(), String> {
    let mut stored: HashMap<String, Stored> = stored_users(conn)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|s| (s.username.clone(), s))
        .collect();
    if stored.len() != created.len() {
        return Err(format!(
            "{} users stored, {} planned",
            stored.len(),
            created.len()
        ));
    }
    for user in created {
        let Some(s) = stored.remove(&user.username) else {
            return Err(format!("{:?} planned but not stored", user.username));
        };
        let password = s.password.clone();
        let want = Stored {
            username: user.username.clone(),
            email: user.email.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            unit: user.organizational_unit_id,
            job_title: user.job_title.clone(),
            password: password.clone(),
            flags: (1, 0, 0),
            dated: true,
            groups: "Default User".to_string(),
            import_id: report.import_id,
        };
        if s != want {
            return Err(format!("stored {s:?}\nplanned {want:?}"));
        }
        let complete = [&s.username, &s.email, &s.first_name, &s.last_name];
        if complete.iter().any(|v| v.trim().is_empty()) {
            return Err(format!("{:?}: an empty required value", user.username));
        }
        let hashed = match &user.password {
            Some(secret) => {
                let check = check_password(secret.expose(), &password, ITERATIONS);
                password.starts_with("pbkdf2_sha256$1000$")
                    && check == PasswordCheck::Correct { must_update: false }
            }
            None => password.starts_with('!') && password.len() == 41,
        };
        if !hashed {
            return Err(format!(
                "{:?}: password stored as {password:.24}…",
                user.username
            ));
        }
    }
    Ok(())
}
