//! PBKDF2-HMAC-SHA256 in nanoseconds per iteration per password: RustCrypto, ring and Roster's
//! engines (one password; each group engine the CPU has, one group in one thread and groups on every
//! core; the import's own hashing with the active engine), medians of interleaved rounds. Run with
//! `cargo bench`; `bench/run.sh` adds OpenSSL and the ratios. Every path is checked against
//! RustCrypto first.

use std::time::Instant;

use rayon::prelude::*;
use roster::auth::hashers::make_passwords;
use roster::auth::pbkdf2::{Engine, avx512_available, sha_ni_available};
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

/// One timed path: its printed name, how many passwords one run hashes, and the run.
struct Path<'a> {
    name: String,
    passwords: usize,
    run: Box<dyn Fn() + Sync + 'a>,
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let active = Engine::active();
    let mut group_engines = Vec::new();
    if sha_ni_available() {
        group_engines.push(Engine::ShaNi);
    }
    if avx512_available() {
        group_engines.push(Engine::Avx512);
    }
    let most = group_engines
        .iter()
        .map(|e| e.group_size())
        .max()
        .unwrap_or(1);
    let owned: Vec<Vec<u8>> = (0..cores * most * 2)
        .map(|i| format!("pw{i}").into_bytes())
        .collect();
    let inputs: Vec<(&[u8], &[u8])> = owned.iter().map(|p| (p.as_slice(), SALT)).collect();
    let import_passwords: Vec<String> = (0..cores * active.group_size() * 2)
        .map(|i| format!("pw{i}"))
        .collect();
    let import_refs: Vec<&str> = import_passwords.iter().map(String::as_str).collect();

    // Correctness before speed: each timed path must agree with RustCrypto.
    let reference = rustcrypto_hash(b"pw0", 1000);
    assert_eq!(ring_hash(b"pw0", 1000), reference, "ring disagrees");
    assert_eq!(
        active.derive(b"pw0", SALT, 1000),
        reference,
        "engine disagrees"
    );
    for engine in &group_engines {
        let keys = engine.derive_group(&inputs, 1000);
        assert!(
            keys.iter()
                .zip(&owned)
                .all(|(key, pw)| *key == rustcrypto_hash(pw, 1000)),
            "{} group disagrees",
            engine.name()
        );
    }

    let mut paths: Vec<Path> = vec![
        Path {
            name: "rustcrypto (pbkdf2+sha2), 1 password".into(),
            passwords: 1,
            run: Box::new(|| {
                std::hint::black_box(rustcrypto_hash(b"pw0", ITERATIONS));
            }),
        },
        Path {
            name: "ring, 1 password".into(),
            passwords: 1,
            run: Box::new(|| {
                std::hint::black_box(ring_hash(b"pw0", ITERATIONS));
            }),
        },
        Path {
            name: "roster engine, 1 password".into(),
            passwords: 1,
            run: Box::new(move || {
                std::hint::black_box(active.derive(b"pw0", SALT, ITERATIONS));
            }),
        },
    ];
    for &engine in &group_engines {
        let group = engine.group_size();
        let one_group = &inputs[..group];
        paths.push(Path {
            name: format!("roster {}, {group} passwords in one thread", engine.name()),
            passwords: group,
            run: Box::new(move || {
                std::hint::black_box(engine.derive_group(one_group, ITERATIONS));
            }),
        });
        let on_every_core = &inputs[..cores * group * 2];
        paths.push(Path {
            name: format!("roster {}, {cores} cores (effective)", engine.name()),
            passwords: on_every_core.len(),
            run: Box::new(move || {
                let keys: Vec<_> = on_every_core
                    .par_chunks(group)
                    .flat_map_iter(|chunk| engine.derive_group(chunk, ITERATIONS))
                    .collect();
                std::hint::black_box(keys);
            }),
        });
    }
    paths.push(Path {
        name: format!(
            "roster import hashing (make_passwords, {} groups of {}), {cores} cores (effective)",
            active.name(),
            active.group_size()
        ),
        passwords: import_refs.len(),
        run: Box::new(|| {
            std::hint::black_box(make_passwords(&import_refs, ITERATIONS));
        }),
    });

    let mut samples = vec![Vec::new(); paths.len()];
    for _ in 0..ROUNDS {
        for (path, times) in paths.iter().zip(&mut samples) {
            times.push(ns_per_iteration(path.passwords, &path.run));
        }
    }
    println!(
        "pbkdf2_sha256, ns/iteration per password, median of {ROUNDS} interleaved rounds at {ITERATIONS} iterations; engine {}, {cores} cores",
        active.name()
    );
    for (path, times) in paths.iter().zip(samples) {
        println!("{}: {:.1}", path.name, median(times));
    }
}
