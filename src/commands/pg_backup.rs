//! `roster backup` on PostgreSQL: writes nothing and prints the `pg_dump` command that backs the database up.

use std::path::Path;

use crate::db::postgres::{PgTarget, SslMode};

/// What to run instead: `pg_dump` for this database in its custom format into `file`. Never the
/// password: pg_dump reads it from `PGPASSWORD` or `~/.pgpass`.
pub(super) fn pg_dump_advice(target: &PgTarget, file: &Path) -> String {
    let mut environment = String::new();
    if target.sslmode != SslMode::Prefer {
        environment.push_str(&format!("PGSSLMODE={} ", target.sslmode.name()));
    }
    if let Some(root) = &target.sslrootcert {
        environment.push_str(&format!(
            "PGSSLROOTCERT={} ",
            shell_word(&root.to_string_lossy())
        ));
    }
    let command = format!(
        "{environment}pg_dump --host={} --port={} --username={} --dbname={} --format=custom \
         --file={}",
        shell_word(&target.host),
        target.port,
        shell_word(&target.user),
        shell_word(&target.dbname),
        shell_word(&file.to_string_lossy()),
    );
    format!(
        "roster backup copies SQLite files only: nothing was written to {}.\n\
         Back up the PostgreSQL database with PostgreSQL's pg_dump (it reads the password from \
         PGPASSWORD or ~/.pgpass; never put it on the command line):\n\n    {command}\n\n\
         Restore with pg_restore --dbname=DATABASE {} (see the README's \"PostgreSQL (in progress)\").",
        file.display(),
        shell_word(&file.to_string_lossy()),
    )
}

/// `text` as one word for a POSIX shell: as it is when it holds only safe characters, else in
/// single quotes.
fn shell_word(text: &str) -> String {
    let safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "%+,-./:=@_".contains(c));
    if safe {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::postgres::PasswordLookup;

    fn target(url: &str) -> PgTarget {
        PgTarget::parse(url, &PasswordLookup::default()).unwrap()
    }

    #[test]
    fn the_advice_names_every_part_of_the_url_but_the_password() {
        let advice = pg_dump_advice(
            &target("postgres://shop:s3cret-pw@db.internal:5433/shop_prod"),
            Path::new("/backups/shop.dump"),
        );
        assert!(advice.contains(
            "    pg_dump --host=db.internal --port=5433 --username=shop --dbname=shop_prod \
             --format=custom --file=/backups/shop.dump\n"
        ));
        assert!(!advice.contains("s3cret"), "{advice}");
        assert!(advice.contains("PGPASSWORD or ~/.pgpass"));
    }

    #[test]
    fn odd_names_are_quoted_for_the_shell_and_tls_settings_carried_over() {
        let advice = pg_dump_advice(
            &target(
                "postgres://o%27brien@127.0.0.1/my%20db?sslmode=verify-full&sslrootcert=/etc/ca.pem",
            ),
            Path::new("it's here.dump"),
        );
        assert!(
            advice.contains(
                "    PGSSLMODE=verify-full PGSSLROOTCERT=/etc/ca.pem pg_dump --host=127.0.0.1 \
                 --port=5432 --username='o'\\''brien' --dbname='my db' --format=custom \
                 --file='it'\\''s here.dump'"
            ),
            "{advice}"
        );
        assert_eq!(shell_word("$(rm -rf ~)"), "'$(rm -rf ~)'");
    }
}
