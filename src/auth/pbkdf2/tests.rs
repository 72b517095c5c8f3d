//! The engines against published vectors, Django's vectors and each other.
//! (Just over 400 lines: the vectors and the differential tests of all three engines stay in one file.)

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::SeedableRng as _;

use super::*;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every engine this CPU can run; the portable one always.
fn runnable_engines() -> Vec<Engine> {
    let mut engines = vec![Engine::Portable];
    engines.extend(fast_engines());
    engines
}

/// The engines with their own iteration loop that this CPU can run.
fn fast_engines() -> Vec<Engine> {
    let mut engines = Vec::new();
    if sha_ni_available() {
        engines.push(Engine::ShaNi);
    }
    if avx512_available() {
        engines.push(Engine::Avx512);
    }
    engines
}

#[test]
fn published_pbkdf2_hmac_sha256_vectors() {
    // RFC 7914 section 11 and the widely used RFC 6070-style SHA-256 vectors.
    let cases: [(&[u8], &[u8], u32, &str); 4] = [
        (
            b"password",
            b"salt",
            1,
            "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b",
        ),
        (
            b"password",
            b"salt",
            2,
            "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43",
        ),
        (
            b"password",
            b"salt",
            4096,
            "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a",
        ),
        (
            b"passwordPASSWORDpassword",
            b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
            4096,
            "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1",
        ),
    ];
    for engine in runnable_engines() {
        for (password, salt, iterations, expected) in cases {
            // One password alone (a login's path) and as a group (the import's path).
            let key = engine.derive(password, salt, iterations);
            assert_eq!(hex(&key), expected, "{} at {iterations}", engine.name());
            let grouped = engine.derive_group(&[(password, salt), (b"x", b"y")], iterations);
            assert_eq!(hex(&grouped[0]), expected, "{} group", engine.name());
        }
    }
}

#[test]
fn django_vectors_below_one_hundred_thousand_iterations_on_every_engine() {
    let all: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/fixtures/django/vectors.json"))
            .expect("vectors.json parses");
    let mut checked = 0;
    for engine in runnable_engines() {
        for v in all["pbkdf2_sha256"].as_array().expect("array") {
            let iterations = u32::try_from(v["iterations"].as_u64().expect("n")).expect("u32");
            if iterations >= 100_000 {
                continue;
            }
            let password = STANDARD
                .decode(v["password_utf8_b64"].as_str().expect("b64"))
                .expect("base64");
            let salt = v["salt"].as_str().expect("salt");
            let encoded = v["encoded"].as_str().expect("encoded");
            let key = engine.derive(&password, salt.as_bytes(), iterations);
            let grouped = engine.derive_group(&[(&password, salt.as_bytes())], iterations);
            let expected = encoded.rsplit('$').next().expect("hash field");
            for key in [key, grouped[0]] {
                assert_eq!(
                    STANDARD.encode(key),
                    expected,
                    "{}: {encoded}",
                    engine.name()
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= runnable_engines().len(), "no vector was checked");
}

/// Random bytes of a length drawn to hit the edges: empty, around one block, and well past it.
fn edge_bytes(rng: &mut impl rand::Rng) -> Vec<u8> {
    let len = match rng.random_range(0..6) {
        0 => 0,
        1 => rng.random_range(60..70),
        2 => rng.random_range(100..300),
        _ => rng.random_range(1..40),
    };
    if rng.random_bool(0.3) {
        // Non-ASCII UTF-8 the way Django encodes passwords.
        "pässwörd✓€🎉"
            .chars()
            .cycle()
            .take(len)
            .collect::<String>()
            .into_bytes()
    } else {
        (0..len).map(|_| rng.random()).collect()
    }
}

/// An iteration count drawn to hit the edges: 0 (counts as 1), 1, 2, small odd and even, and long.
fn edge_iterations(rng: &mut impl rand::Rng) -> u32 {
    match rng.random_range(0..20) {
        0 => 0,
        1..=3 => 1,
        4..=6 => 2,
        7 => rng.random_range(1000..3000),
        _ => rng.random_range(3..40),
    }
}

/// `engine` against RustCrypto on thousands of random inputs, in groups of 1 to `most` passwords
/// (every size in turn).
fn matches_rustcrypto_on_random_inputs(engine: Engine, seed: u64, most: usize) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut compared = 0;
    let mut counts = std::collections::BTreeSet::new();
    for group in (1..=most).cycle() {
        if compared >= 4000 {
            break;
        }
        let iterations = edge_iterations(&mut rng);
        let owned: Vec<(Vec<u8>, Vec<u8>)> = (0..group)
            .map(|_| (edge_bytes(&mut rng), edge_bytes(&mut rng)))
            .collect();
        let inputs: Vec<(&[u8], &[u8])> = owned
            .iter()
            .map(|(p, s)| (p.as_slice(), s.as_slice()))
            .collect();
        let fast = engine.derive_group(&inputs, iterations);
        let reference = Engine::Portable.derive_group(&inputs, iterations);
        assert_eq!(
            fast,
            reference,
            "{}: group of {group} at {iterations} iterations",
            engine.name()
        );
        compared += group;
        counts.insert(iterations.min(3));
    }
    assert_eq!(counts.len(), 4, "0, 1, 2 and more iterations were tried");
}

#[test]
fn fast_engines_match_rustcrypto_on_thousands_of_random_inputs() {
    if !sha_ni_available() {
        eprintln!("this CPU has no SHA-NI: the SHA-NI engine is not run here");
    }
    if !avx512_available() {
        eprintln!("this CPU has no AVX-512F: the AVX-512 engine is not run here");
    }
    for engine in fast_engines() {
        // Up to two full groups and one more: partial groups (the unused lanes filled with
        // copies), full ones and several in one call; 1 to 9 for SHA-NI, 1 to 33 for AVX-512.
        let most = 2 * engine.group_size() + 1;
        matches_rustcrypto_on_random_inputs(engine, 0x5eed_1600 + most as u64, most);
    }
}

#[test]
fn avx512_lanes_alone_match_rustcrypto_for_every_group_size() {
    // The engine hands chunks of four or fewer to SHA-NI; here the AVX-512 loop itself runs 1 to 16
    // passwords (the rest of its lanes filled with copies).
    if !avx512_available() {
        eprintln!("this CPU has no AVX-512F: the AVX-512 engine is not run here");
        return;
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed_0016);
    for size in 1..=avx512::MAX_LANES {
        for iterations in [1, 2, 3, 10] {
            let owned: Vec<(Vec<u8>, Vec<u8>)> = (0..size)
                .map(|_| (edge_bytes(&mut rng), edge_bytes(&mut rng)))
                .collect();
            let lanes: Vec<LaneInput> = owned.iter().map(|(p, s)| LaneInput::new(p, s)).collect();
            let keys: Vec<DerivedKey> = avx512::derive(&lanes, iterations)
                .iter()
                .map(words_to_bytes)
                .collect();
            let reference: Vec<DerivedKey> = owned
                .iter()
                .map(|(p, s)| Engine::Portable.derive(p, s, iterations))
                .collect();
            assert_eq!(
                keys, reference,
                "{size} passwords at {iterations} iterations"
            );
        }
    }
}

#[test]
fn avx512_hands_four_or_fewer_passwords_to_sha_ni() {
    let few = if sha_ni_available() {
        Engine::ShaNi
    } else {
        Engine::Avx512
    };
    for passwords in 1..=4 {
        assert_eq!(Engine::Avx512.chunk_engine(passwords), few, "{passwords}");
    }
    for passwords in 5..=16 {
        assert_eq!(Engine::Avx512.chunk_engine(passwords), Engine::Avx512);
    }
    assert_eq!(Engine::ShaNi.chunk_engine(1), Engine::ShaNi);
    assert_eq!(Engine::Portable.chunk_engine(16), Engine::Portable);
}

#[test]
fn lanes_filled_with_copies_do_not_leak_into_the_keys() {
    // One password alone, then the same password beside fifteen others: the same key both times.
    let others: Vec<Vec<u8>> = (0..15).map(|i| format!("other-{i}").into_bytes()).collect();
    for engine in fast_engines() {
        let alone = engine.derive_group(&[(b"lonely", b"salt")], 77);
        let mut crowd: Vec<(&[u8], &[u8])> = vec![(b"lonely", b"salt")];
        crowd.extend(others.iter().map(|p| (p.as_slice(), b"salt".as_slice())));
        let crowded = engine.derive_group(&crowd, 77);
        assert_eq!(alone[0], crowded[0], "{}", engine.name());
        assert_eq!(alone[0], Engine::Portable.derive(b"lonely", b"salt", 77));
        assert_eq!(crowded.len(), 16);
    }
}

const fn cpu(sha_ni: bool, avx512: bool) -> Cpu {
    Cpu { sha_ni, avx512 }
}
const BOTH: Cpu = cpu(true, true);
const SHA_NI_ONLY: Cpu = cpu(true, false);
const AVX512_ONLY: Cpu = cpu(false, true);
const NEITHER: Cpu = cpu(false, false);

#[test]
fn engine_choice_follows_cpu_and_environment() {
    let chosen = |setting, cpu| Engine::choose(setting, cpu).0;
    // Automatic: AVX-512 for groups where the CPU has it, then SHA-NI, then RustCrypto.
    for setting in [None, Some(""), Some("auto"), Some(" Automatic ")] {
        assert_eq!(chosen(setting, BOTH), Engine::Avx512);
        assert_eq!(chosen(setting, AVX512_ONLY), Engine::Avx512);
        assert_eq!(chosen(setting, SHA_NI_ONLY), Engine::ShaNi);
        assert_eq!(chosen(setting, NEITHER), Engine::Portable);
        assert_eq!(Engine::choose(setting, BOTH).1, None);
    }
    // Forced engines the CPU can run, with no note.
    for cpu in [BOTH, SHA_NI_ONLY, AVX512_ONLY, NEITHER] {
        assert_eq!(
            Engine::choose(Some("portable"), cpu),
            (Engine::Portable, None)
        );
        assert_eq!(chosen(Some(" Portable "), cpu), Engine::Portable);
    }
    assert_eq!(Engine::choose(Some("sha-ni"), BOTH), (Engine::ShaNi, None));
    assert_eq!(
        Engine::choose(Some("SHA-NI"), SHA_NI_ONLY),
        (Engine::ShaNi, None)
    );
    assert_eq!(Engine::choose(Some("avx512"), BOTH), (Engine::Avx512, None));
    assert_eq!(
        Engine::choose(Some("AVX-512"), AVX512_ONLY),
        (Engine::Avx512, None)
    );
    // Forced engines the CPU lacks fall back to the automatic choice, and say so.
    let (engine, note) = Engine::choose(Some("avx512"), SHA_NI_ONLY);
    assert_eq!(engine, Engine::ShaNi);
    let note = note.expect("a fallback is reported");
    assert!(
        note.contains("ROSTER_PBKDF2_ENGINE=avx512") && note.contains("using sha-ni"),
        "{note}"
    );
    let (engine, note) = Engine::choose(Some("sha-ni"), NEITHER);
    assert_eq!(engine, Engine::Portable);
    assert!(note.expect("reported").contains("using portable"));
    let (engine, note) = Engine::choose(Some("sha-ni"), AVX512_ONLY);
    assert_eq!(engine, Engine::Avx512);
    assert!(note.is_some());
    // An unknown value is automatic, and says so.
    let (engine, note) = Engine::choose(Some("fastest"), BOTH);
    assert_eq!(engine, Engine::Avx512);
    assert!(
        note.expect("reported")
            .contains("must be portable, sha-ni, avx512 or auto")
    );
}

#[test]
fn group_sizes_and_single_password_paths() {
    assert_eq!(Engine::Portable.group_size(), 1);
    assert_eq!(Engine::ShaNi.group_size(), 4);
    assert_eq!(Engine::Avx512.group_size(), 16);
    // A login never runs sixteen software lanes for one password.
    let single = Engine::Avx512.single_password_engine();
    if sha_ni_available() {
        assert_eq!(single, Engine::ShaNi);
    } else {
        assert_eq!(single, Engine::Portable);
    }
    assert_eq!(Engine::ShaNi.single_password_engine(), Engine::ShaNi);
    assert_eq!(Engine::Portable.single_password_engine(), Engine::Portable);
}

/// Marks the child processes [`every_engine_setting_is_followed_by_a_fresh_process`] starts.
const CHILD_ENV: &str = "ROSTER_PBKDF2_TEST_CHILD";
/// What the child prints about the engine its process chose.
const ACTIVE_LINE: &str = "active pbkdf2 engine: ";

#[test]
fn active_engine_follows_this_process_setting() {
    let setting = std::env::var(ENGINE_ENV).ok();
    let (expected, _) = Engine::choose(setting.as_deref(), Cpu::detect());
    let active = Engine::active();
    assert_eq!(active, expected, "{ENGINE_ENV}={setting:?}");
    // The active engine hashes a group one larger than its own, and one password, correctly.
    let owned: Vec<Vec<u8>> = (0..=active.group_size())
        .map(|i| format!("pw-{i}-ü").into_bytes())
        .collect();
    let inputs: Vec<(&[u8], &[u8])> = owned
        .iter()
        .map(|p| (p.as_slice(), b"NaCl".as_slice()))
        .collect();
    assert_eq!(
        active.derive_group(&inputs, 3),
        Engine::Portable.derive_group(&inputs, 3)
    );
    assert_eq!(
        active.derive(b"pw", b"NaCl", 3),
        Engine::Portable.derive(b"pw", b"NaCl", 3)
    );
    if std::env::var_os(CHILD_ENV).is_some() {
        println!("{ACTIVE_LINE}{}", active.name());
    }
}

#[test]
fn every_engine_setting_is_followed_by_a_fresh_process() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let cpu = Cpu::detect();
    let automatic = Engine::choose(None, cpu).0;
    let exe = std::env::current_exe().expect("the test binary's path");
    for setting in ["portable", "sha-ni", "avx512", "auto", "no-such-engine"] {
        let (expected, note) = Engine::choose(Some(setting), cpu);
        let output = std::process::Command::new(&exe)
            .args([
                "--exact",
                "auth::pbkdf2::tests::active_engine_follows_this_process_setting",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(ENGINE_ENV, setting)
            .env(CHILD_ENV, "1")
            .output()
            .expect("the test binary runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{setting}: {stdout}{stderr}");
        assert!(
            stdout.contains(&format!("{ACTIVE_LINE}{}\n", expected.name())),
            "{setting}: expected {}: {stdout}",
            expected.name()
        );
        // A setting this CPU cannot follow says so on stderr; one it can follow says nothing.
        match note {
            Some(note) => {
                assert!(stderr.contains(&note), "{setting}: {stderr}");
                assert_eq!(expected, automatic);
            }
            None => assert!(!stderr.contains(ENGINE_ENV), "{setting}: {stderr}"),
        }
    }
}

#[test]
fn empty_group_gives_no_keys() {
    for engine in runnable_engines() {
        assert!(engine.derive_group(&[], 10).is_empty());
    }
}
