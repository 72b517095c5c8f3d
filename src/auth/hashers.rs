//! Django-compatible password hashing: writes `pbkdf2_sha256`, verifies it and every other Django hasher.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::Rng as _;
use rayon::prelude::*;
use subtle::ConstantTimeEq as _;

use super::pbkdf2::Engine;

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

/// Django's `RANDOM_STRING_CHARS` alphabet used for salts and unusable passwords.
pub const RANDOM_STRING_CHARS: &str =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

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

/// Outcome of checking a password against a stored Django hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordCheck {
    /// The password matches; `must_update` means Django would re-hash it on login.
    Correct {
        /// True when the hash is not `pbkdf2_sha256` at the target iterations with a full salt.
        must_update: bool,
    },
    /// The hash is valid but the password does not match.
    Wrong,
    /// The stored value is unusable (`!…`) or empty.
    Unusable,
    /// A Django algorithm that Roster recognises but does not verify.
    Unsupported {
        /// The Django algorithm name, e.g. `argon2`.
        algorithm: String,
    },
    /// Unknown algorithm or a pbkdf2 hash that cannot be parsed.
    Malformed,
}

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

/// Returns `len` characters drawn uniformly from [`RANDOM_STRING_CHARS`] with a CSPRNG.
pub fn random_string(len: usize) -> String {
    let alphabet = RANDOM_STRING_CHARS.as_bytes();
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
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
mod tests {
    use super::*;
    use serde_json::Value;

    fn vectors(key: &str) -> Vec<Value> {
        let all: Value =
            serde_json::from_str(include_str!("../../tests/fixtures/django/vectors.json"))
                .expect("vectors.json parses");
        all[key].as_array().expect("array").clone()
    }

    fn text<'a>(v: &'a Value, key: &str) -> &'a str {
        v[key].as_str().unwrap_or_else(|| panic!("{key} missing"))
    }

    /// Encodes, checks and mis-checks every pbkdf2_sha256 vector whose iterations pass `pick`.
    fn check_vectors(pick: impl Fn(u32) -> bool) {
        let list = vectors("pbkdf2_sha256");
        assert_eq!(list.len(), 20);
        for v in list {
            let iterations = u32::try_from(v["iterations"].as_u64().expect("n")).expect("u32");
            if !pick(iterations) {
                continue;
            }
            // Passwords include NUL/CR, so prefer the exact UTF-8 bytes.
            let bytes = STANDARD.decode(text(&v, "password_utf8_b64")).expect("b64");
            let password = String::from_utf8(bytes).expect("utf8");
            let (encoded, note) = (text(&v, "encoded"), text(&v, "note"));
            let salt = text(&v, "salt");
            assert_eq!(
                encode_pbkdf2_sha256(&password, salt, iterations),
                encoded,
                "{note}"
            );
            // Django 6.1 would rewrite the older Django defaults; Roster keeps them (no ping-pong).
            let must_update = v["must_update_newest"].as_bool().expect("bool")
                && !is_a_django_default(iterations, DEFAULT_ITERATIONS);
            let right = check_password(&password, encoded, DEFAULT_ITERATIONS);
            assert_eq!(right, PasswordCheck::Correct { must_update }, "{note}");
            let wrong = check_password(&format!("{password}x"), encoded, iterations);
            assert_eq!(wrong, PasswordCheck::Wrong, "{note}");
        }
    }

    #[test]
    fn pbkdf2_sha256_vectors_below_one_million() {
        check_vectors(|n| n < 1_000_000);
    }

    #[test]
    fn pbkdf2_sha256_vectors_from_one_million() {
        check_vectors(|n| n >= 1_000_000);
    }

    #[test]
    fn other_hashers_and_legacy_names() {
        let list = vectors("other_hashers");
        assert_eq!(list.len(), 7);
        for v in &list {
            let encoded = text(v, "encoded");
            let verdict = check_password(v["password"].as_str().unwrap_or(""), encoded, 1);
            match text(v, "algorithm") {
                "unusable" => assert_eq!(verdict, PasswordCheck::Unusable),
                algorithm => {
                    let must_update = algorithm == "pbkdf2_sha1";
                    assert_eq!(
                        verdict,
                        PasswordCheck::Correct { must_update },
                        "{algorithm}"
                    );
                    assert_eq!(check_password("hunter3", encoded, 1), PasswordCheck::Wrong);
                }
            }
        }
        let md5 = "5f4dcc3b5aa765d61d8327deb882cf99";
        let upgrade = PasswordCheck::Correct { must_update: true };
        assert_eq!(check_password("password", md5, 1), upgrade);
        let salted = format!("md5$${md5}");
        assert_eq!(check_password("password", &salted, 1), upgrade);
        let sha1 = "sha1$$5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8";
        assert_eq!(check_password("password", sha1, 1), upgrade);
        assert_eq!(check_password("p", sha1, 1), PasswordCheck::Wrong);
        assert_eq!(
            check_password("p", "bcrypt$$2b$12$x", 1),
            PasswordCheck::Malformed
        );
        assert_eq!(
            check_password("p", "crypt$$abN/qM.L/H8EQ", 1),
            PasswordCheck::Unsupported {
                algorithm: "crypt".to_owned()
            }
        );
    }

    #[test]
    fn no_rehash_ping_pong_with_any_supported_django_default() {
        for (version, iterations) in DJANGO_DEFAULT_ITERATIONS {
            let encoded = encode_pbkdf2_sha256("pw", "abcdefghijklmnopqrstuv", iterations);
            assert_eq!(
                check_password("pw", &encoded, DEFAULT_ITERATIONS),
                PasswordCheck::Correct { must_update: false },
                "Django {version}'s default {iterations}"
            );
        }
        // Older Django defaults (4.1's 390,000) and odd counts are still raised.
        let old = encode_pbkdf2_sha256("pw", "abcdefghijklmnopqrstuv", 390_000);
        let verdict = check_password("pw", &old, DEFAULT_ITERATIONS);
        assert_eq!(verdict, PasswordCheck::Correct { must_update: true });
        // A setting chosen by the operator is followed exactly.
        let verdict = check_password("pw", &old, 600_000);
        assert_eq!(verdict, PasswordCheck::Correct { must_update: true });
    }

    #[test]
    fn make_password_shape_and_must_update() {
        let encoded = make_password("s3cret", 1000);
        let parts: Vec<&str> = encoded.split('$').collect();
        assert_eq!(parts[..2], ["pbkdf2_sha256", "1000"]);
        assert_eq!(parts.len(), 4);
        assert_eq!(parts[2].len(), 22);
        assert!(parts[2].chars().all(|c| RANDOM_STRING_CHARS.contains(c)));
        assert!(parts[3].len() == 44 && parts[3].ends_with('='));
        assert_ne!(make_password("s3cret", 1000), encoded);
        let check = |pw: &str, target: u32| check_password(pw, &encoded, target);
        assert_eq!(
            check("s3cret", 1000),
            PasswordCheck::Correct { must_update: false }
        );
        assert_eq!(
            check("s3cret", 1_500_000),
            PasswordCheck::Correct { must_update: true }
        );
        assert_eq!(check("S3cret", 1000), PasswordCheck::Wrong);
        let short = encode_pbkdf2_sha256("pw", "abcdefghijklmnopqrstu", 1000);
        let verdict = check_password("pw", &short, 1000);
        assert_eq!(verdict, PasswordCheck::Correct { must_update: true });
        for bad_salt in ["", "a$b"] {
            let encoded = encode_pbkdf2_sha256("pw", bad_salt, 10);
            let verdict = check_password("pw", &encoded, 10);
            assert_eq!(verdict, PasswordCheck::Correct { must_update: false });
        }
        assert_eq!(effective_iterations(0), DEFAULT_ITERATIONS);
    }

    #[test]
    fn make_password_at_default_iterations_is_89_chars() {
        let encoded = make_password("pw", DEFAULT_ITERATIONS);
        assert_eq!(encoded.len(), 89);
        assert!(encoded.starts_with("pbkdf2_sha256$1500000$"));
    }

    #[test]
    fn unusable_and_random_strings() {
        let unusable = make_unusable_password();
        assert_eq!(unusable.len(), 41);
        assert!(unusable.starts_with('!'));
        assert!(unusable[1..].chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(make_unusable_password(), unusable);
        assert!(!is_password_usable(&unusable) && !is_password_usable("!"));
        assert!(is_password_usable(""));
        assert_eq!(check_password("", &unusable, 1), PasswordCheck::Unusable);
        assert_eq!(check_password("", "", 1), PasswordCheck::Unusable);
        let s = random_string(1000);
        assert!(s.len() == 1000 && s.chars().all(|c| RANDOM_STRING_CHARS.contains(c)));
        assert!(random_string(0).is_empty());
    }

    #[test]
    fn malformed_inputs_do_not_panic() {
        let hash = "CzFI+UslA/kG6Ee3mx9EuXdtUGTgSIJvT+8nrZvi+4s=";
        let mut cases: Vec<String> = [
            "pbkdf2_sha256$",
            "pbkdf2_sha256$abc$salt$x",
            "pbkdf2_sha256$99999999999$s$h",
            "nonsense",
            "$$$",
            "pbkdf2_sha256$1000$seasalt",
            "pbkdf2_sha256$1000$seasalt$x",
            "pbkdf2_sha1$1000$seasalt$",
            "pbkdf2_sha256$1000$s\u{e9}l$\u{1F600}",
        ]
        .map(str::to_owned)
        .into();
        for iterations in ["0", "01000", "+1000", " 1000", "1_000", "100000001", "-1"] {
            cases.push(format!("pbkdf2_sha256${iterations}$seasalt${hash}"));
        }
        cases.push(format!("pbkdf2_sha256$1000$${hash}"));
        cases.push(format!("pbkdf2_sha256$1000$seasalt${hash}$"));
        cases.push(format!("PBKDF2_SHA256$1000$seasalt${hash}"));
        for case in &cases {
            let verdict = check_password("pässwörd", case, 1);
            assert_eq!(verdict, PasswordCheck::Malformed, "{case}");
        }
        let valid = format!("pbkdf2_sha256$1000$seasalt${hash}");
        let verdict = check_password("pässwörd", &valid, 1000);
        assert_eq!(verdict, PasswordCheck::Correct { must_update: true });
    }
}
