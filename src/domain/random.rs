//! Random strings from Django's alphabet, for salts, session keys and tokens.

use rand::Rng as _;

/// Django's `RANDOM_STRING_CHARS` alphabet used for salts and unusable passwords.
pub const RANDOM_STRING_CHARS: &str =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Returns `len` characters drawn uniformly from [`RANDOM_STRING_CHARS`] with a CSPRNG.
pub fn random_string(len: usize) -> String {
    let alphabet = RANDOM_STRING_CHARS.as_bytes();
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}
