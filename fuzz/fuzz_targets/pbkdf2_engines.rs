//! Fuzz target: Roster's SHA-NI PBKDF2 engine must agree with RustCrypto on any passwords, salts and count.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roster::auth::pbkdf2::{Engine, sha_ni_available};

fuzz_target!(|data: &[u8]| {
    if !sha_ni_available() || data.len() < 2 {
        return;
    }
    // First byte: iterations (1..=64); second: how many passwords (1..=6); the rest split into
    // alternating password and salt pieces at 0xFF bytes.
    let iterations = u32::from(data[0] % 64) + 1;
    let group = usize::from(data[1] % 6) + 1;
    let mut pieces = data[2..].split(|&b| b == 0xFF);
    let inputs: Vec<(&[u8], &[u8])> = (0..group)
        .map(|_| (pieces.next().unwrap_or(b""), pieces.next().unwrap_or(b"")))
        .collect();
    let fast = Engine::ShaNi.derive_group(&inputs, iterations);
    let reference = Engine::Portable.derive_group(&inputs, iterations);
    assert_eq!(fast, reference);
});
