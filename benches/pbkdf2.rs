//! PBKDF2-SHA256 at Django's 1,500,000 iterations: Roster's hasher (RustCrypto pbkdf2 + sha2) against
//! ring, per hash on one core and hashes per second on every core. Run with `cargo bench`.

use std::time::{Duration, Instant};

use rayon::prelude::*;
use roster::auth::hashers::{DEFAULT_ITERATIONS, encode_pbkdf2_sha256};

const RUNS: usize = 5;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ring_hash(password: &str, salt: &str, iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        std::num::NonZeroU32::new(iterations).expect("iterations > 0"),
        salt.as_bytes(),
        password.as_bytes(),
        &mut out,
    );
    out
}

fn time_one(f: &dyn Fn()) -> Duration {
    median(
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let salt = "abcdefghijklmnopqrstuv";
    let roster = time_one(&|| {
        std::hint::black_box(encode_pbkdf2_sha256(
            "correct horse",
            salt,
            DEFAULT_ITERATIONS,
        ));
    });
    let ring = time_one(&|| {
        std::hint::black_box(ring_hash("correct horse", salt, DEFAULT_ITERATIONS));
    });
    let batch = cores * 4;
    let start = Instant::now();
    (0..batch).into_par_iter().for_each(|i| {
        std::hint::black_box(encode_pbkdf2_sha256(
            &format!("pw{i}"),
            salt,
            DEFAULT_ITERATIONS,
        ));
    });
    let parallel = start.elapsed();
    println!("pbkdf2_sha256 at {DEFAULT_ITERATIONS} iterations, median of {RUNS}, {cores} cores");
    println!(
        "roster (pbkdf2+sha2), one hash:   {:.3} s",
        roster.as_secs_f64()
    );
    println!(
        "ring, one hash:                   {:.3} s",
        ring.as_secs_f64()
    );
    println!(
        "roster on all cores:              {:.2} hashes/s ({batch} hashes in {:.2} s)",
        batch as f64 / parallel.as_secs_f64(),
        parallel.as_secs_f64()
    );
}
