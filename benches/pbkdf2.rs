//! PBKDF2-HMAC-SHA256 in nanoseconds per iteration per password: RustCrypto, ring and Roster's engine
//! (one password, one engine group, every core), medians of interleaved rounds. Run with `cargo bench`;
//! `bench/run.sh` adds OpenSSL and the ratios. Every implementation is checked against RustCrypto first.

use std::time::Instant;

use roster::auth::hashers::make_passwords;
use roster::auth::pbkdf2::Engine;
use sha2::Sha256;

/// Interleaved rounds per measurement; the median is printed.
const ROUNDS: usize = 7;
/// Iterations per timed hash: long enough to dwarf set-up, short enough for seven rounds.
const ITERATIONS: u32 = 300_000;
const SALT: &[u8] = b"abcdefghijklmnopqrstuv";

fn ring_hash(password: &[u8], iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        std::num::NonZeroU32::new(iterations).expect("iterations > 0"),
        SALT,
        password,
        &mut out,
    );
    out
}

fn rustcrypto_hash(password: &[u8], iterations: u32) -> [u8; 32] {
    pbkdf2::pbkdf2_hmac_array::<Sha256, 32>(password, SALT, iterations)
}

/// Nanoseconds per iteration per password of `run`, which hashes `passwords` passwords once.
fn ns_per_iteration(passwords: usize, run: &dyn Fn()) -> f64 {
    let start = Instant::now();
    run();
    start.elapsed().as_nanos() as f64 / (f64::from(ITERATIONS) * passwords as f64)
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let engine = Engine::active();
    let group = engine.group_size();
    let group_passwords: Vec<Vec<u8>> = (0..group).map(|i| format!("pw{i}").into_bytes()).collect();
    let group_inputs: Vec<(&[u8], &[u8])> = group_passwords
        .iter()
        .map(|p| (p.as_slice(), SALT))
        .collect();
    let all_core_passwords: Vec<String> =
        (0..cores * group * 2).map(|i| format!("pw{i}")).collect();
    let all_core_refs: Vec<&str> = all_core_passwords.iter().map(String::as_str).collect();

    // Correctness before speed: each timed path must agree with RustCrypto.
    let reference = rustcrypto_hash(b"pw0", 1000);
    assert_eq!(ring_hash(b"pw0", 1000), reference, "ring disagrees");
    assert_eq!(
        engine.derive(b"pw0", SALT, 1000),
        reference,
        "engine disagrees"
    );
    let grouped = engine.derive_group(&group_inputs, 1000);
    assert!(
        grouped
            .iter()
            .zip(&group_passwords)
            .all(|(key, pw)| *key == rustcrypto_hash(pw, 1000)),
        "engine group disagrees"
    );

    let mut samples: [Vec<f64>; 5] = Default::default();
    for _ in 0..ROUNDS {
        samples[0].push(ns_per_iteration(1, &|| {
            std::hint::black_box(rustcrypto_hash(b"pw0", ITERATIONS));
        }));
        samples[1].push(ns_per_iteration(1, &|| {
            std::hint::black_box(ring_hash(b"pw0", ITERATIONS));
        }));
        samples[2].push(ns_per_iteration(1, &|| {
            std::hint::black_box(engine.derive(b"pw0", SALT, ITERATIONS));
        }));
        samples[3].push(ns_per_iteration(group, &|| {
            std::hint::black_box(engine.derive_group(&group_inputs, ITERATIONS));
        }));
        samples[4].push(ns_per_iteration(all_core_refs.len(), &|| {
            std::hint::black_box(make_passwords(&all_core_refs, ITERATIONS));
        }));
    }
    let [rustcrypto, ring, one, grouped, all_cores] = samples.map(median);
    println!(
        "pbkdf2_sha256, ns/iteration per password, median of {ROUNDS} interleaved rounds at {ITERATIONS} iterations; engine {}, {cores} cores",
        engine.name()
    );
    println!("rustcrypto (pbkdf2+sha2), 1 password: {rustcrypto:.1}");
    println!("ring, 1 password: {ring:.1}");
    println!("roster engine, 1 password: {one:.1}");
    println!("roster engine, {group} passwords in one thread: {grouped:.1}");
    println!("roster engine, {cores} cores (effective): {all_cores:.1}");
}
