//! Django-compatible password hashing: writes `pbkdf2_sha256`, verifies it and every other Django hasher.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use rayon::prelude::*;
use subtle::ConstantTimeEq as _;

use super::pbkdf2::Engine;
pub use super::verdict::PasswordCheck;
pub use crate::domain::random::{RANDOM_STRING_CHARS, random_string};

/// Django 6.1's `PBKDF2PasswordHasher.iterations`.
pub const DEFAULT_ITERATIONS: u32 = 1_500_000;

/// `PBKDF2PasswordHasher.iterations` of every Django release Roster shares a database with
/// (4.2 LTS, 5.0, 5.1, 5.2 LTS, 6.0, 6.1). At Roster's default setting a hash at any of these is
/// kept as it is: each Django rewrites every other count to its own at login, so Roster
/// upgrading them back would rewrite the hash on every switch (ending sessions and reset links).
pub const DJANGO_DEFAULT_ITERATIONS: [(&str, u32); 6] = [
    ("4.2", 600_000),
    ("5.0", 720_000),
    ("5.1", 870_000),
    ("5.2", 1_000_000),
    ("6.0", 1_200_000),
    ("6.1", 1_500_000),
];

/// Salt length Django derives from 128 bits of entropy over a 62-char alphabet.
const SALT_LEN: usize = 22;
/// Bits of salt entropy Django requires before it stops re-hashing (`salt_entropy`).
const SALT_ENTROPY_BITS: f64 = 128.0;
/// Prefix marking an unusable password.
const UNUSABLE_PREFIX: char = '!';
/// Number of random characters after the unusable prefix.
const UNUSABLE_SUFFIX_LEN: usize = 40;
/// Iteration counts above this are refused so hostile hashes cannot stall us.
const MAX_ITERATIONS: u32 = 100_000_000;

/// PBKDF2 digest variants Django ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Digest {
    Sha256,
    Sha1,
}

impl Digest {
    fn algorithm(self) -> &'static str {
        match self {
            Digest::Sha256 => "pbkdf2_sha256",
            Digest::Sha1 => "pbkdf2_sha1",
        }
    }

    fn output_len(self) -> usize {
        match self {
            Digest::Sha256 => 32,
            Digest::Sha1 => 20,
        }
    }
}

/// A parsed `pbkdf2_*$iterations$salt$hash` string.
struct Decoded<'a> {
    digest: Digest,
    iterations: u32,
    salt: &'a str,
}

/// Hashes `password` as `pbkdf2_sha256` with a fresh 22-character salt (0 iterations = default).
pub fn make_password(password: &str, iterations: u32) -> String {
    encode_pbkdf2_sha256(password, &random_string(SALT_LEN), iterations)
}

/// [`make_password`] for many passwords, each with a fresh salt, hashed on every core (rayon's pool).
///
/// Each task takes a group of [`Engine::group_size`] passwords, which the engine interleaves.
pub fn make_passwords(passwords: &[&str], iterations: u32) -> Vec<String> {
    let group = Engine::active().group_size();
    passwords
        .par_chunks(group)
        .flat_map_iter(|chunk| make_password_group(chunk, iterations))
        .collect()
}

/// Passwords [`make_passwords`] hashes at once: one engine group on every core.
pub fn parallel_width() -> usize {
    Engine::active().group_size() * rayon::current_num_threads()
}

/// One engine group of [`make_passwords`], on the calling thread.
fn make_password_group(passwords: &[&str], iterations: u32) -> Vec<String> {
    let iterations = effective_iterations(iterations);
    let salts: Vec<String> = passwords.iter().map(|_| random_string(SALT_LEN)).collect();
    let inputs: Vec<(&[u8], &[u8])> = passwords
        .iter()
        .zip(&salts)
        .map(|(password, salt)| (password.as_bytes(), salt.as_bytes()))
        .collect();
    let keys = Engine::active().derive_group(&inputs, iterations);
    salts
        .iter()
        .zip(&keys)
        .map(|(salt, key)| format_encoded(Digest::Sha256, iterations, salt, key))
        .collect()
}

/// Encodes like Django's `PBKDF2PasswordHasher.encode`; an empty or `$`-containing salt is replaced by a random one.
pub fn encode_pbkdf2_sha256(password: &str, salt: &str, iterations: u32) -> String {
    let fresh;
    let salt = if is_valid_salt(salt) {
        salt
    } else {
        fresh = random_string(SALT_LEN);
        &fresh
    };
    encode(
        Digest::Sha256,
        password,
        salt,
        effective_iterations(iterations),
    )
}

/// Returns a Django unusable password: `!` followed by 40 random alphanumerics.
pub fn make_unusable_password() -> String {
    let mut out = String::with_capacity(1 + UNUSABLE_SUFFIX_LEN);
    out.push(UNUSABLE_PREFIX);
    out.push_str(&random_string(UNUSABLE_SUFFIX_LEN));
    out
}

/// Django's `is_password_usable`: false only when the value starts with `!`.
pub fn is_password_usable(encoded: &str) -> bool {
    !encoded.starts_with(UNUSABLE_PREFIX)
}

/// Verifies `password` against `encoded` like Django's `verify_password`, including its timing equalisation.
pub fn check_password(password: &str, encoded: &str, target_iterations: u32) -> PasswordCheck {
    let target = effective_iterations(target_iterations);
    if let Some(verdict) = algorithm_of(encoded)
        .and_then(|algorithm| super::legacy_hashers::check(algorithm, password, encoded))
    {
        return verdict;
    }
    let decoded = match identify(encoded) {
        Ok(decoded) => decoded,
        Err(verdict) => {
            run_dummy_hash(target);
            return verdict;
        }
    };
    let candidate = encode(decoded.digest, password, decoded.salt, decoded.iterations);
    let correct = bool::from(candidate.as_bytes().ct_eq(encoded.as_bytes()));
    let hasher_changed = decoded.digest != Digest::Sha256;
    let must_update = hasher_changed
        || salt_too_short(decoded.salt)
        || (decoded.iterations != target && !is_a_django_default(decoded.iterations, target));
    if correct {
        return PasswordCheck::Correct { must_update };
    }
    // Django's harden_runtime: pad a cheap wrong guess up to the target cost.
    if !hasher_changed && decoded.iterations < target {
        let extra = target - decoded.iterations;
        std::hint::black_box(encode(Digest::Sha256, password, decoded.salt, extra));
    }
    PasswordCheck::Wrong
}

/// At Roster's default target, a count that is some supported Django's default is left alone.
fn is_a_django_default(iterations: u32, target: u32) -> bool {
    target == DEFAULT_ITERATIONS
        && DJANGO_DEFAULT_ITERATIONS
            .iter()
            .any(|&(_, default)| default == iterations)
}

/// Hashes a random string once (Django's fake runtime) so failures cost as much as a real check.
pub fn run_dummy_hash(iterations: u32) {
    std::hint::black_box(make_password(
        &random_string(UNUSABLE_SUFFIX_LEN),
        iterations,
    ));
}

/// Django treats an iteration count of 0 as "use the default".
fn effective_iterations(iterations: u32) -> u32 {
    if iterations == 0 {
        DEFAULT_ITERATIONS
    } else {
        iterations
    }
}

/// Django's `_check_encode_args`: the salt must be non-empty and free of `$`.
fn is_valid_salt(salt: &str) -> bool {
    !salt.is_empty() && !salt.contains('$')
}

/// Django's `must_update_salt`: fewer than 128 bits at log2(62) bits per character.
fn salt_too_short(salt: &str) -> bool {
    let alphabet_bits = (RANDOM_STRING_CHARS.len() as f64).log2();
    (salt.chars().count() as f64) * alphabet_bits < SALT_ENTROPY_BITS
}

/// `<algorithm>$<iterations>$<salt>$<base64 digest>` exactly as Django formats it.
fn encode(digest: Digest, password: &str, salt: &str, iterations: u32) -> String {
    let (password, salt_bytes) = (password.as_bytes(), salt.as_bytes());
    match digest {
        Digest::Sha256 => {
            let key = Engine::active().derive(password, salt_bytes, iterations);
            format_encoded(digest, iterations, salt, &key)
        }
        Digest::Sha1 => {
            let mut key = [0u8; 20];
            pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt_bytes, iterations, &mut key);
            format_encoded(digest, iterations, salt, &key)
        }
    }
}

fn format_encoded(digest: Digest, iterations: u32, salt: &str, key: &[u8]) -> String {
    debug_assert_eq!(key.len(), digest.output_len());
    format!(
        "{}${}${}${}",
        digest.algorithm(),
        iterations,
        salt,
        STANDARD.encode(key)
    )
}

/// Django's `identify_hasher`: the algorithm name, or `None` for an empty or unusable value.
fn algorithm_of(encoded: &str) -> Option<&str> {
    if encoded.is_empty() || !is_password_usable(encoded) {
        return None;
    }
    let length = encoded.chars().count();
    Some(
        if (length == 32 && !encoded.contains('$'))
            || (length == 37 && encoded.starts_with("md5$$"))
        {
            "unsalted_md5"
        } else if length == 46 && encoded.starts_with("sha1$$") {
            "unsalted_sha1"
        } else {
            encoded.split_once('$').map_or(encoded, |(head, _)| head)
        },
    )
}

/// Django's `identify_hasher` plus a strict parse of the pbkdf2 fields.
fn identify(encoded: &str) -> Result<Decoded<'_>, PasswordCheck> {
    let algorithm = algorithm_of(encoded).ok_or(PasswordCheck::Unusable)?;
    let digest = match algorithm {
        "pbkdf2_sha256" => Digest::Sha256,
        "pbkdf2_sha1" => Digest::Sha1,
        // Removed from Django 5.0 and needs the system's crypt(3): recognised, not verified.
        "crypt" => {
            return Err(PasswordCheck::Unsupported {
                algorithm: algorithm.to_owned(),
            });
        }
        _ => return Err(PasswordCheck::Malformed),
    };
    let mut parts = encoded.splitn(4, '$').skip(1);
    let (Some(iterations), Some(salt), Some(hash)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(PasswordCheck::Malformed);
    };
    let iterations = parse_iterations(iterations).ok_or(PasswordCheck::Malformed)?;
    let hash_ok = STANDARD
        .decode(hash)
        .is_ok_and(|bytes| bytes.len() == digest.output_len());
    if salt.is_empty() || !hash_ok {
        return Err(PasswordCheck::Malformed);
    }
    Ok(Decoded {
        digest,
        iterations,
        salt,
    })
}

/// Accepts only the canonical `%d` rendering Django writes, in `1..=MAX_ITERATIONS`.
fn parse_iterations(text: &str) -> Option<u32> {
    let canonical = !text.is_empty()
        && text.len() <= 9
        && text.bytes().all(|b| b.is_ascii_digit())
        && !text.starts_with('0');
    if !canonical {
        return None;
    }
    text.parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_ITERATIONS).contains(n))
}

#[cfg(test)]
mod tests;
