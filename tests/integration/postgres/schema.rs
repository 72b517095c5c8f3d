//! Django's PostgreSQL schema as real Django's `migrate` made it (a committed `pg_dump`, see
//! tests/fixtures/django/gen/make_postgres_schema.sh), and the normalisation both dumps go through.

use std::collections::BTreeSet;

/// `pg_dump --schema-only --no-owner --no-privileges` after Django 4.2/5.2/6.1's `migrate` of the
/// interop project (identical for the three; its `inventory` app included).
pub const DJANGO_DUMP: &str = include_str!("../../fixtures/django/postgres_schema.sql");

/// The statements of a schema dump about Django's tables, whitespace-normalised and sorted:
/// comments, settings and pg_dump's `\restrict` lines dropped, and every statement that names a
/// Roster object (`roster_`) or the interop project's own app (`inventory_`) left out.
pub fn django_statements(dump: &str) -> BTreeSet<String> {
    let kept: Vec<&str> = dump
        .lines()
        .filter(|line| {
            !(line.starts_with("--")
                || line.starts_with("SET ")
                || line.starts_with("SELECT pg_catalog.set_config")
                || line.starts_with("\\restrict")
                || line.starts_with("\\unrestrict"))
        })
        .collect();
    split_statements(&kept.join("\n"))
        .into_iter()
        .map(|statement| statement.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|statement| {
            !statement.is_empty()
                && !statement.contains("roster_")
                && !statement.contains("inventory_")
        })
        .collect()
}

/// Statements end with `;` at the end of a line; a function body between `$$` quotes may hold more.
fn split_statements(text: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut in_body = false;
    for line in text.lines() {
        current.push_str(line);
        current.push('\n');
        if line.matches("$$").count() % 2 == 1 {
            in_body = !in_body;
        }
        if !in_body && line.trim_end().ends_with(';') {
            statements.push(std::mem::take(&mut current));
        }
    }
    statements.push(current);
    statements
}

/// What one set of statements has that the other lacks, for a failure message.
pub fn difference(expected: &BTreeSet<String>, actual: &BTreeSet<String>) -> String {
    let missing: Vec<_> = expected.difference(actual).collect();
    let extra: Vec<_> = actual.difference(expected).collect();
    format!("missing (Django has, Roster lacks): {missing:#?}\nextra (Roster only): {extra:#?}")
}

#[test]
fn the_normalisation_keeps_djangos_statements_and_drops_others() {
    let django = django_statements(DJANGO_DUMP);
    assert!(
        django.len() > 50,
        "{} statements: the fixture looks truncated",
        django.len()
    );
    assert!(django.iter().any(|s| s.contains(
        "CREATE INDEX auth_user_username_6821ab7c_like ON public.auth_user USING btree (username varchar_pattern_ops)"
    )));
    assert!(!django.iter().any(|s| s.contains("inventory_")));
    let with_roster = format!(
        "{DJANGO_DUMP}\nCREATE INDEX roster_x ON public.auth_user USING btree (email);\n\
         CREATE FUNCTION public.roster_f() RETURNS trigger\n    LANGUAGE plpgsql\n    AS $$\n\
         BEGIN\n    RAISE EXCEPTION 'x';\nEND;\n$$;\n"
    );
    assert_eq!(django_statements(&with_roster), django);
}
