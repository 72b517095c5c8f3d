//! Django-compatible password reset tokens (`PasswordResetTokenGenerator`) and `uidb64` helpers.
//! (Over 400 lines because its tests against Django's recorded vectors live beside the code.)

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac as _};
use regex::Regex;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

/// Django's `PASSWORD_RESET_TIMEOUT` default: three days.
pub const DEFAULT_RESET_TIMEOUT_SECS: i64 = 259_200;

/// `key_salt` of Django's `PasswordResetTokenGenerator`.
const KEY_SALT: &str = "django.contrib.auth.tokens.PasswordResetTokenGenerator";
/// Unix time of 2001-01-01 00:00:00, Django's token epoch.
const TOKEN_EPOCH_UNIX: i64 = 978_307_200;
/// Django's `base36_to_int` refuses longer input.
const MAX_TS_B36_LEN: usize = 13;

/// Django's `datetime_re` (plus a bare date, as `fromisoformat` allows); offsets are matched but ignored.
static DATETIME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[T ]([0-9]{1,2}):([0-9]{1,2})",
        r"(?::([0-9]{1,2})(?:[.,][0-9]{1,12})?)?\s*(?:Z|[+-][0-9]{2}(?::?[0-9]{2}){0,2})?)?$",
    ))
    .ok()
});

/// The `auth_user` fields that feed Django's reset-token hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenUser<'a> {
    /// Primary key (`auth_user.id`).
    pub pk: i64,
    /// Stored password hash, verbatim (also `!…` unusable values).
    pub password: &'a str,
    /// `last_login` DB text, e.g. `2024-05-06 07:08:09.123456`, or `None` for NULL.
    pub last_login: Option<&'a str>,
    /// Stored e-mail, verbatim (may be empty).
    pub email: &'a str,
}

/// Seconds since 2001-01-01 in naive local time, as Django's `_num_seconds(_now())`.
pub fn django_timestamp(unix_now: i64, utc_offset_secs: i64) -> i64 {
    unix_now
        .saturating_add(utc_offset_secs)
        .saturating_sub(TOKEN_EPOCH_UNIX)
}

/// Makes Django's `<ts_b36>-<32 hex>` token; a negative timestamp is clamped to 0.
pub fn make_token(user: &TokenUser, secret_key: &str, timestamp: i64) -> String {
    let timestamp = timestamp.max(0);
    format!(
        "{}-{}",
        to_base36(timestamp),
        half_hmac_hex(secret_key, &hash_value(user, timestamp))
    )
}

/// Checks a token with Django's rules: signature first, then `now - ts > timeout` means expired.
pub fn check_token(
    user: &TokenUser,
    token: &str,
    secret_key: &str,
    now_timestamp: i64,
    timeout_secs: i64,
) -> bool {
    let mut parts = token.split('-');
    let (Some(ts_b36), Some(_), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Some(timestamp) = base36_to_int(ts_b36) else {
        return false;
    };
    let expected = make_token(user, secret_key, timestamp);
    if !bool::from(expected.as_bytes().ct_eq(token.as_bytes())) {
        return false;
    }
    now_timestamp.saturating_sub(timestamp) <= timeout_secs
}

/// Django's `urlsafe_base64_encode(str(pk))`: URL-safe base64 without `=` padding.
pub fn uidb64_encode(pk: i64) -> String {
    URL_SAFE_NO_PAD.encode(pk.to_string())
}

/// Django's `urlsafe_base64_decode` + `int()`: lenient base64, then Python integer parsing.
pub fn uidb64_decode(uidb64: &str) -> Option<i64> {
    let raw = uidb64.as_bytes();
    let padding = std::iter::repeat_n(b'=', raw.len() % 4);
    let bytes = lenient_base64_decode(raw.iter().copied().chain(padding))?;
    python_int(std::str::from_utf8(&bytes).ok()?)
}

/// `f"{pk}{password}{login_timestamp}{timestamp}{email}"` as in `_make_hash_value`.
fn hash_value(user: &TokenUser, timestamp: i64) -> String {
    let login = user.last_login.map_or_else(String::new, login_timestamp);
    format!(
        "{}{}{}{}{}",
        user.pk, user.password, login, timestamp, user.email
    )
}

/// `salted_hmac(KEY_SALT, value, secret, sha256).hexdigest()[::2]`.
fn half_hmac_hex(secret_key: &str, value: &str) -> String {
    let key = Sha256::new()
        .chain_update(KEY_SALT.as_bytes())
        .chain_update(secret_key.as_bytes())
        .finalize();
    // HMAC accepts keys of any length, so this branch is never taken.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else {
        return String::new();
    };
    mac.update(value.as_bytes());
    // Every other character of the hex digest is the high nibble of each byte.
    mac.finalize()
        .into_bytes()
        .iter()
        .filter_map(|byte| char::from_digit(u32::from(byte >> 4), 16))
        .collect()
}

/// Django's `int_to_base36` for non-negative values: lower-case, no padding.
fn to_base36(value: i64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut rest = value.unsigned_abs();
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(rest % 36) as usize]);
        rest /= 36;
        if rest == 0 {
            break;
        }
    }
    out.iter().rev().map(|&b| char::from(b)).collect()
}

/// Django's `base36_to_int`; non-canonical forms it also accepts can never re-encode to the token.
fn base36_to_int(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > MAX_TS_B36_LEN {
        return None;
    }
    text.chars().try_fold(0i64, |acc, c| {
        let digit = i64::from(c.to_digit(36)?);
        acc.checked_mul(36)?.checked_add(digit)
    })
}

/// `str(last_login.replace(microsecond=0, tzinfo=None))` from the DB text; unparseable text is used verbatim.
fn login_timestamp(raw: &str) -> String {
    parse_wall_clock(raw.trim()).unwrap_or_else(|| raw.to_owned())
}

/// Reads the forms Django's `parse_datetime` accepts and keeps the wall clock as written (offset dropped).
fn parse_wall_clock(text: &str) -> Option<String> {
    let caps = DATETIME.as_ref()?.captures(text)?;
    let field = |i: usize| {
        caps.get(i)
            .map_or(Some(0), |m| m.as_str().parse::<u32>().ok())
    };
    let (year, month, day) = (field(1)?, field(2)?, field(3)?);
    let (hour, minute, second) = (field(4)?, field(5)?, field(6)?);
    chrono::NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    chrono::NaiveTime::from_hms_opt(hour, minute, second)?;
    Some(format!(
        "{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}"
    ))
}

/// CPython's non-strict `binascii.a2b_base64` after `urlsafe_b64decode`'s `-_` → `+/` mapping.
fn lenient_base64_decode(input: impl Iterator<Item = u8>) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut quad_pos, mut pads, mut left) = (0u8, 0u8, 0u8);
    for byte in input {
        if byte == b'=' {
            if quad_pos >= 2 {
                pads += 1;
                if quad_pos + pads >= 4 {
                    return Some(out);
                }
            }
            continue;
        }
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => continue,
        };
        pads = 0;
        quad_pos = match quad_pos {
            0 => {
                left = value;
                1
            }
            1 => {
                out.push((left << 2) | (value >> 4));
                left = value & 0x0f;
                2
            }
            2 => {
                out.push((left << 4) | (value >> 2));
                left = value & 0x03;
                3
            }
            _ => {
                out.push((left << 6) | value);
                0
            }
        };
    }
    (quad_pos == 0).then_some(out)
}

/// Python `int(text)` in base 10 (ASCII digits only), limited to the `i64` range.
fn python_int(text: &str) -> Option<i64> {
    let body = text.trim_matches(char::is_whitespace);
    let unsigned = body.strip_prefix(['+', '-']).unwrap_or(body);
    let well_formed = unsigned
        .split('_')
        .all(|group| !group.is_empty() && group.bytes().all(|b| b.is_ascii_digit()));
    if !well_formed {
        return None;
    }
    body.replace('_', "").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vectors() -> Vec<Value> {
        let all: Value =
            serde_json::from_str(include_str!("../../tests/fixtures/django/vectors.json"))
                .expect("vectors.json parses");
        all["password_reset_tokens"]
            .as_array()
            .expect("array")
            .clone()
    }

    fn text<'a>(v: &'a Value, key: &str) -> &'a str {
        v[key].as_str().unwrap_or_else(|| panic!("{key} missing"))
    }

    fn user_of(v: &Value) -> TokenUser<'_> {
        TokenUser {
            pk: v["user_pk"].as_i64().expect("pk"),
            password: text(v, "password"),
            last_login: v["last_login_db"].as_str(),
            email: text(v, "email"),
        }
    }

    #[test]
    fn vectors_reproduce_and_expire() {
        let list = vectors();
        assert_eq!(list.len(), 5);
        for v in &list {
            let user = user_of(v);
            let secret = text(v, "secret_key");
            let token = text(v, "token");
            let now = django_timestamp(v["now_epoch"].as_i64().expect("now"), 0);
            assert_eq!(now, v["timestamp"].as_i64().expect("ts"));
            assert_eq!(to_base36(now), text(v, "ts_b36"));
            assert_eq!(hash_value(&user, now), text(v, "hash_value"));
            assert_eq!(make_token(&user, secret, now), token);
            assert_eq!(uidb64_encode(user.pk), text(v, "uidb64"));
            assert_eq!(uidb64_decode(text(v, "uidb64")), Some(user.pk));
            let check = |at: i64| check_token(&user, token, secret, at, DEFAULT_RESET_TIMEOUT_SECS);
            assert!(check(now));
            assert!(check(now + 259_200));
            assert!(!check(now + 259_201));
            assert!(check(now - 1_000), "future timestamps are accepted");
        }
    }

    #[test]
    fn roster_written_last_login_matches_vector_b() {
        let list = vectors();
        let v = &list[1];
        let user = TokenUser {
            last_login: Some("2024-05-06 07:08:09.123456"),
            ..user_of(v)
        };
        let now = v["timestamp"].as_i64().expect("ts");
        assert_eq!(
            make_token(&user, text(v, "secret_key"), now),
            text(v, "token")
        );
    }

    #[test]
    fn tampering_is_refused() {
        for v in &vectors() {
            let user = user_of(v);
            let secret = text(v, "secret_key");
            let token = text(v, "token");
            let now = v["timestamp"].as_i64().expect("ts");
            let ok = |u: &TokenUser, t: &str, s: &str| check_token(u, t, s, now, 259_200);
            assert!(ok(&user, token, secret));
            let mut flipped = token.to_owned();
            let last = if flipped.ends_with('0') { "1" } else { "0" };
            flipped.pop();
            flipped.push_str(last);
            assert!(!ok(&user, &flipped, secret));
            assert!(!ok(&user, token, "another-secret"));
            assert!(!ok(&user, &token.to_uppercase(), secret));
            assert!(!ok(&user, &format!("0{token}"), secret));
            assert!(!ok(&user, &format!(" {token}"), secret));
            assert!(!ok(&user, &format!("{token}-x"), secret));
            assert!(!ok(&user, "", secret));
            assert!(!ok(&user, "-", secret));
            let changed_pw = TokenUser {
                password: "pbkdf2_sha256$1500000$new$hash=",
                ..user
            };
            assert!(!ok(&changed_pw, token, secret));
            let logged_in = TokenUser {
                last_login: Some("2035-01-02 03:04:05.678901"),
                ..user
            };
            assert!(!ok(&logged_in, token, secret));
            let other_mail = TokenUser {
                email: "x@example.com",
                ..user
            };
            assert!(!ok(&other_mail, token, secret));
        }
    }

    #[test]
    fn last_login_text_forms() {
        let cases = [
            ("2024-05-06 07:08:09.123456", "2024-05-06 07:08:09"),
            ("2024-05-06 07:08:09", "2024-05-06 07:08:09"),
            ("2024-05-06T07:08:09.123456Z", "2024-05-06 07:08:09"),
            ("2026-11-21T04:19:23Z", "2026-11-21 04:19:23"),
            ("2026-11-21 05:19:23+01:00", "2026-11-21 05:19:23"),
            ("2026-11-21 05:19:23-0530", "2026-11-21 05:19:23"),
            ("2026-01-01", "2026-01-01 00:00:00"),
            ("2026-01-01 10:20", "2026-01-01 10:20:00"),
            ("garbage", "garbage"),
            ("2026-02-30 00:00:00", "2026-02-30 00:00:00"),
            ("2026-01-01 00:00:00.", "2026-01-01 00:00:00."),
            ("2026-01-01 00:00:00 \u{e9}x", "2026-01-01 00:00:00 \u{e9}x"),
        ];
        for (raw, expected) in cases {
            assert_eq!(login_timestamp(raw), expected, "{raw}");
        }
    }

    #[test]
    fn base36_round_trip_and_limits() {
        assert_eq!(to_base36(0), "0");
        assert_eq!(to_base36(59), "1n");
        assert_eq!(to_base36(2_221_692_800), "10qql4w");
        assert_eq!(base36_to_int("10qql4w"), Some(2_221_692_800));
        assert_eq!(base36_to_int(""), None);
        assert_eq!(base36_to_int("zzzzzzzzzzzzz"), None);
        assert_eq!(base36_to_int("00000000000000"), None);
        assert_eq!(base36_to_int("1_n"), None);
        let list = vectors();
        let user = user_of(&list[0]);
        assert!(make_token(&user, "k", -5).starts_with("0-"));
    }

    #[test]
    fn uidb64_examples() {
        let cases = [
            (1, "MQ"),
            (10, "MTA"),
            (100, "MTAw"),
            (1000, "MTAwMA"),
            (12345, "MTIzNDU"),
        ];
        for (pk, uid) in cases {
            assert_eq!(uidb64_encode(pk), uid);
            assert_eq!(uidb64_decode(uid), Some(pk));
        }
        for uid in ["MDE", "IDE", "KzE", "MSA", "MQ==", "MQ="] {
            assert_eq!(uidb64_decode(uid), Some(1), "{uid}");
        }
        assert_eq!(uidb64_decode(&uidb64_encode(-7)), Some(-7));
        assert_eq!(uidb64_decode(&uidb64_encode(i64::MAX)), Some(i64::MAX));
        assert_eq!(uidb64_decode(&URL_SAFE_NO_PAD.encode("1_000")), Some(1000));
    }

    #[test]
    fn uidb64_garbage_is_none() {
        let too_big = URL_SAFE_NO_PAD.encode("99999999999999999999");
        let cases = [
            "", "M", "MTAwM", "!!!!", "====", "\u{20ac}", "-", "_w", "gA", "LQ", &too_big,
        ];
        for uid in cases {
            assert_eq!(uidb64_decode(uid), None, "{uid:?}");
        }
        for text in [
            "", " ", "+", "1_", "_1", "1__0", "0x10", "1.0", "\u{1c}1", "\u{b2}", "\u{661}", "+-1",
        ] {
            assert_eq!(python_int(text), None, "{text:?}");
        }
        assert_eq!(python_int("\u{3000}+0042\u{a0}"), Some(42));
    }

    #[test]
    fn timestamp_helper() {
        assert_eq!(django_timestamp(978_307_259, 0), 59);
        assert_eq!(django_timestamp(978_307_200, -21_600), -21_600);
        assert_eq!(django_timestamp(i64::MAX, 0), i64::MAX - 978_307_200);
    }
}
