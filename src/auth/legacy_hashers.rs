//! Verifies the Django hashers other than PBKDF2: argon2, bcrypt_sha256, bcrypt, scrypt, and the legacy md5/sha1 ones.

use argon2::password_hash::{PasswordHash, PasswordVerifier as _};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use super::verdict::PasswordCheck;

/// Argon2 memory above this (KiB) is refused so a hostile hash cannot exhaust memory (Django: 102,400).
const ARGON2_MAX_MEMORY_KIB: u32 = 1024 * 1024;
/// Argon2 passes / lanes above these are refused (Django: 2 and 8).
const ARGON2_MAX_TIME: u32 = 64;
const ARGON2_MAX_LANES: u32 = 64;
/// bcrypt cost above this is refused (Django: 12; each step doubles the work).
const BCRYPT_MAX_COST: u32 = 20;
/// scrypt's `log2(N)` and `r * p` above these are refused (Django: N = 2^14, r = 8, p = 5).
const SCRYPT_MAX_LOG_N: u8 = 20;
const SCRYPT_MAX_R_TIMES_P: u32 = 1024;
/// Django's scrypt `dklen`.
const SCRYPT_KEY_LEN: usize = 64;

/// Checks `password` against a non-PBKDF2 Django hash named `algorithm` (from `identify`).
/// Returns `None` for algorithms this module does not handle (PBKDF2, `crypt`, unknown names).
///
/// `must_update` is true only for the weak legacy hashers (md5, sha1, unsalted): argon2, bcrypt
/// and scrypt are left as they are, so a project that lists them first never sees its hashes
/// rewritten back and forth between Django and Roster.
pub fn check(algorithm: &str, password: &str, encoded: &str) -> Option<PasswordCheck> {
    let verified = match algorithm {
        "argon2" => argon2(password, encoded),
        "bcrypt_sha256" => {
            let digest = hex(&Sha256::digest(password.as_bytes()));
            bcrypt(digest.as_bytes(), encoded)
        }
        "bcrypt" => bcrypt(password.as_bytes(), encoded),
        "scrypt" => scrypt(password, encoded),
        "md5" => salted_hex::<Md5>(password, encoded),
        "sha1" => salted_hex::<Sha1>(password, encoded),
        "unsalted_md5" => unsalted_hex::<Md5>(password, encoded.trim_start_matches("md5$$")),
        "unsalted_sha1" => unsalted_hex::<Sha1>(password, encoded.trim_start_matches("sha1$$")),
        _ => return None,
    };
    let weak = matches!(algorithm, "md5" | "sha1" | "unsalted_md5" | "unsalted_sha1");
    Some(match verified {
        Some(true) => PasswordCheck::Correct { must_update: weak },
        Some(false) => PasswordCheck::Wrong,
        None => PasswordCheck::Malformed,
    })
}

/// `argon2$argon2id$v=19$m=…,t=…,p=…$salt$hash`: the part after `argon2` is a PHC string.
fn argon2(password: &str, encoded: &str) -> Option<bool> {
    let phc = encoded.strip_prefix("argon2")?;
    let parsed = PasswordHash::new(phc).ok()?;
    let params = argon2::Params::try_from(&parsed).ok()?;
    if params.m_cost() > ARGON2_MAX_MEMORY_KIB
        || params.t_cost() > ARGON2_MAX_TIME
        || params.p_cost() > ARGON2_MAX_LANES
    {
        return None;
    }
    match argon2::Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Some(true),
        Err(argon2::password_hash::Error::Password) => Some(false),
        Err(_) => None,
    }
}

/// `bcrypt$$2b$12$…` / `bcrypt_sha256$$2b$12$…`: the part after the first `$` is a bcrypt hash.
fn bcrypt(password: &[u8], encoded: &str) -> Option<bool> {
    let (_, data) = encoded.split_once('$')?;
    let cost: u32 = data.get(4..6)?.parse().ok()?;
    if cost > BCRYPT_MAX_COST {
        return None;
    }
    bcrypt::verify(password, data).ok()
}

/// `scrypt$N$salt$r$p$base64(64 bytes)`, as Django's `ScryptPasswordHasher` writes it.
fn scrypt(password: &str, encoded: &str) -> Option<bool> {
    let mut parts = encoded.split('$').skip(1);
    let (Some(n), Some(salt), Some(r), Some(p), Some(hash), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let n: u64 = n.parse().ok()?;
    let (r, p): (u32, u32) = (r.parse().ok()?, p.parse().ok()?);
    if !n.is_power_of_two() || n < 2 || r.checked_mul(p)? > SCRYPT_MAX_R_TIMES_P {
        return None;
    }
    let log_n = u8::try_from(n.trailing_zeros()).ok()?;
    if log_n > SCRYPT_MAX_LOG_N {
        return None;
    }
    let expected = STANDARD.decode(hash).ok()?;
    if expected.len() != SCRYPT_KEY_LEN {
        return None;
    }
    let params = scrypt::Params::new(log_n, r, p, SCRYPT_KEY_LEN).ok()?;
    let mut out = [0u8; SCRYPT_KEY_LEN];
    scrypt::scrypt(password.as_bytes(), salt.as_bytes(), &params, &mut out).ok()?;
    Some(out.ct_eq(&expected[..]).into())
}

/// `md5$salt$hex(md5(salt + password))` and the same for `sha1`.
fn salted_hex<D: sha2::Digest>(password: &str, encoded: &str) -> Option<bool> {
    let mut parts = encoded.split('$').skip(1);
    let (Some(salt), Some(hash), None) = (parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let digest = D::new()
        .chain_update(salt.as_bytes())
        .chain_update(password.as_bytes())
        .finalize();
    Some(hex(&digest).as_bytes().ct_eq(hash.as_bytes()).into())
}

/// `hex(md5(password))` / `hex(sha1(password))` without a salt.
fn unsalted_hex<D: sha2::Digest>(password: &str, hash: &str) -> Option<bool> {
    let digest = D::digest(password.as_bytes());
    Some(hex(&digest).as_bytes().ct_eq(hash.as_bytes()).into())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::super::hashers::{DEFAULT_ITERATIONS, check_password};
    use super::*;
    use serde_json::Value;

    /// Every hash real Django 4.2.30 and 6.1.3 made (tests/fixtures/django/gen/make_hashers.py).
    fn django_hashes() -> Vec<(String, Value)> {
        let files = [
            include_str!("../../tests/fixtures/django/hashers_4.2.json"),
            include_str!("../../tests/fixtures/django/hashers_6.1.json"),
        ];
        files
            .iter()
            .flat_map(|text| {
                let file: Value = serde_json::from_str(text).expect("fixture parses");
                let version = file["django"].as_str().expect("version").to_owned();
                let hashes = file["hashes"].as_array().expect("hashes").clone();
                hashes.into_iter().map(move |h| (version.clone(), h))
            })
            .collect()
    }

    #[test]
    fn every_hash_real_django_made_verifies() {
        let hashes = django_hashes();
        let algorithms: std::collections::BTreeSet<&str> = hashes
            .iter()
            .map(|(_, h)| h["algorithm"].as_str().expect("algorithm"))
            .collect();
        assert_eq!(algorithms.len(), 10, "{algorithms:?}");
        for (version, hash) in &hashes {
            let algorithm = hash["algorithm"].as_str().expect("algorithm");
            let password = hash["password"].as_str().expect("password");
            let encoded = hash["encoded"].as_str().expect("encoded");
            let what = format!("Django {version} {algorithm}");
            let PasswordCheck::Correct { must_update } =
                check_password(password, encoded, DEFAULT_ITERATIONS)
            else {
                panic!("{what}: the right password is refused");
            };
            let weak = !matches!(
                algorithm,
                "pbkdf2_sha256" | "argon2" | "bcrypt_sha256" | "bcrypt" | "scrypt"
            );
            // pbkdf2 fixtures use 1,000 iterations, which Roster raises like Django does.
            assert_eq!(
                must_update,
                weak || algorithm == "pbkdf2_sha256",
                "{what}: must_update"
            );
            let wrong = check_password(&format!("{password}x"), encoded, DEFAULT_ITERATIONS);
            assert_eq!(wrong, PasswordCheck::Wrong, "{what}: a wrong password");
        }
    }

    #[test]
    fn hostile_parameters_are_refused_not_run() {
        let cases = [
            "argon2$argon2id$v=19$m=4194304,t=2,p=8$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "bcrypt_sha256$$2b$31$xZK2ZbreXCu6yGXAtVEb6eTF7S0ZNJyGxCLG0nG1tQRzUEGF7Ck4G",
            "scrypt$1073741824$salt$8$5$aGFzaA==",
            "scrypt$16383$salt$8$5$aGFzaA==",
            "scrypt$16384$salt$8$5",
            "md5$salt",
        ];
        for encoded in cases {
            let algorithm = encoded.split('$').next().expect("name");
            assert_eq!(
                check(algorithm, "pw", encoded),
                Some(PasswordCheck::Malformed),
                "{encoded}"
            );
        }
        assert_eq!(check("pbkdf2_sha256", "pw", "pbkdf2_sha256$1$s$h"), None);
    }
}
