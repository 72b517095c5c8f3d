//! `install.sh --dry-run`: the unit and the permission changes it renders, checked without root.

use std::process::{Command, Output};

fn dry_run(args: &[&str]) -> Output {
    Command::new("bash")
        .arg("install.sh")
        .arg("--dry-run")
        .args(args)
        .output()
        .expect("bash runs install.sh")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn unit_lines(text: &str, key: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{key}=")))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_default_unit_writes_only_the_data_directory() {
    let out = dry_run(&[]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert_eq!(
        unit_lines(&text, "ReadWritePaths"),
        ["ReadWritePaths=/var/lib/roster"]
    );
    assert!(unit_lines(&text, "SupplementaryGroups").is_empty());
    assert_eq!(unit_lines(&text, "ProtectHome"), ["ProtectHome=yes"]);
    assert!(!text.contains("chmod"), "{text}");
}

#[test]
fn sharing_a_django_database_adds_its_group_and_directory() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    std::fs::write(&db, b"").unwrap();
    std::fs::write(dir.path().join("db.sqlite3-wal"), b"").unwrap();
    let group = String::from_utf8(Command::new("id").arg("-gn").output().unwrap().stdout).unwrap();
    let group = group.trim();
    let db_text = db.canonicalize().unwrap().display().to_string();
    let dir_text = dir.path().canonicalize().unwrap().display().to_string();
    let out = dry_run(&["--django-db", &db_text, "--django-group", group]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert_eq!(
        unit_lines(&text, "ReadWritePaths"),
        [format!("ReadWritePaths=/var/lib/roster {dir_text}")]
    );
    assert_eq!(
        unit_lines(&text, "SupplementaryGroups"),
        [format!("SupplementaryGroups={group}")]
    );
    for command in [
        format!("usermod -a -G {group} roster"),
        format!("chgrp {group} {dir_text} {db_text}"),
        format!("chmod g+rwxs {dir_text}"),
        format!("chmod g+rw {db_text}"),
        format!("chmod g+rw {db_text}-wal"),
        format!("ROSTER_DATABASE={db_text}"),
    ] {
        assert!(text.contains(&command), "{command} in {text}");
    }
    assert!(!text.contains("-shm"), "no -shm file there: {text}");
    // Nothing changed on disk.
    assert_eq!(std::fs::read(&db).unwrap(), b"");

    // Without --django-group, the file's own group is used.
    let out = dry_run(&["--django-db", &db_text]);
    assert!(stdout(&out).contains(&format!("SupplementaryGroups={group}")));
}

#[test]
fn share_options_that_cannot_work_are_refused() {
    for (args, says) in [
        (
            vec!["--django-db", "/nonexistent/db.sqlite3"],
            "is not a file",
        ),
        (vec!["--django-group", "www-data"], "goes with --django-db"),
        (vec!["--frobnicate"], "unknown option --frobnicate"),
    ] {
        let out = dry_run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    std::fs::write(&db, b"").unwrap();
    let out = dry_run(&[
        "--django-db",
        db.to_str().unwrap(),
        "--django-group",
        "no-such-group-here",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no group on this machine"));
}
