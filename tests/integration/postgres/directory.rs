//! `roster ou …` and `roster token …` on PostgreSQL: the same script of commands run against an
//! SQLite file and a PostgreSQL database gives the same output, exit codes, audit entries and
//! rows (case-blind names, a unit in use cannot be deleted, a token shown once and stored as its
//! SHA-256 only).

use std::path::Path;
use std::process::Output;

use sha2::{Digest, Sha256};

use super::cluster::{cluster, new_database};
use crate::helpers::{HEADER, roster_with};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A command's exit code, stdout and stderr.
type Shown = (Option<i32>, String, String);

/// One command's exit code, stdout and stderr, with times and tokens replaced by placeholders.
fn shown(out: &Output) -> Shown {
    let times = regex::Regex::new(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?").unwrap();
    let tokens = regex::Regex::new(r"rst_[A-Za-z0-9]{40}").unwrap();
    let clean = |bytes: &[u8]| {
        let text = text(bytes);
        tokens
            .replace_all(&times.replace_all(&text, "<time>"), "<token>")
            .into_owned()
    };
    (out.status.code(), clean(&out.stdout), clean(&out.stderr))
}

/// The script, run against `database`: what each command showed, and the tokens printed.
fn run_script(database: &Path, users_csv: &Path) -> (Vec<Shown>, Vec<String>) {
    let steps: Vec<Vec<&str>> = vec![
        vec!["ou", "list"],
        vec!["ou", "add", "  Sales  "],
        vec!["ou", "add", "SALES"],
        vec!["ou", "add", "Émile <script>"],
        vec!["ou", "add", "émile <SCRIPT>"],
        vec!["ou", "add", "   "],
        vec!["import", users_csv.to_str().unwrap()],
        vec!["ou", "rename", "sales", "Field Sales"],
        vec!["ou", "rename", "nobody", "X"],
        vec!["ou", "rename", "FIELD SALES", "ÉMILE <script>"],
        vec!["ou", "delete", "field sales"],
        vec!["ou", "delete", "ÉMILE <SCRIPT>"],
        vec!["ou", "list"],
        vec!["token", "list"],
        vec!["token", "create", " ci "],
        vec!["token", "create", "CI"],
        vec!["token", "create", "a/b"],
        vec!["token", "create", "deploy"],
        vec!["token", "revoke", "Ci"],
        vec!["token", "revoke", "ci"],
        vec!["token", "list"],
    ];
    let mut shown_steps = Vec::new();
    let mut tokens = Vec::new();
    for args in steps {
        let out = roster_with(database, &args, &[("ROSTER_LOG", "warn")], None);
        if args[..2] == ["token", "create"] && out.status.success() {
            tokens.push(text(&out.stdout).trim().to_string());
        }
        shown_steps.push(shown(&out));
    }
    (shown_steps, tokens)
}

fn sha256_hex(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn ou_and_token_commands_do_on_postgresql_what_they_do_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let users_csv = dir.path().join("users.csv");
    std::fs::write(
        &users_csv,
        format!("{HEADER}\nAda;Lovelace;ada@example.com;ada;sales;Engineer;Correct-Horse-7\n"),
    )
    .unwrap();
    let sqlite = dir.path().join("roster.sqlite3");
    let (on_sqlite, sqlite_tokens) = run_script(&sqlite, &users_csv);

    let pg = cluster();
    let db = new_database("directory");
    let url = pg.url(&db, "?sslmode=disable");
    let (on_pg, pg_tokens) = run_script(Path::new(&url), &users_csv);

    for (step, (lite, post)) in on_sqlite.iter().zip(&on_pg).enumerate() {
        assert_eq!(lite, post, "step {step}: SQLite, then PostgreSQL");
    }
    // What both said, so that two backends failing alike cannot pass.
    let said = |step: usize| &on_pg[step];
    assert_eq!(said(1).1, "Organizational unit \"Sales\" created.\n");
    assert_eq!(said(2).0, Some(1));
    assert!(
        said(2)
            .2
            .contains("an organizational unit named \"Sales\" already exists")
    );
    assert!(
        said(4)
            .2
            .contains("named \"Émile <script>\" already exists"),
        "{:?}",
        said(4)
    );
    assert!(said(5).2.contains("the name is empty"));
    assert_eq!(said(6).0, Some(0), "{:?}", said(6));
    assert_eq!(
        said(7).1,
        "Organizational unit \"Sales\" renamed to \"Field Sales\".\n"
    );
    assert!(
        said(8)
            .2
            .contains("There is no organizational unit named \"nobody\"")
    );
    assert!(said(9).2.contains("already exists"), "{:?}", said(9));
    assert_eq!(said(10).0, Some(1));
    assert!(
        said(10).2.contains(
            "Cannot delete organizational unit \"field sales\": it still has 1 user(s); move them \
             to another unit first"
        ),
        "{:?}",
        said(10)
    );
    assert_eq!(
        said(11).1,
        "Organizational unit \"Émile <script>\" deleted.\n"
    );
    assert_eq!(said(12).1, "Field Sales\t1 users\n");
    assert_eq!(said(14).1, "<token>\n", "only the token on stdout");
    assert!(said(15).2.contains("a token named \"CI\" already exists"));
    assert!(said(16).2.contains("may hold only letters"));
    assert_eq!(said(18).1, "API token \"Ci\" revoked.\n");
    assert!(
        said(19)
            .2
            .contains("There is no active API token named \"ci\"")
    );
    let listed: Vec<&str> = said(20).1.lines().collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed[0].starts_with("ci\trevoked <time>\tcreated <time> by cli:"));
    assert!(listed[1].starts_with("deploy\tactive\tcreated <time> by cli:"));
    assert!(listed[1].ends_with("\tlast used never"));

    // Rows: the same audit entries; tokens stored as their SHA-256 only.
    let mut client = pg.client(&db);
    let pg_audit = super::audit_entries(&mut client, "action <> 'import'");
    let sqlite_audit = super::sqlite_audit_entries(&sqlite, "action <> 'import'");
    assert_eq!(pg_audit, sqlite_audit);
    assert_eq!(
        pg_audit,
        [
            "ou_created|ou:1|Sales",
            "ou_created|ou:2|Émile <script>",
            "ou_renamed|ou:1|Sales -> Field Sales",
            "ou_deleted|ou:2|Émile <script>",
            "token_created|token:ci|",
            "token_created|token:deploy|",
            "token_revoked|token:Ci|",
        ]
    );
    assert_eq!(sqlite_tokens.len(), 2);
    let stored: Vec<(String, String, bool)> = client
        .query(
            "SELECT name, token_hash, revoked_at IS NOT NULL FROM roster_api_token ORDER BY id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect();
    assert_eq!(
        stored,
        [
            ("ci".to_string(), sha256_hex(&pg_tokens[0]), true),
            ("deploy".to_string(), sha256_hex(&pg_tokens[1]), false),
        ]
    );
    let everything: String = client
        .query("SELECT t::text FROM roster_api_token t", &[])
        .unwrap()
        .iter()
        .map(|row| row.get::<_, String>(0))
        .collect();
    assert!(
        !pg_tokens
            .iter()
            .any(|token| everything.contains(token.as_str()))
    );
}
