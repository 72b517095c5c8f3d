//! Django's `startproject` password validators, ported from Django 6.1.3's
//! `django/contrib/auth/password_validation.py`.
//!
//! `common-passwords.txt` is Django 6.1's `contrib/auth/common-passwords.txt.gz`, decompressed
//! (BSD-3-Clause, Django Software Foundation; list by Royce Williams).
//!
//! Django runs on Python 3.13, whose string functions use Unicode 15.1 data, while Rust's std
//! and `regex` carry newer tables. The helpers below (`py_lower`, `py_strip`, `NON_WORD`,
//! `PY_DIGITS`) reproduce Python's `str.lower`, `str.strip`, `re` `\W` and `str.isdigit`; each
//! was checked against Python 3.13 for every code point.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use crate::db::users::UserRecord;

/// The user attributes Django's UserAttributeSimilarityValidator compares against.
pub struct UserAttributes<'a> {
    pub username: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: &'a str,
}

impl<'a> UserAttributes<'a> {
    /// A stored user's attributes.
    pub fn of(user: &'a UserRecord) -> Self {
        Self {
            username: &user.username,
            first_name: &user.first_name,
            last_name: &user.last_name,
            email: &user.email,
        }
    }
}

/// One validation error, with Django's error code and English message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordProblem {
    /// `password_too_similar`, `password_too_short`, `password_too_common` or
    /// `password_entirely_numeric`.
    pub code: &'static str,
    /// Django's English message, e.g. "The password is too similar to the username."
    pub message: String,
}

/// `MinimumLengthValidator`'s default `min_length`, in code points.
pub const MIN_LENGTH: usize = 8;

/// `UserAttributeSimilarityValidator`'s default `max_similarity`.
const MAX_SIMILARITY: f64 = 0.7;

/// Python 3.13's `\W+` (`\w` is letters, numbers and `_` as of Unicode 15.1; combining marks are
/// *not* word characters in Python, unlike in the `regex` crate's `\w`).
static NON_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[^\p{L}\p{N}_&&\p{Age=V15_1}]+").expect("valid regex"));

/// Runs of characters Python 3.13 doesn't know (assigned after Unicode 15.1, or unassigned):
/// `str.lower` leaves them unchanged.
static NOT_IN_UNICODE_15_1: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\P{Age=V15_1}+").expect("valid regex"));

/// A non-empty string of Python 3.13 `str.isdigit()` characters: Numeric_Type Decimal (Nd) or
/// Digit (superscripts, circled digits, ... listed from Python's `unicodedata`).
static PY_DIGITS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^[[\p{Nd}&&\p{Age=V15_1}]\x{b2}\x{b3}\x{b9}\x{1369}-\x{1371}\x{19da}\x{2070}",
        r"\x{2074}-\x{2079}\x{2080}-\x{2089}\x{2460}-\x{2468}\x{2474}-\x{247c}\x{2488}-\x{2490}",
        r"\x{24ea}\x{24f5}-\x{24fd}\x{24ff}\x{2776}-\x{277e}\x{2780}-\x{2788}\x{278a}-\x{2792}",
        r"\x{10a40}-\x{10a43}\x{10e60}-\x{10e68}\x{11052}-\x{1105a}\x{1f100}-\x{1f10a}]+$",
    ))
    .expect("valid regex")
});

/// Django's common-password list, stripped line by line as `CommonPasswordValidator` does.
static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("common-passwords.txt")
        .lines()
        .map(py_strip)
        .collect()
});

/// Python's `str.lower()` (full case mapping with final sigma, Unicode 15.1).
fn py_lower(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    // A character Python doesn't know is neither cased nor case-ignorable, so lowering the runs
    // between such characters separately gives the same final-sigma context as Python.
    for unknown in NOT_IN_UNICODE_15_1.find_iter(s) {
        out.push_str(&s[last..unknown.start()].to_lowercase());
        out.push_str(unknown.as_str());
        last = unknown.end();
    }
    out.push_str(&s[last..].to_lowercase());
    out
}

/// Python's `str.strip()`: Unicode White_Space plus the separators U+001C..U+001F.
fn py_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// Python's `str.isdigit()`.
fn py_isdigit(s: &str) -> bool {
    PY_DIGITS.is_match(s)
}

/// `difflib.SequenceMatcher(a=a, b=b).quick_ratio()`: twice the size of the multiset
/// intersection over the total length (1.0 when both are empty).
fn quick_ratio(a: &[char], b: &[char]) -> f64 {
    let mut avail: HashMap<char, usize> = HashMap::new();
    for &c in b {
        *avail.entry(c).or_default() += 1;
    }
    let mut matches = 0usize;
    for c in a {
        if let Some(n) = avail.get_mut(c).filter(|n| **n > 0) {
            *n -= 1;
            matches += 1;
        }
    }
    let length = a.len() + b.len();
    if length == 0 {
        1.0
    } else {
        2.0 * matches as f64 / length as f64
    }
}

/// Django's `exceeds_maximum_length_ratio`: skip values far shorter than the password.
fn exceeds_maximum_length_ratio(pwd_len: usize, value_len: usize) -> bool {
    let length_bound_similarity = MAX_SIMILARITY / 2.0 * pwd_len as f64;
    pwd_len >= 10 * value_len && (value_len as f64) < length_bound_similarity
}

/// `UserAttributeSimilarityValidator` with startproject's options.
fn similarity_problem(password: &str, user: &UserAttributes) -> Option<PasswordProblem> {
    let password: Vec<char> = py_lower(password).chars().collect();
    let attributes = [
        ("username", user.username),
        ("first name", user.first_name),
        ("last name", user.last_name),
        ("email address", user.email),
    ];
    for (verbose_name, value) in attributes {
        if value.is_empty() {
            continue;
        }
        let value_lower = py_lower(value);
        let parts = NON_WORD.split(&value_lower).chain([value_lower.as_str()]);
        for part in parts {
            let part: Vec<char> = part.chars().collect();
            if exceeds_maximum_length_ratio(password.len(), part.len()) {
                continue;
            }
            if quick_ratio(&password, &part) >= MAX_SIMILARITY {
                return Some(PasswordProblem {
                    code: "password_too_similar",
                    message: format!("The password is too similar to the {verbose_name}."),
                });
            }
        }
    }
    None
}

/// Runs startproject's four validators in Django's order (similarity, minimum length, common,
/// numeric) and returns every problem.
pub fn validate_password(password: &str, user: &UserAttributes) -> Vec<PasswordProblem> {
    let mut problems: Vec<PasswordProblem> =
        similarity_problem(password, user).into_iter().collect();
    if password.chars().count() < MIN_LENGTH {
        problems.push(PasswordProblem {
            code: "password_too_short",
            message: format!(
                "This password is too short. It must contain at least {MIN_LENGTH} characters."
            ),
        });
    }
    if COMMON_PASSWORDS.contains(py_strip(&py_lower(password))) {
        problems.push(PasswordProblem {
            code: "password_too_common",
            message: "This password is too common.".to_owned(),
        });
    }
    if py_isdigit(password) {
        problems.push(PasswordProblem {
            code: "password_entirely_numeric",
            message: "This password is entirely numeric.".to_owned(),
        });
    }
    problems
}

/// The policy every place that sets a password applies (setup, `createsuperuser`,
/// `changepassword`, the web forms, import rows): `None` when the password passes, else Django's
/// messages in one line.
pub fn refusal(password: &str, user: &UserAttributes) -> Option<String> {
    let problems = validate_password(password, user);
    if problems.is_empty() {
        return None;
    }
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    Some(messages.join(" "))
}

/// A new password typed twice, checked as Django's `SetPasswordForm` does: the two must match,
/// then pass the validators. The messages to show; none when the password may be set.
pub fn new_password_problems(
    password1: &str,
    password2: &str,
    user: &UserAttributes,
) -> Vec<String> {
    if password1 != password2 {
        return vec!["The two password fields didn't match.".to_owned()];
    }
    validate_password(password1, user)
        .into_iter()
        .map(|problem| problem.message)
        .collect()
}

/// One sentence per problem, for the help text under a password field.
pub fn help_texts() -> Vec<String> {
    vec![
        "Your password can’t be too similar to your other personal information.".to_owned(),
        format!("Your password must contain at least {MIN_LENGTH} characters."),
        "Your password can’t be a commonly used password.".to_owned(),
        "Your password can’t be entirely numeric.".to_owned(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: UserAttributes<'static> = UserAttributes {
        username: "alice",
        first_name: "Alice",
        last_name: "Liddell",
        email: "alice@example.com",
    };

    #[test]
    fn a_new_password_must_match_its_repetition_before_the_validators_run() {
        assert_eq!(
            new_password_problems("alice123", "alice124", &ALICE),
            ["The two password fields didn't match."]
        );
        assert_eq!(
            new_password_problems("alice123", "alice123", &ALICE),
            [
                "The password is too similar to the username.",
                "This password is too common."
            ]
        );
        assert!(new_password_problems("tr0ub4dor&3x", "tr0ub4dor&3x", &ALICE).is_empty());
    }

    fn codes(password: &str, user: &UserAttributes) -> Vec<&'static str> {
        validate_password(password, user)
            .into_iter()
            .map(|p| p.code)
            .collect()
    }

    #[test]
    fn facts_verdicts() {
        let (similar, short) = ("password_too_similar", "password_too_short");
        let (common, numeric) = ("password_too_common", "password_entirely_numeric");
        assert_eq!(codes("short", &ALICE), [short]);
        assert_eq!(codes("12345678", &ALICE), [common, numeric]);
        assert_eq!(codes("password", &ALICE), [common]);
        assert_eq!(codes("Password1", &ALICE), [common]);
        assert_eq!(codes("PASSWORD ", &ALICE), [common]);
        assert_eq!(codes("alice123", &ALICE), [similar, common]);
        assert_eq!(codes("liddell99", &ALICE), [similar]);
        for valid in ["alice12345", "correcthorse", "zq7!Lm#2", "Tr0ub4dor&3x"] {
            assert!(codes(valid, &ALICE).is_empty(), "{valid}");
        }
        assert_eq!(codes("", &ALICE), [short]);
        assert_eq!(
            validate_password("liddell99", &ALICE)[0].message,
            "The password is too similar to the last name."
        );
    }

    #[test]
    fn matches_django_fixture() {
        let doc: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/django/password_validation.json"
        ))
        .expect("fixture is JSON");
        let cases = doc["cases"].as_array().expect("cases array");
        assert!(cases.len() >= 27, "FACTS cases plus at least 15 more");
        let text = |v: &serde_json::Value| v.as_str().expect("string").to_owned();
        let texts = |v: &serde_json::Value| -> Vec<String> {
            v.as_array().expect("array").iter().map(text).collect()
        };
        let mut failures = Vec::new();
        for case in cases {
            let (password, username) = (text(&case["password"]), text(&case["username"]));
            let (email, first_name) = (text(&case["email"]), text(&case["first_name"]));
            let last_name = text(&case["last_name"]);
            let user = UserAttributes {
                username: &username,
                first_name: &first_name,
                last_name: &last_name,
                email: &email,
            };
            let problems = validate_password(&password, &user);
            let got_codes: Vec<String> = problems.iter().map(|p| p.code.to_owned()).collect();
            let got_messages: Vec<String> = problems.into_iter().map(|p| p.message).collect();
            if got_codes != texts(&case["codes"]) || got_messages != texts(&case["messages"]) {
                failures.push(format!("{password:?} / {username:?}: got {got_messages:?}"));
            }
        }
        assert!(
            failures.is_empty(),
            "diverges from Django:\n{}",
            failures.join("\n")
        );
    }

    #[test]
    fn quick_ratio_matches_difflib() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        // Values from Django's exceeds_maximum_length_ratio docstring.
        assert_eq!(
            quick_ratio(&chars("a"), &chars(&"a".repeat(10))),
            0.18181818181818182
        );
        assert_eq!(
            quick_ratio(&chars("a"), &chars(&"a".repeat(100))),
            0.019801980198019802
        );
        assert_eq!(quick_ratio(&chars(""), &chars("")), 1.0);
        assert_eq!(quick_ratio(&chars("aab"), &chars("abb")), 2.0 * 2.0 / 6.0);
        assert_eq!(quick_ratio(&chars("liddell123456"), &chars("liddell")), 0.7);
    }

    #[test]
    fn python_string_semantics() {
        assert_eq!(py_lower("İLKAY"), "i\u{307}lkay");
        assert_eq!(py_lower("ΣΑΣ.Σ"), "σασ.ς");
        assert_eq!(py_lower("ΣΑΣ 1"), "σας 1");
        // U+1C89 is new in Unicode 16; Python 3.13 leaves it alone.
        assert_eq!(py_lower("\u{1c89}Σ\u{1c89}"), "\u{1c89}σ\u{1c89}");
        assert_eq!(py_strip("\u{1c}\u{3000} pw\t\u{85}\u{1f}"), "pw");
        assert_eq!(py_strip("\u{200b}pw"), "\u{200b}pw");
        let parts: Vec<&str> = NON_WORD.split("o'brien.rene\u{301}e_x").collect();
        assert_eq!(parts, ["o", "brien", "rene", "e_x"]);
        assert!(py_isdigit("٣¹①１2") && !py_isdigit("") && !py_isdigit("½") && !py_isdigit("Ⅷ"));
    }

    #[test]
    fn common_list_and_help_texts() {
        assert_eq!(COMMON_PASSWORDS.len(), 19_640);
        assert!(COMMON_PASSWORDS.contains("friend of emily") && !COMMON_PASSWORDS.contains(""));
        assert_eq!(help_texts().len(), 4);
        assert_eq!(
            help_texts()[1],
            "Your password must contain at least 8 characters."
        );
    }
}
