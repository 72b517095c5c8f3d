//! No user enumeration by timing. Iterations are calibrated so one hash costs about 40 ms in this
//! build; without the dummy hash an unknown user would answer many times faster. Only ratios of
//! medians are compared (plus slack), never absolute times, so a loaded CI machine is fine.

use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use roster::mail::{MailSettings, TlsMode};

use super::*;
use crate::eventually::eventually;

const ROUNDS: usize = 7;

/// Iterations for which one PBKDF2 hash takes about 40 ms here, estimated from the fastest of
/// three probes.
fn calibrated_iterations() -> u32 {
    let probe = 20_000;
    let fastest = (0..3)
        .map(|_| timed(|| roster::auth::hashers::make_password("calibrate", probe)).0)
        .min()
        .unwrap();
    let per_iteration = fastest.as_secs_f64() / f64::from(probe);
    ((0.040 / per_iteration) as u32).clamp(20_000, 20_000_000)
}

#[test]
fn login_takes_as_long_for_unknown_users_as_for_wrong_passwords() {
    let iterations = calibrated_iterations();
    let hash = roster::auth::hashers::make_password(ADMIN_PASSWORD, iterations);
    let app = spawn_app_configured(seed_admin, move |config| {
        config.import.pbkdf2_iterations = iterations
    });
    // The admin's hash has the calibrated cost, like every hash this server makes.
    app.sql_execute(&format!(
        "UPDATE auth_user SET password = '{hash}' WHERE username = '{ADMIN}'"
    ));
    // An imported user without a password, and one whose hash has fewer iterations than the
    // target (Django pads those wrong guesses up to the full cost).
    insert_user(
        &app,
        "nopass",
        &roster::auth::hashers::make_unusable_password(),
        true,
    );
    insert_user(
        &app,
        "legacy",
        &roster::auth::hashers::make_password(PW, TEST_ITERATIONS),
        true,
    );
    // Each kind of attempt comes from its own address so the per-address limit is never hit.
    let kinds = [
        ("known, wrong password", ADMIN, "127.0.0.2"),
        ("unknown", "ghost", "127.0.0.3"),
        ("unusable password", "nopass", "127.0.0.4"),
        ("fewer iterations", "legacy", "127.0.0.5"),
    ];
    let browsers: Vec<(TestApp, String)> = kinds
        .iter()
        .map(|(_, _, ip)| {
            let browser = browser_from(&app, ip);
            let token = csrf_token(&browser.page("/login").1);
            (browser, token)
        })
        .collect();
    let attempt = |k: usize| {
        let (browser, token) = &browsers[k];
        let request = browser.client.post(browser.url("/login")).form(&[
            ("csrf_token", token.as_str()),
            ("username", kinds[k].1),
            ("password", "wrong-guess"),
        ]);
        let (took, res) = timed(|| request.send().unwrap());
        assert_eq!(res.status().as_u16(), 401, "{}", kinds[k].0);
        took
    };
    for k in 0..kinds.len() {
        attempt(k); // warm-up
    }
    let mut samples = vec![Vec::new(); kinds.len()];
    // One hash of the same cost, timed here between the attempts: the machine's load (the
    // PostgreSQL pass runs beside the SQLite one) changes both alike.
    let mut reference = Vec::new();
    for _ in 0..ROUNDS {
        for (k, sample) in samples.iter_mut().enumerate() {
            sample.push(attempt(k));
        }
        reference.push(timed(|| roster::auth::hashers::make_password(PW, iterations)).0);
    }
    let hash_time = median(reference);
    let medians: Vec<Duration> = samples.into_iter().map(median).collect();
    let known = medians[0];
    assert!(
        known >= hash_time / 2,
        "a wrong password costs a hash ({known:?} vs {hash_time:?}), so the comparison means something"
    );
    for (k, m) in medians.iter().enumerate().skip(1) {
        assert!(
            *m >= known / 2,
            "{} answers in {m:?}, a wrong password in {known:?}: timing tells them apart",
            kinds[k].0
        );
    }
}

/// An SMTP port that accepts connections and never greets; counts the connections.
fn hanging_smtp() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&connections);
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            count.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut buf = [0u8; 256];
                while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
            });
        }
    });
    (port, connections)
}

#[test]
fn forgot_password_answers_as_fast_for_known_addresses_and_never_waits_for_smtp() {
    let (port, connections) = hanging_smtp();
    let timeout = Duration::from_secs(8);
    let app = spawn_app_configured(seed_admin, move |config| {
        config.mail = MailSettings {
            host: Some("127.0.0.1".to_string()),
            port,
            username: None,
            password: None,
            tls: TlsMode::None,
            timeout,
            from: "roster@example.com".to_string(),
            extra_root_pem: None,
        };
    });
    for n in 0..=ROUNDS {
        insert_plain_user(&app, &format!("known{n}"));
    }
    // Distinct addresses (per-address limit) from two client addresses (per-client limit).
    let unknown = browser_from(&app, "127.0.0.2");
    let known = browser_from(&app, "127.0.0.3");
    let tokens: Vec<String> = [&unknown, &known]
        .iter()
        .map(|b| csrf_token(&b.page("/password-reset").1))
        .collect();
    let request = |browser: &TestApp, token: &str, email: String| {
        let request = browser
            .client
            .post(browser.url("/password-reset"))
            .form(&[("csrf_token", token), ("email", email.as_str())]);
        let (took, res) = timed(|| request.send().unwrap());
        assert_eq!(res.status().as_u16(), 303, "{email}");
        assert_eq!(location(&res), "/password-reset/done");
        took
    };
    request(&unknown, &tokens[0], "warm-up@example.com".to_string());
    request(&known, &tokens[1], "known0@example.com".to_string());
    let (mut slow_path, mut fast_path) = (Vec::new(), Vec::new());
    for n in 1..=ROUNDS {
        fast_path.push(request(
            &unknown,
            &tokens[0],
            format!("nobody{n}@example.com"),
        ));
        slow_path.push(request(&known, &tokens[1], format!("known{n}@example.com")));
    }
    let (unknown_median, known_median) = (median(fast_path), median(slow_path));
    let slack = Duration::from_millis(250);
    assert!(
        known_median <= unknown_median * 2 + slack && unknown_median <= known_median * 2 + slack,
        "known {known_median:?} vs unknown {unknown_median:?}"
    );
    // The mail really was attempted in the background, against a server that never answers.
    eventually("an SMTP attempt per known address", timeout, || {
        (connections.load(Ordering::SeqCst) > ROUNDS).then_some(())
    });
    assert_eq!(
        connections.load(Ordering::SeqCst),
        ROUNDS + 1,
        "one SMTP attempt per known address"
    );
}
