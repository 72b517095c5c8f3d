//! The engines against published vectors, Django's vectors and each other.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::{Rng as _, SeedableRng as _};

use super::*;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every engine this CPU can run; the portable one always.
fn runnable_engines() -> Vec<Engine> {
    let mut engines = vec![Engine::Portable];
    if sha_ni_available() {
        engines.push(Engine::ShaNi);
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
            let key = engine.derive(password, salt, iterations);
            assert_eq!(hex(&key), expected, "{} at {iterations}", engine.name());
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
            let expected = encoded.rsplit('$').next().expect("hash field");
            assert_eq!(
                STANDARD.encode(key),
                expected,
                "{}: {encoded}",
                engine.name()
            );
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

#[test]
fn sha_ni_matches_rustcrypto_on_thousands_of_random_inputs() {
    if !sha_ni_available() {
        eprintln!("this CPU has no SHA-NI: only the portable engine runs here");
        assert_eq!(Engine::choose(None, false), Engine::Portable);
        return;
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed_1600);
    let mut compared = 0;
    while compared < 4000 {
        let group = rng.random_range(1..=9);
        let iterations = if rng.random_bool(0.05) {
            rng.random_range(1000..3000)
        } else {
            rng.random_range(1..40)
        };
        let owned: Vec<(Vec<u8>, Vec<u8>)> = (0..group)
            .map(|_| (edge_bytes(&mut rng), edge_bytes(&mut rng)))
            .collect();
        let inputs: Vec<(&[u8], &[u8])> = owned
            .iter()
            .map(|(p, s)| (p.as_slice(), s.as_slice()))
            .collect();
        let fast = Engine::ShaNi.derive_group(&inputs, iterations);
        let reference = Engine::Portable.derive_group(&inputs, iterations);
        assert_eq!(
            fast, reference,
            "group of {group} at {iterations} iterations"
        );
        compared += group;
    }
}

#[test]
fn engine_choice_follows_cpu_and_environment() {
    assert_eq!(Engine::choose(None, true), Engine::ShaNi);
    assert_eq!(Engine::choose(Some("portable"), true), Engine::Portable);
    assert_eq!(Engine::choose(Some(" Portable "), true), Engine::Portable);
    assert_eq!(Engine::choose(Some("auto"), true), Engine::ShaNi);
    assert_eq!(Engine::choose(None, false), Engine::Portable);
    assert_eq!(Engine::choose(Some("sha-ni"), false), Engine::Portable);
    assert_eq!(Engine::Portable.group_size(), 1);
    let forced = std::env::var(ENGINE_ENV).is_ok_and(|v| v == "portable");
    if forced {
        assert_eq!(Engine::active(), Engine::Portable);
    }
}

#[test]
fn empty_group_gives_no_keys() {
    for engine in runnable_engines() {
        assert!(engine.derive_group(&[], 10).is_empty());
    }
}
