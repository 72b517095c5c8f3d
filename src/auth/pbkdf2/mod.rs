//! PBKDF2-HMAC-SHA256 for one password or a group at once: SHA-NI when the CPU has it, RustCrypto otherwise.
//!
//! The engine is chosen once per process from the CPU and `ROSTER_PBKDF2_ENGINE` (`portable` forces
//! RustCrypto, so tests cover CPUs without SHA-NI). Only 32-byte outputs are derived: Django's
//! `pbkdf2_sha256` never asks for more.

#[cfg(target_arch = "x86_64")]
mod shani;

use std::sync::OnceLock;

use hmac::{Hmac, Mac as _};
use sha2::{Digest as _, Sha256};

/// Bytes in one derived key (SHA-256's digest size, the only length Django uses).
pub const OUTPUT_LEN: usize = 32;
/// Environment variable that picks the engine: `portable` forces RustCrypto, anything else is automatic.
pub const ENGINE_ENV: &str = "ROSTER_PBKDF2_ENGINE";

/// 32-bit words in a SHA-256 digest.
const WORDS: usize = 8;
/// SHA-256 block size, also HMAC's key block size.
const BLOCK_LEN: usize = 64;

/// One derived PBKDF2-HMAC-SHA256 key.
pub type DerivedKey = [u8; OUTPUT_LEN];

/// Which implementation runs the iteration loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// SHA-NI compressions of pre-padded blocks, several passwords interleaved per thread.
    ShaNi,
    /// RustCrypto `pbkdf2` + `sha2`, one password at a time; runs on every CPU.
    Portable,
}

impl Engine {
    /// The engine this process uses, chosen on first use from the CPU and [`ENGINE_ENV`].
    pub fn active() -> Engine {
        static ACTIVE: OnceLock<Engine> = OnceLock::new();
        *ACTIVE.get_or_init(|| {
            Engine::choose(
                std::env::var(ENGINE_ENV).ok().as_deref(),
                sha_ni_available(),
            )
        })
    }

    /// The engine for a given `ROSTER_PBKDF2_ENGINE` setting on a CPU with or without SHA-NI.
    pub fn choose(setting: Option<&str>, sha_ni: bool) -> Engine {
        let forced_portable = setting.is_some_and(|s| s.trim().eq_ignore_ascii_case("portable"));
        if sha_ni && !forced_portable {
            Engine::ShaNi
        } else {
            Engine::Portable
        }
    }

    /// Short name for logs and benchmarks.
    pub fn name(self) -> &'static str {
        match self {
            Engine::ShaNi => "sha-ni",
            Engine::Portable => "portable",
        }
    }

    /// How many passwords one thread should hand to [`Engine::derive_group`] at once.
    pub fn group_size(self) -> usize {
        match self {
            #[cfg(target_arch = "x86_64")]
            Engine::ShaNi => shani::MAX_LANES,
            #[cfg(not(target_arch = "x86_64"))]
            Engine::ShaNi => 1,
            Engine::Portable => 1,
        }
    }

    /// PBKDF2-HMAC-SHA256 of one password (an iteration count of 0 counts as 1, like RustCrypto).
    pub fn derive(self, password: &[u8], salt: &[u8], iterations: u32) -> DerivedKey {
        let mut keys = self.derive_group(&[(password, salt)], iterations);
        keys.pop().expect("one input gives one key")
    }

    /// PBKDF2-HMAC-SHA256 of each `(password, salt)` pair, in order, sharing one iteration count.
    pub fn derive_group(self, inputs: &[(&[u8], &[u8])], iterations: u32) -> Vec<DerivedKey> {
        match self {
            #[cfg(target_arch = "x86_64")]
            Engine::ShaNi => inputs
                .chunks(shani::MAX_LANES)
                .flat_map(|chunk| {
                    let lanes: Vec<LaneInput> =
                        chunk.iter().map(|(p, s)| LaneInput::new(p, s)).collect();
                    shani::derive(&lanes, iterations)
                })
                .map(|words| words_to_bytes(&words))
                .collect(),
            _ => inputs
                .iter()
                .map(|(password, salt)| {
                    ::pbkdf2::pbkdf2_hmac_array::<Sha256, OUTPUT_LEN>(password, salt, iterations)
                })
                .collect(),
        }
    }
}

/// True when this CPU has the SHA-NI instructions the fast engine is compiled for.
pub fn sha_ni_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        shani::available()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// What the iteration loop needs for one password: both HMAC pad blocks and U1, as big-endian words.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
struct LaneInput {
    /// `key ^ 0x36…`, the first block of every inner hash.
    inner_pad: [u32; 16],
    /// `key ^ 0x5c…`, the first block of every outer hash.
    outer_pad: [u32; 16],
    /// `U1 = HMAC(password, salt || 1)`.
    first_u: [u32; WORDS],
}

#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
impl LaneInput {
    fn new(password: &[u8], salt: &[u8]) -> LaneInput {
        let mut key = [0u8; BLOCK_LEN];
        if password.len() > BLOCK_LEN {
            key[..OUTPUT_LEN].copy_from_slice(&Sha256::digest(password));
        } else {
            key[..password.len()].copy_from_slice(password);
        }
        let mut mac = Hmac::<Sha256>::new_from_slice(password).expect("HMAC takes any key length");
        mac.update(salt);
        mac.update(&1u32.to_be_bytes());
        LaneInput {
            inner_pad: pad_words(&key, 0x36),
            outer_pad: pad_words(&key, 0x5c),
            first_u: be_words(&mac.finalize().into_bytes()),
        }
    }
}

fn pad_words(key: &[u8; BLOCK_LEN], pad: u8) -> [u32; 16] {
    let padded: Vec<u8> = key.iter().map(|byte| byte ^ pad).collect();
    be_words(&padded)
}

fn be_words<const N: usize>(bytes: &[u8]) -> [u32; N] {
    let mut words = [0u32; N];
    for (word, chunk) in words.iter_mut().zip(bytes.chunks_exact(4)) {
        *word = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
    words
}

#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
fn words_to_bytes(words: &[u32; WORDS]) -> DerivedKey {
    let mut out = [0u8; OUTPUT_LEN];
    for (chunk, word) in out.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests;
