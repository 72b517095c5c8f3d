//! An import left `running` on PostgreSQL: a server starting marks it interrupted when the process
//! that ran it has stopped, and leaves it alone while that process still runs it.

use std::process::{Command, Stdio};
use std::time::Duration;

use super::import::migrated_database;
use super::web::serve;
use crate::eventually::eventually;
use crate::helpers::HEADER;

fn status(client: &mut postgres::Client) -> Option<String> {
    client
        .query_opt(
            "SELECT status FROM roster_import ORDER BY id DESC LIMIT 1",
            &[],
        )
        .unwrap()
        .map(|row| row.get(0))
}

#[test]
fn a_server_marks_interrupted_only_the_imports_whose_process_stopped() {
    let (url, mut client) = migrated_database("abandoned");
    let dir = tempfile::tempdir().unwrap();
    // Slow on purpose: 400 passwords at 1,000,000 iterations take many seconds to hash.
    let rows: Vec<String> = (0..400)
        .map(|i| format!("A;B{i};u{i}@example.com;user{i};;;Tall-Maple-pw-{i:04}"))
        .collect();
    let file = dir.path().join("slow.csv");
    std::fs::write(&file, format!("{HEADER}\n{}\n", rows.join("\n"))).unwrap();
    let mut import = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["--database", &url, "--pbkdf2-iterations", "1000000"])
        .args(["import", "--allow-without-mail", file.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    eventually("the import running", Duration::from_secs(20), || {
        (status(&mut client).as_deref() == Some("running")).then_some(())
    });

    // The import's process is alive: a starting server leaves its import running.
    let first = serve(&url);
    assert_eq!(status(&mut client).as_deref(), Some("running"));
    drop(first);

    // The process stops without finishing (killed): the next server marks its import interrupted.
    import.kill().unwrap();
    import.wait().unwrap();
    eventually(
        "the killed import's connection closed",
        Duration::from_secs(10),
        || {
            let open: i64 = client
                .query_one(
                    "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted \
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                    &[],
                )
                .unwrap()
                .get(0);
            (open == 0).then_some(())
        },
    );
    let _second = serve(&url);
    assert_eq!(status(&mut client).as_deref(), Some("interrupted"));
}
