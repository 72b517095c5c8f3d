//! Django `auth_user` field rules: length limits, username/e-mail normalisation and validation.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::Regex;
use unicode_normalization::UnicodeNormalization as _;

/// `username` column limit (`varchar(150)`).
pub const USERNAME_MAX: usize = 150;
/// `first_name` column limit (`varchar(150)`).
pub const FIRST_NAME_MAX: usize = 150;
/// `last_name` column limit (`varchar(150)`).
pub const LAST_NAME_MAX: usize = 150;
/// `email` column limit (`varchar(254)`).
pub const EMAIL_MAX: usize = 254;
/// Longest job title or organizational unit name Roster stores.
pub const LABEL_MAX: usize = 150;
/// Longest password accepted; Django sets no limit, this keeps hostile input cheap.
pub const PASSWORD_MAX: usize = 4096;
/// Longest value `EmailValidator` accepts (RFC 3696).
const EMAIL_VALIDATOR_MAX: usize = 320;
/// Longest IPv6 literal Django's `is_valid_ipv6_address` accepts.
const IPV6_MAX: usize = 39;
/// Non-ASCII characters Python's `re.IGNORECASE` folds onto `[A-Za-z]`: İ ı ſ K.
const FOLDS_TO_ASCII_LETTER: [char; 4] = ['\u{130}', '\u{131}', '\u{17f}', '\u{212a}'];

/// Django's `UnicodeUsernameValidator` (`^[\w.@+-]+\Z`, Python `\w` = L* ∪ N* ∪ `_`).
static USERNAME_RE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[\p{L}\p{N}_.@+-]+\z").ok());

/// Django's `AbstractBaseUser.normalize_username`: NFKC.
pub fn normalize_username(raw: &str) -> String {
    // ASCII text is its own NFKC form (most usernames: no per-character lookups).
    if raw.is_ascii() {
        return raw.to_owned();
    }
    raw.nfkc().collect()
}

/// Django 6.1's username model-field check (run after [`normalize_username`]).
pub fn is_valid_username(normalized: &str) -> bool {
    normalized.chars().count() <= USERNAME_MAX
        && USERNAME_RE
            .as_ref()
            .is_some_and(|re| re.is_match(normalized))
}

/// Django's `BaseUserManager.normalize_email`: strip, then lower-case the part after the last `@`.
pub fn normalize_email(raw: &str) -> String {
    let stripped = raw.trim_matches(is_python_space);
    match stripped.rsplit_once('@') {
        Some((name, domain)) => format!("{name}@{}", domain.to_lowercase()),
        // Django returns the input untouched (not even stripped) when there is no `@`.
        None => raw.to_owned(),
    }
}

/// Django 6.1's `EmailValidator` with the default `localhost` allowlist.
pub fn is_valid_email(value: &str) -> bool {
    if value.is_empty() || value.chars().count() > EMAIL_VALIDATOR_MAX {
        return false;
    }
    let Some((user, domain)) = value.rsplit_once('@') else {
        return false;
    };
    is_valid_user_part(user)
        && (domain == "localhost" || is_valid_hostname(domain) || is_valid_ip_literal(domain))
}

/// ASCII-only lower-casing, matching SQLite `LIKE` (Django `iexact` on SQLite).
pub fn ascii_casefold(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// Unicode case folding for organizational unit names (Roster's own names, not Django's), so
/// "équipe paris" finds "Équipe Paris": NFC first, then upper- and lower-casing, which, like full
/// case folding, makes ß and ss, or final and other sigma, compare equal.
pub fn unit_casefold(name: &str) -> String {
    name.nfc().collect::<String>().to_uppercase().to_lowercase()
}

/// Python `str.isspace()`: Unicode White_Space plus the ASCII separators U+001C..U+001F.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `[A-Z]` under Python's Unicode `IGNORECASE`.
fn is_letter_ignorecase(c: char) -> bool {
    c.is_ascii_alphabetic() || FOLDS_TO_ASCII_LETTER.contains(&c)
}

/// Dot-atom or quoted-string local part, as Django's `user_regex`.
fn is_valid_user_part(user: &str) -> bool {
    let is_atext = |c: char| {
        is_letter_ignorecase(c) || c.is_ascii_digit() || "-!#$%&'*+/=?^_`{}|~".contains(c)
    };
    let dot_atom = user
        .split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(is_atext));
    dot_atom || is_quoted_string(user)
}

/// What stands between `open` at the start of `text` and `close` at its end, when both are there.
fn enclosed(text: &str, open: char, close: char) -> Option<&str> {
    text.strip_prefix(open)?.strip_suffix(close)
}

/// `"([\001-\010\013\014\016-\037!#-\[\]-\177]|\\[\001-\011\013\014\016-\177])*"`.
fn is_quoted_string(user: &str) -> bool {
    let Some(inner) = enclosed(user, '"', '"') else {
        return false;
    };
    let escapable = |c: char| {
        FOLDS_TO_ASCII_LETTER.contains(&c)
            || matches!(c, '\u{1}'..='\u{9}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{7f}')
    };
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        let ok = match c {
            '\\' => chars.next().is_some_and(escapable),
            '"' | ' ' | '\t' | '\n' | '\r' | '\0' => false,
            _ => escapable(c),
        };
        if !ok {
            return false;
        }
    }
    true
}

/// `hostname_re + domain_re + tld_no_fqdn_re` of Django 6.1's `DomainNameValidator`.
fn is_valid_hostname(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let Some((tld, names)) = labels.split_last() else {
        return false;
    };
    let label_char = |c: char| is_unicode_letter_range(c) || c.is_ascii_digit() || c == '-';
    let tld_char = |c: char| is_unicode_letter_range(c) || c == '-';
    !names.is_empty()
        && names.iter().all(|label| is_label(label, 1, label_char))
        && (is_label(tld, 2, tld_char) || is_punycode_tld(tld))
}

/// `[a-z\u00a1-\uffff]` under Python's Unicode `IGNORECASE`.
fn is_unicode_letter_range(c: char) -> bool {
    c.is_ascii_alphabetic() || ('\u{a1}'..='\u{ffff}').contains(&c)
}

/// A `min..=63`-character label of allowed characters that neither starts nor ends with `-`.
fn is_label(label: &str, min: usize, allowed: impl Fn(char) -> bool) -> bool {
    let count = label.chars().count();
    (min..=63).contains(&count)
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(allowed)
}

/// `xn--[a-z0-9]{1,59}` (case-insensitive).
fn is_punycode_tld(tld: &str) -> bool {
    let mut chars = tld.chars();
    let prefix: String = chars.by_ref().take(4).collect();
    let rest: Vec<char> = chars.collect();
    prefix.eq_ignore_ascii_case("xn--")
        && (1..=59).contains(&rest.len())
        && rest
            .iter()
            .all(|&c| is_letter_ignorecase(c) || c.is_ascii_digit())
}

/// `[IPv4]` or `[IPv6]` literal checked like `validate_ipv46_address`.
fn is_valid_ip_literal(domain: &str) -> bool {
    let Some(inner) = enclosed(domain, '[', ']') else {
        return false;
    };
    if inner.is_empty()
        || !inner
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    {
        return false;
    }
    inner.parse::<Ipv4Addr>().is_ok()
        || (inner.len() <= IPV6_MAX && inner.parse::<Ipv6Addr>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_table_django_6_1_3() {
        let long_ok = "a".repeat(150);
        let long_bad = "a".repeat(151);
        let cases: &[(&str, &str, bool)] = &[
            ("alice", "alice", true),
            ("a.b@c+d-e_f", "a.b@c+d-e_f", true),
            ("-", "-", true),
            ("@", "@", true),
            (".", ".", true),
            ("\u{f1}and\u{fa}", "\u{f1}and\u{fa}", true),
            ("\u{7528}\u{6237}", "\u{7528}\u{6237}", true),
            ("Stra\u{df}e", "Stra\u{df}e", true),
            ("\u{130}stanbul", "\u{130}stanbul", true),
            ("\u{661}\u{662}\u{663}", "\u{661}\u{662}\u{663}", true),
            ("\u{216b}", "XII", true),
            ("\u{fb00}oo", "ffoo", true),
            ("\u{ff3f}", "_", true),
            ("\u{1d7d8}", "0", true),
            ("\u{b2}", "2", true),
            ("\u{1c5}emal", "D\u{17e}emal", true),
            ("e\u{301}", "\u{e9}", true),
            ("user name", "user name", false),
            ("user!", "user!", false),
            ("O'Neil", "O'Neil", false),
            ("a,b", "a,b", false),
            ("emoji\u{1f600}", "emoji\u{1f600}", false),
            ("tab\t", "tab\t", false),
            ("user\n", "user\n", false),
            ("x\u{301}", "x\u{301}", false),
            ("\u{e01}\u{e31}", "\u{e01}\u{e31}", false),
            ("a\u{903}b", "a\u{903}b", false),
            ("a\u{203f}b", "a\u{203f}b", false),
            ("a\u{200d}b", "a\u{200d}b", false),
            ("\u{bd}", "1\u{2044}2", false),
            ("", "", false),
            (&long_ok, &long_ok, true),
            (&long_bad, &long_bad, false),
        ];
        assert_eq!(cases.len(), 33);
        for &(raw, normalized, valid) in cases {
            let got = normalize_username(raw);
            assert_eq!(got, normalized, "{raw:?}");
            assert_eq!(is_valid_username(&got), valid, "{raw:?}");
        }
    }

    #[test]
    fn ascii_usernames_skip_normalisation_and_stay_as_nfkc_makes_them() {
        let every_ascii: String = (0u8..=127).map(char::from).collect();
        let nfkc: String = every_ascii.nfkc().collect();
        assert_eq!(normalize_username(&every_ascii), nfkc);
        assert_eq!(
            normalize_username("ﬁ"),
            "fi",
            "non-ASCII is still normalised"
        );
    }

    #[test]
    fn email_table_django_6_1_3() {
        let local_64 = format!("{}@example.com", "a".repeat(64));
        let local_65 = format!("{}@example.com", "a".repeat(65));
        let label_63 = format!("a@{}.com", "b".repeat(63));
        let label_64 = format!("a@{}.com", "b".repeat(64));
        let long_253 = format!("{}@abc.com", "a".repeat(245));
        let long_325 = format!("x@{}.com", vec!["a".repeat(63); 5].join("."));
        assert_eq!((long_253.len(), long_325.len()), (253, 325));
        let cases: &[(&str, bool)] = &[
            ("user@example.com", true),
            ("USER+tag@Example.CO.uk", true),
            ("user@localhost", true),
            ("user@localhost.", false),
            ("user@[127.0.0.1]", true),
            ("user@[::1]", true),
            ("user@[IPv6:::1]", false),
            ("user@[300.0.0.1]", false),
            ("\"john doe\"@example.com", false),
            ("\"a@b\"@example.com", true),
            ("a@b@example.com", false),
            ("john..doe@example.com", false),
            (".john@example.com", false),
            ("john.@example.com", false),
            ("user@example", false),
            ("user@example.c", false),
            ("user@example.com.", false),
            ("user@-example.com", false),
            ("user@example-.com", false),
            ("user@example..com", false),
            ("user@example.123", false),
            ("user@123.123.123.123", false),
            ("\u{fc}ser@example.com", false),
            ("user@ex\u{e4}mple.com", true),
            ("user@xn--exmple-cua.com", true),
            ("user@ex\u{e4}mple.xn--p1ai", true),
            ("user name@example.com", false),
            ("@example.com", false),
            ("user@", false),
            ("o'reilly@example.com", true),
            ("a!#$%&'*+/=?^_`{|}~-@example.com", true),
            ("", false),
            ("user@example.com\n", false),
            (&local_64, true),
            (&local_65, true),
            (&label_63, true),
            (&label_64, false),
            (&long_253, true),
            (&long_325, false),
        ];
        assert_eq!(cases.len(), 39);
        for &(value, valid) in cases {
            assert_eq!(is_valid_email(value), valid, "{value:?}");
        }
    }

    #[test]
    fn normalize_email_like_django() {
        assert_eq!(
            normalize_email("  Foo.Bar@EXAMPLE.Com \n"),
            "Foo.Bar@example.com"
        );
        assert_eq!(normalize_email("a@b@EXAMPLE.ORG"), "a@b@example.org");
        assert_eq!(normalize_email("\u{1c}x@Y.Z"), "x@y.z");
        assert_eq!(normalize_email("  no-at-sign  "), "  no-at-sign  ");
        assert_eq!(normalize_email("x@\u{130}.COM"), "x@i\u{307}.com");
        assert_eq!(normalize_email(""), "");
    }

    #[test]
    fn unit_casefold_folds_every_script() {
        assert_eq!(
            unit_casefold("\u{c9}quipe Paris"),
            unit_casefold("\u{e9}quipe paris")
        );
        assert_eq!(unit_casefold("E\u{301}QUIPE"), unit_casefold("\u{e9}quipe"));
        assert_eq!(unit_casefold("Stra\u{df}e"), unit_casefold("STRASSE"));
        assert_eq!(
            unit_casefold("\u{3a3}\u{3bf}\u{3c6}\u{3af}\u{3b1}\u{3c2}"),
            unit_casefold("\u{3c3}\u{3bf}\u{3c6}\u{3af}\u{3b1}\u{3c3}")
        );
        assert_ne!(unit_casefold("Sales"), unit_casefold("Sale"));
    }

    #[test]
    fn ascii_casefold_leaves_non_ascii() {
        assert_eq!(ascii_casefold("FMT_Space"), "fmt_space");
        assert_eq!(ascii_casefold("\u{d1}AND\u{da}"), "\u{d1}and\u{da}");
    }
}
