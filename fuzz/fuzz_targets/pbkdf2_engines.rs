//! Fuzz target: Roster's SHA-NI and AVX-512 PBKDF2 engines must agree with RustCrypto on any passwords, salts and count.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roster::auth::pbkdf2::{Engine, avx512_available, sha_ni_available};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    // First byte: iterations (1..=64); second: how many passwords (1..=20, so AVX-512 sees full,
    // partial and more than one group of 16); the rest split into alternating password and salt
    // pieces at 0xFF bytes.
    let iterations = u32::from(data[0] % 64) + 1;
    let group = usize::from(data[1] % 20) + 1;
    let mut pieces = data[2..].split(|&b| b == 0xFF);
    let inputs: Vec<(&[u8], &[u8])> = (0..group)
        .map(|_| (pieces.next().unwrap_or(b""), pieces.next().unwrap_or(b"")))
        .collect();
    let reference = Engine::Portable.derive_group(&inputs, iterations);
    if sha_ni_available() {
        assert_eq!(Engine::ShaNi.derive_group(&inputs, iterations), reference);
    }
    if avx512_available() {
        assert_eq!(Engine::Avx512.derive_group(&inputs, iterations), reference);
    }
});
