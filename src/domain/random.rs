//! Random strings from Django's alphabet, for salts, session keys and tokens.

use rand::RngCore as _;

/// Django's `RANDOM_STRING_CHARS` alphabet used for salts and unusable passwords.
pub const RANDOM_STRING_CHARS: &str =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Random bytes below this are used (`byte % 62`); the others are drawn again, so every character
/// is equally likely (256 is not a multiple of 62: without the rejection the first 8 characters
/// would come up a quarter more often).
const ACCEPTED_BELOW: u8 = (256 / RANDOM_STRING_CHARS.len() * RANDOM_STRING_CHARS.len()) as u8;

/// Returns `len` characters drawn uniformly from [`RANDOM_STRING_CHARS`] with a CSPRNG.
///
/// The bytes come from the generator 64 at a time (an import makes one 40-character string per
/// user without a password; drawing each character on its own cost about a tenth of such a row).
pub fn random_string(len: usize) -> String {
    let alphabet = RANDOM_STRING_CHARS.as_bytes();
    let mut rng = rand::rng();
    let mut out = String::with_capacity(len);
    let mut bytes = [0u8; 64];
    while out.len() < len {
        rng.fill_bytes(&mut bytes);
        for &byte in bytes.iter().filter(|&&b| b < ACCEPTED_BELOW) {
            if out.len() == len {
                break;
            }
            out.push(char::from(alphabet[usize::from(byte) % alphabet.len()]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_is_about_equally_likely() {
        let mut counts = [0usize; 62];
        let draws = 62 * 4000;
        for c in random_string(draws).bytes() {
            counts[RANDOM_STRING_CHARS.bytes().position(|a| a == c).unwrap()] += 1;
        }
        // 4,000 expected each (standard deviation about 63); a modulo bias would give the first
        // eight characters about 5,000.
        for (index, &count) in counts.iter().enumerate() {
            assert!((3600..=4400).contains(&count), "character {index}: {count}");
        }
        assert_eq!(ACCEPTED_BELOW, 248);
    }

    #[test]
    fn lengths_across_refills_are_exact() {
        for len in [0, 1, 40, 63, 64, 65, 200] {
            assert_eq!(random_string(len).len(), len);
        }
    }
}
