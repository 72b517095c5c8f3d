//! Commands on a PostgreSQL URL that need no Roster tables: `sample-csv` and `template` work
//! whatever `--database` names, and `backup` writes nothing but prints a `pg_dump` command that
//! really backs the database up (run here against the test cluster).

use std::process::Command;

use super::cluster::{cluster, new_database};
use super::migrate::roster_pg;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn sample_csv_and_template_need_no_database() {
    // Nothing listens on port 9: a command that touched the database would fail.
    let url = "postgres://roster:pw@127.0.0.1:9/nowhere";
    let out = roster_pg(url, &["sample-csv"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), roster::SAMPLE_CSV);

    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("users.xlsx");
    let out = roster_pg(url, &["template", template.to_str().unwrap()], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        std::fs::read(&template).unwrap().starts_with(b"PK"),
        "an xlsx (zip) file"
    );

    let out = roster_pg(url, &["check-mail"], &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a command that needs the database still fails"
    );
}

#[test]
fn backup_writes_nothing_and_prints_a_pg_dump_command_that_works() {
    let pg = cluster();
    let db = new_database("backup");
    let url = pg.url(&db, "?sslmode=disable");
    assert!(roster_pg(&url, &["migrate"], &[]).status.success());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("roster backup.dump");

    let out = roster_pg(&url, &["backup", file.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1), "a backup script must notice");
    assert!(!file.exists(), "nothing written");
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        !said.contains(&pg.password),
        "the password is never shown: {said}"
    );
    assert!(said.contains("PGPASSWORD or ~/.pgpass"), "{said}");
    let command = said
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("PGSSLMODE=disable pg_dump "))
        .unwrap_or_else(|| panic!("no pg_dump line in: {said}"));
    assert!(
        command.ends_with(&format!(
            "pg_dump --host=127.0.0.1 --port={} --username=roster --dbname={db} --format=custom \
             --file='{}'",
            pg.port,
            file.display()
        )),
        "{command}"
    );

    // The advice, run as printed with the password where it says, makes a real backup.
    let path = format!(
        "{}:{}",
        pg.bin().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let ran = Command::new("sh")
        .args(["-c", command])
        .env("PATH", &path)
        .env("PGPASSWORD", &pg.password)
        .output()
        .unwrap();
    assert!(ran.status.success(), "{}", text(&ran.stderr));
    let listed = Command::new(pg.bin().join("pg_restore"))
        .arg("--list")
        .arg(&file)
        .output()
        .unwrap();
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let contents = text(&listed.stdout);
    assert!(contents.contains("TABLE public auth_user"), "{contents}");
    assert!(contents.contains("TABLE public roster_audit"), "{contents}");
}
