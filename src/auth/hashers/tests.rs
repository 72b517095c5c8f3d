//! Tests of the Django hashers against vectors real Django made.

use super::*;
use serde_json::Value;

fn vectors(key: &str) -> Vec<Value> {
    let all: Value =
        serde_json::from_str(include_str!("../../../tests/fixtures/django/vectors.json"))
            .expect("vectors.json parses");
    all[key].as_array().expect("array").clone()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} missing"))
}

/// Encodes, checks and mis-checks every pbkdf2_sha256 vector whose iterations pass `pick`.
fn check_vectors(pick: impl Fn(u32) -> bool) {
    let list = vectors("pbkdf2_sha256");
    assert_eq!(list.len(), 20);
    for v in list {
        let iterations = u32::try_from(v["iterations"].as_u64().expect("n")).expect("u32");
        if !pick(iterations) {
            continue;
        }
        // Passwords include NUL/CR, so prefer the exact UTF-8 bytes.
        let bytes = STANDARD.decode(text(&v, "password_utf8_b64")).expect("b64");
        let password = String::from_utf8(bytes).expect("utf8");
        let (encoded, note) = (text(&v, "encoded"), text(&v, "note"));
        let salt = text(&v, "salt");
        assert_eq!(
            encode_pbkdf2_sha256(&password, salt, iterations),
            encoded,
            "{note}"
        );
        // Django 6.1 would rewrite the older Django defaults; Roster keeps them (no ping-pong).
        let must_update = v["must_update_newest"].as_bool().expect("bool")
            && !is_a_django_default(iterations, DEFAULT_ITERATIONS);
        let right = check_password(&password, encoded, DEFAULT_ITERATIONS);
        assert_eq!(right, PasswordCheck::Correct { must_update }, "{note}");
        let wrong = check_password(&format!("{password}x"), encoded, iterations);
        assert_eq!(wrong, PasswordCheck::Wrong, "{note}");
    }
}

#[test]
fn pbkdf2_sha256_vectors_below_one_million() {
    check_vectors(|n| n < 1_000_000);
}

#[test]
fn pbkdf2_sha256_vectors_from_one_million() {
    check_vectors(|n| n >= 1_000_000);
}

#[test]
fn other_hashers_and_legacy_names() {
    let list = vectors("other_hashers");
    assert_eq!(list.len(), 7);
    for v in &list {
        let encoded = text(v, "encoded");
        let verdict = check_password(v["password"].as_str().unwrap_or(""), encoded, 1);
        match text(v, "algorithm") {
            "unusable" => assert_eq!(verdict, PasswordCheck::Unusable),
            algorithm => {
                let must_update = algorithm == "pbkdf2_sha1";
                assert_eq!(
                    verdict,
                    PasswordCheck::Correct { must_update },
                    "{algorithm}"
                );
                assert_eq!(check_password("hunter3", encoded, 1), PasswordCheck::Wrong);
            }
        }
    }
    let md5 = "5f4dcc3b5aa765d61d8327deb882cf99";
    let upgrade = PasswordCheck::Correct { must_update: true };
    assert_eq!(check_password("password", md5, 1), upgrade);
    let salted = format!("md5$${md5}");
    assert_eq!(check_password("password", &salted, 1), upgrade);
    let sha1 = "sha1$$5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8";
    assert_eq!(check_password("password", sha1, 1), upgrade);
    assert_eq!(check_password("p", sha1, 1), PasswordCheck::Wrong);
    assert_eq!(
        check_password("p", "bcrypt$$2b$12$x", 1),
        PasswordCheck::Malformed
    );
    assert_eq!(
        check_password("p", "crypt$$abN/qM.L/H8EQ", 1),
        PasswordCheck::Unsupported {
            algorithm: "crypt".to_owned()
        }
    );
}

#[test]
fn no_rehash_ping_pong_with_any_supported_django_default() {
    for (version, iterations) in DJANGO_DEFAULT_ITERATIONS {
        let encoded = encode_pbkdf2_sha256("pw", "abcdefghijklmnopqrstuv", iterations);
        assert_eq!(
            check_password("pw", &encoded, DEFAULT_ITERATIONS),
            PasswordCheck::Correct { must_update: false },
            "Django {version}'s default {iterations}"
        );
    }
    // Older Django defaults (4.1's 390,000) and odd counts are still raised.
    let old = encode_pbkdf2_sha256("pw", "abcdefghijklmnopqrstuv", 390_000);
    let verdict = check_password("pw", &old, DEFAULT_ITERATIONS);
    assert_eq!(verdict, PasswordCheck::Correct { must_update: true });
    // A setting chosen by the operator is followed exactly.
    let verdict = check_password("pw", &old, 600_000);
    assert_eq!(verdict, PasswordCheck::Correct { must_update: true });
}

#[test]
fn make_password_shape_and_must_update() {
    let encoded = make_password("s3cret", 1000);
    let parts: Vec<&str> = encoded.split('$').collect();
    assert_eq!(parts[..2], ["pbkdf2_sha256", "1000"]);
    assert_eq!(parts.len(), 4);
    assert_eq!(parts[2].len(), 22);
    assert!(parts[2].chars().all(|c| RANDOM_STRING_CHARS.contains(c)));
    assert!(parts[3].len() == 44 && parts[3].ends_with('='));
    assert_ne!(make_password("s3cret", 1000), encoded);
    let check = |pw: &str, target: u32| check_password(pw, &encoded, target);
    assert_eq!(
        check("s3cret", 1000),
        PasswordCheck::Correct { must_update: false }
    );
    assert_eq!(
        check("s3cret", 1_500_000),
        PasswordCheck::Correct { must_update: true }
    );
    assert_eq!(check("S3cret", 1000), PasswordCheck::Wrong);
    let short = encode_pbkdf2_sha256("pw", "abcdefghijklmnopqrstu", 1000);
    let verdict = check_password("pw", &short, 1000);
    assert_eq!(verdict, PasswordCheck::Correct { must_update: true });
    for bad_salt in ["", "a$b"] {
        let encoded = encode_pbkdf2_sha256("pw", bad_salt, 10);
        let verdict = check_password("pw", &encoded, 10);
        assert_eq!(verdict, PasswordCheck::Correct { must_update: false });
    }
    assert_eq!(effective_iterations(0), DEFAULT_ITERATIONS);
}

#[test]
fn make_password_at_default_iterations_is_89_chars() {
    let encoded = make_password("pw", DEFAULT_ITERATIONS);
    assert_eq!(encoded.len(), 89);
    assert!(encoded.starts_with("pbkdf2_sha256$1500000$"));
}

#[test]
fn unusable_and_random_strings() {
    let unusable = make_unusable_password();
    assert_eq!(unusable.len(), 41);
    assert!(unusable.starts_with('!'));
    assert!(unusable[1..].chars().all(|c| c.is_ascii_alphanumeric()));
    assert_ne!(make_unusable_password(), unusable);
    assert!(!is_password_usable(&unusable) && !is_password_usable("!"));
    assert!(is_password_usable(""));
    assert_eq!(check_password("", &unusable, 1), PasswordCheck::Unusable);
    assert_eq!(check_password("", "", 1), PasswordCheck::Unusable);
    let s = random_string(1000);
    assert!(s.len() == 1000 && s.chars().all(|c| RANDOM_STRING_CHARS.contains(c)));
    assert!(random_string(0).is_empty());
}

#[test]
fn malformed_inputs_do_not_panic() {
    let hash = "CzFI+UslA/kG6Ee3mx9EuXdtUGTgSIJvT+8nrZvi+4s=";
    let mut cases: Vec<String> = [
        "pbkdf2_sha256$",
        "pbkdf2_sha256$abc$salt$x",
        "pbkdf2_sha256$99999999999$s$h",
        "nonsense",
        "$$$",
        "pbkdf2_sha256$1000$seasalt",
        "pbkdf2_sha256$1000$seasalt$x",
        "pbkdf2_sha1$1000$seasalt$",
        "pbkdf2_sha256$1000$s\u{e9}l$\u{1F600}",
    ]
    .map(str::to_owned)
    .into();
    for iterations in ["0", "01000", "+1000", " 1000", "1_000", "100000001", "-1"] {
        cases.push(format!("pbkdf2_sha256${iterations}$seasalt${hash}"));
    }
    cases.push(format!("pbkdf2_sha256$1000$${hash}"));
    cases.push(format!("pbkdf2_sha256$1000$seasalt${hash}$"));
    cases.push(format!("PBKDF2_SHA256$1000$seasalt${hash}"));
    for case in &cases {
        let verdict = check_password("pässwörd", case, 1);
        assert_eq!(verdict, PasswordCheck::Malformed, "{case}");
    }
    let valid = format!("pbkdf2_sha256$1000$seasalt${hash}");
    let verdict = check_password("pässwörd", &valid, 1000);
    assert_eq!(verdict, PasswordCheck::Correct { must_update: true });
}
