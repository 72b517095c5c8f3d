//! PBKDF2-HMAC-SHA256 for one password or a group at once: AVX-512 or SHA-NI when the CPU has them, RustCrypto otherwise.
//!
//! The engine is chosen once per process from the CPU and `ROSTER_PBKDF2_ENGINE` (`portable`,
//! `sha-ni`, `avx512`, or automatic when unset), so tests cover every path the CPU can run. Groups
//! (the import) go through the chosen engine; one password (a login) always takes the fastest
//! single-password path, SHA-NI where the CPU has it. Only 32-byte outputs are derived: Django's
//! `pbkdf2_sha256` never asks for more.

#[cfg(target_arch = "x86_64")]
mod simd;
#[cfg(target_arch = "x86_64")]
use simd::{avx512, shani};

use std::sync::OnceLock;

use hmac::{Hmac, Mac as _};
use sha2::{Digest as _, Sha256};

/// Bytes in one derived key (SHA-256's digest size, the only length Django uses).
pub const OUTPUT_LEN: usize = 32;
/// Environment variable that picks the engine: `portable`, `sha-ni`, `avx512`; unset (or `auto`) is automatic.
pub const ENGINE_ENV: &str = "ROSTER_PBKDF2_ENGINE";

/// 32-bit words in a SHA-256 digest.
const WORDS: usize = 8;
/// SHA-256 block size, also HMAC's key block size.
const BLOCK_LEN: usize = 64;

/// SHA-256 round constants (FIPS 180-4, 4.2.2).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(super) const ROUND_CONSTANTS: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// SHA-256 initial hash value (FIPS 180-4, 5.3.3).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(super) const INITIAL_STATE: [u32; WORDS] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// Message bit length of every block the loop hashes: one 64-byte pad block plus a 32-byte digest.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(super) const RESUMED_BIT_LEN: u32 = (64 + 32) * 8;

/// One derived PBKDF2-HMAC-SHA256 key.
pub type DerivedKey = [u8; OUTPUT_LEN];

/// Which implementation runs the iteration loop of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// SHA-NI compressions of pre-padded blocks, up to four passwords interleaved per thread.
    ShaNi,
    /// Software SHA-256 in the sixteen 32-bit lanes of AVX-512 registers, sixteen passwords per
    /// thread; one password alone takes the SHA-NI (or portable) path.
    Avx512,
    /// RustCrypto `pbkdf2` + `sha2`, one password at a time; runs on every CPU.
    Portable,
}

/// The instructions this CPU offers the engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cpu {
    /// SHA-NI (with the SSE levels `shani.rs` uses).
    pub sha_ni: bool,
    /// AVX-512F.
    pub avx512: bool,
}

impl Cpu {
    /// What this process's CPU has.
    pub fn detect() -> Cpu {
        Cpu {
            sha_ni: sha_ni_available(),
            avx512: avx512_available(),
        }
    }
}

impl Engine {
    /// The engine this process uses, chosen on first use from the CPU and [`ENGINE_ENV`]; a setting
    /// that cannot be followed is reported once as a warning, with the engine used instead.
    pub fn active() -> Engine {
        static ACTIVE: OnceLock<Engine> = OnceLock::new();
        *ACTIVE.get_or_init(|| {
            let (engine, note) =
                Engine::choose(std::env::var(ENGINE_ENV).ok().as_deref(), Cpu::detect());
            if let Some(note) = note {
                // Chosen on first use, which can come before logging is set up: then stderr.
                if tracing::dispatcher::has_been_set() {
                    tracing::warn!("{note}");
                } else {
                    eprintln!("roster: {note}");
                }
            }
            engine
        })
    }

    /// The engine for a `ROSTER_PBKDF2_ENGINE` setting on `cpu`, and a note when the setting was
    /// unknown or names an engine this CPU cannot run (then the automatic choice is used).
    ///
    /// Automatic: AVX-512 where the CPU has it (sixteen lanes measured faster per password than
    /// four SHA-NI lanes on Intel Sapphire Rapids class and AMD Zen 4), else SHA-NI, else portable.
    pub fn choose(setting: Option<&str>, cpu: Cpu) -> (Engine, Option<String>) {
        let automatic = if cpu.avx512 {
            Engine::Avx512
        } else if cpu.sha_ni {
            Engine::ShaNi
        } else {
            Engine::Portable
        };
        let setting = setting.map(|s| s.trim().to_ascii_lowercase());
        let (wanted, runnable) = match setting.as_deref() {
            None | Some("" | "auto" | "automatic") => return (automatic, None),
            Some("portable") => return (Engine::Portable, None),
            Some("sha-ni" | "shani" | "sha_ni") => (Engine::ShaNi, cpu.sha_ni),
            Some("avx512" | "avx-512") => (Engine::Avx512, cpu.avx512),
            Some(_) => {
                let note = format!(
                    "{ENGINE_ENV} must be portable, sha-ni, avx512 or auto; using the automatic engine, {}",
                    automatic.name()
                );
                return (automatic, Some(note));
            }
        };
        if runnable {
            (wanted, None)
        } else {
            let note = format!(
                "{ENGINE_ENV}={} asks for an engine this CPU cannot run; using {} instead",
                wanted.name(),
                automatic.name()
            );
            (automatic, Some(note))
        }
    }

    /// Short name for logs, benchmarks and [`ENGINE_ENV`].
    pub fn name(self) -> &'static str {
        match self {
            Engine::ShaNi => "sha-ni",
            Engine::Avx512 => "avx512",
            Engine::Portable => "portable",
        }
    }

    /// How many passwords one thread should hand to [`Engine::derive_group`] at once.
    pub fn group_size(self) -> usize {
        match self {
            #[cfg(target_arch = "x86_64")]
            Engine::ShaNi => shani::MAX_LANES,
            #[cfg(target_arch = "x86_64")]
            Engine::Avx512 => avx512::MAX_LANES,
            _ => 1,
        }
    }

    /// PBKDF2-HMAC-SHA256 of one password (an iteration count of 0 counts as 1, like RustCrypto),
    /// on the fastest single-password path: SHA-NI where the CPU has it, whatever the group engine.
    pub fn derive(self, password: &[u8], salt: &[u8], iterations: u32) -> DerivedKey {
        let mut keys = self
            .single_password_engine()
            .derive_group(&[(password, salt)], iterations);
        keys.pop().expect("one input gives one key")
    }

    /// The engine [`Engine::derive`] hashes one password with: sixteen software lanes would spend
    /// sixteen times the work on it, so AVX-512 hands it to SHA-NI (or RustCrypto without SHA-NI).
    pub fn single_password_engine(self) -> Engine {
        match self {
            Engine::Avx512 if sha_ni_available() => Engine::ShaNi,
            Engine::Avx512 => Engine::Portable,
            other => other,
        }
    }

    /// The engine that hashes one chunk of `passwords` (at most a group): AVX-512 hands four or
    /// fewer to SHA-NI where the CPU has it, since sixteen lanes, most of them copies, take about
    /// twice as long as one SHA-NI group of four (README › Performance).
    pub fn chunk_engine(self, passwords: usize) -> Engine {
        match self {
            #[cfg(target_arch = "x86_64")]
            Engine::Avx512 if passwords <= shani::MAX_LANES && sha_ni_available() => Engine::ShaNi,
            other => other,
        }
    }

    /// PBKDF2-HMAC-SHA256 of each `(password, salt)` pair, in order, sharing one iteration count.
    pub fn derive_group(self, inputs: &[(&[u8], &[u8])], iterations: u32) -> Vec<DerivedKey> {
        match self {
            #[cfg(target_arch = "x86_64")]
            Engine::ShaNi => derive_in_chunks(inputs, iterations, shani::MAX_LANES, shani::derive),
            #[cfg(target_arch = "x86_64")]
            Engine::Avx512 => inputs
                .chunks(avx512::MAX_LANES)
                .flat_map(|chunk| match self.chunk_engine(chunk.len()) {
                    Engine::Avx512 => {
                        derive_in_chunks(chunk, iterations, avx512::MAX_LANES, avx512::derive)
                    }
                    other => other.derive_group(chunk, iterations),
                })
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

/// Runs `derive` on `inputs` in chunks of at most `lanes` passwords.
#[cfg(target_arch = "x86_64")]
fn derive_in_chunks(
    inputs: &[(&[u8], &[u8])],
    iterations: u32,
    lanes: usize,
    derive: fn(&[LaneInput], u32) -> Vec<[u32; WORDS]>,
) -> Vec<DerivedKey> {
    inputs
        .chunks(lanes)
        .flat_map(|chunk| {
            let lanes: Vec<LaneInput> = chunk.iter().map(|(p, s)| LaneInput::new(p, s)).collect();
            derive(&lanes, iterations)
        })
        .map(|words| words_to_bytes(&words))
        .collect()
}

/// True when this CPU has the SHA-NI instructions the SHA-NI engine is compiled for.
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

/// True when this CPU has the AVX-512F instructions the AVX-512 engine is compiled for.
pub fn avx512_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        avx512::available()
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
