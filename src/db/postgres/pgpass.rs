//! libpq's password file (`~/.pgpass` or `PGPASSFILE`): `host:port:database:user:password` lines,
//! `*` matching anything in the first four fields, `\:` and `\\` escapes, and the file ignored with
//! a warning when others may read it.

use std::path::Path;

/// What a line must match.
pub struct Wanted<'a> {
    pub host: &'a str,
    pub port: &'a str,
    pub dbname: &'a str,
    pub user: &'a str,
}

/// The password of the first line that matches, as libpq picks it; `None` when the file is
/// missing, unreadable, not a plain file, readable by others, or has no matching line.
pub fn lookup(file: &Path, wanted: &Wanted<'_>) -> Option<String> {
    let metadata = std::fs::metadata(file).ok()?;
    if !metadata.is_file() {
        tracing::warn!(file = %file.display(), "password file is not a plain file; ignored");
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if metadata.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                file = %file.display(),
                "password file has group or world access; permissions should be u=rw (0600) \
                 or less (chmod 0600 it); ignored"
            );
            return None;
        }
    }
    let text = std::fs::read_to_string(file).ok()?;
    text.lines()
        .find_map(|line| matching_password(line, wanted))
}

/// The password of `line` when its first four fields match `wanted`.
fn matching_password(line: &str, wanted: &Wanted<'_>) -> Option<String> {
    let line = line.trim_end_matches('\r');
    if line.starts_with('#') || line.trim().is_empty() {
        return None;
    }
    let fields = split_fields(line);
    let [host, port, dbname, user, password] = fields.as_slice() else {
        return None;
    };
    let matches = |field: &Field, value: &str| field.wildcard || field.text == value;
    (matches(host, wanted.host)
        && matches(port, wanted.port)
        && matches(dbname, wanted.dbname)
        && matches(user, wanted.user))
    .then(|| password.text.clone())
}

/// One field: its unescaped text, and whether it was a lone unescaped `*`.
struct Field {
    text: String,
    wildcard: bool,
}

/// Splits at unescaped colons into at most five fields (the password keeps any further colons, as
/// libpq's does); `\x` stands for `x`.
fn split_fields(line: &str) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut text = String::new();
    let mut escaped_any = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    text.push(next);
                    escaped_any = true;
                }
            }
            ':' if fields.len() < 4 => {
                fields.push(field(std::mem::take(&mut text), escaped_any));
                escaped_any = false;
            }
            other => text.push(other),
        }
    }
    fields.push(field(text, escaped_any));
    fields
}

fn field(text: String, escaped_any: bool) -> Field {
    Field {
        wildcard: text == "*" && !escaped_any,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WANTED: Wanted<'static> = Wanted {
        host: "db.internal",
        port: "5432",
        dbname: "shop",
        user: "app",
    };

    fn file_with(dir: &Path, text: &str, mode: u32) -> std::path::PathBuf {
        let file = dir.join("pgpass");
        std::fs::write(&file, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        #[cfg(not(unix))]
        let _ = mode;
        file
    }

    #[test]
    fn the_first_matching_line_wins_with_wildcards_and_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let text = "# comment\n\
                    other.host:5432:shop:app:wrong-host\n\
                    db.internal:5432:shop:someone:wrong-user\n\
                    db.internal:*:shop:app:pa\\:ss\\\\word:with:colons\n\
                    *:*:*:*:too-late\n";
        let file = file_with(dir.path(), text, 0o600);
        assert_eq!(
            lookup(&file, &WANTED).as_deref(),
            Some("pa:ss\\word:with:colons")
        );
        let elsewhere = Wanted {
            host: "x",
            ..WANTED
        };
        assert_eq!(lookup(&file, &elsewhere).as_deref(), Some("too-late"));
    }

    #[test]
    fn an_escaped_star_is_a_literal_star() {
        let dir = tempfile::tempdir().unwrap();
        let file = file_with(dir.path(), "\\*:*:*:*:literal\n", 0o600);
        assert_eq!(lookup(&file, &WANTED), None);
        let star = Wanted {
            host: "*",
            ..WANTED
        };
        assert_eq!(lookup(&file, &star).as_deref(), Some("literal"));
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_may_read_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let file = file_with(dir.path(), "*:*:*:*:secret\n", 0o640);
        assert_eq!(lookup(&file, &WANTED), None);
        let file = file_with(dir.path(), "*:*:*:*:secret\n", 0o400);
        assert_eq!(lookup(&file, &WANTED).as_deref(), Some("secret"));
    }

    #[test]
    fn a_missing_file_or_a_folder_gives_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(lookup(&dir.path().join("none"), &WANTED), None);
        assert_eq!(lookup(dir.path(), &WANTED), None);
    }
}
