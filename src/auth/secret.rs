//! The SECRET_KEY used for reset tokens: generated once like Django's, kept in an owner-only file.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use rand::Rng;

use crate::domain::accounts::{AccountSettings, SecretKeySource};

/// Why there is no secret key on a database without a folder for a generated one.
pub const SECRET_KEY_UNSET: &str = "no secret key for the set-password links: on PostgreSQL set \
    ROSTER_SECRET_KEY to the Django project's SECRET_KEY (or ROSTER_SECRET_KEY_FILE to a file \
    holding it), so the links work in Roster and in Django";

/// Django's `get_random_secret_key` alphabet.
const SECRET_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)";

impl AccountSettings {
    /// The secret key; generates and stores one (owner-only) when none exists yet.
    pub fn load_secret_key(&self) -> anyhow::Result<String> {
        match &self.secret_key {
            SecretKeySource::Given(key) => Ok(key.clone()),
            SecretKeySource::File(path) => load_or_create(path),
            SecretKeySource::Unset => bail!("{SECRET_KEY_UNSET}"),
        }
    }
}

/// Reads the key from `path`, or creates the file (mode 0600) with a new 50-character key.
pub fn load_or_create(path: &Path) -> anyhow::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let key = text.trim().to_string();
            if key.len() < 32 {
                bail!(
                    "the secret key in {} is shorter than 32 characters; delete the file to get a new one \
                     (outstanding reset links then stop working)",
                    path.display()
                );
            }
            Ok(key)
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => create(path),
        Err(err) => {
            Err(err).with_context(|| format!("cannot read the secret key file {}", path.display()))
        }
    }
}

fn create(path: &Path) -> anyhow::Result<String> {
    let mut rng = rand::rng();
    let key: String = (0..50)
        .map(|_| SECRET_CHARS[rng.random_range(0..SECRET_CHARS.len())] as char)
        .collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = match options.open(path) {
        Ok(file) => file,
        // Another process created it first: use theirs.
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => return load_or_create(path),
        Err(err) => {
            return Err(err)
                .with_context(|| format!("cannot create the secret key file {}", path.display()));
        }
    };
    writeln!(file, "{key}")?;
    file.sync_all()?;
    tracing::info!(path = %path.display(), "generated a new secret key");
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_once_owner_only_then_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let first = load_or_create(&path).unwrap();
        assert_eq!(first.len(), 50);
        assert_eq!(load_or_create(&path).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
