//! API tokens: created and revoked from the CLI and the UI, refused when missing, altered or
//! revoked, and never written to the audit log or shown again.

use super::*;

#[test]
fn cli_creates_lists_and_revokes_tokens() {
    let app = spawn_app();
    let out = roster(&app.db_path, &["token", "create", "ci-sync"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let token = text(&out.stdout).trim_end().to_string();
    assert_eq!(
        text(&out.stdout),
        format!("{token}\n"),
        "stdout is the token alone"
    );
    assert!(token.starts_with("rst_") && token.len() == 44, "{token}");
    assert!(text(&out.stderr).contains("Copy it now"));
    let hash = stored_hash(&app, "ci-sync");
    assert_ne!(hash, token);
    let expected: String = sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(hash, expected, "only the SHA-256 is stored");

    let out = roster(&app.db_path, &["token", "create", "CI-SYNC"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "names are unique without regard to case"
    );
    assert!(
        text(&out.stderr).contains("already exists"),
        "{}",
        text(&out.stderr)
    );

    let (status, body) = json(post_csv(
        &app,
        Some(&token),
        "",
        &one_user("cliuser", "Pw-cli-123!"),
    ));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["created"], 1);

    let out = roster(&app.db_path, &["token", "list"]);
    let listing = text(&out.stdout);
    assert!(
        listing.contains("ci-sync") && listing.contains("active"),
        "{listing}"
    );
    assert!(
        !listing.contains("last used never"),
        "use is recorded: {listing}"
    );
    assert!(
        !listing.contains(&token) && !listing.contains(&hash),
        "{listing}"
    );

    let out = roster(&app.db_path, &["token", "revoke", "ci-sync"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (status, body) = json(post_csv(
        &app,
        Some(&token),
        "",
        &one_user("later", "Pw-later-123!"),
    ));
    assert_eq!(status, 403, "a revoked token is refused: {body}");
    assert!(body["error"].as_str().unwrap().contains("revoked"));
    assert!(user_missing(&app, "later"));
    let listing = text(&roster(&app.db_path, &["token", "list"]).stdout);
    assert!(listing.contains("revoked"), "{listing}");
    let out = roster(&app.db_path, &["token", "revoke", "ci-sync"]);
    assert_eq!(out.status.code(), Some(1), "nothing left to revoke");

    let actions: Vec<_> = audit_rows(&app).into_iter().map(|r| (r.1, r.2)).collect();
    assert!(
        actions.contains(&("token_created".into(), "token:ci-sync".into())),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("token_revoked".into(), "token:ci-sync".into())),
        "{actions:?}"
    );
}

#[test]
fn token_names_ignore_ascii_case_only_on_both_backends() {
    let app = spawn_app();
    let create = |name: &str| roster(&app.db_path, &["token", "create", name]);
    assert_eq!(create("Ärzte").status.code(), Some(0));
    let out = create("ÄRZTE");
    assert_eq!(out.status.code(), Some(1), "ASCII letters fold");
    assert!(text(&out.stderr).contains("already exists"));
    let out = create("ärzte");
    assert_eq!(
        out.status.code(),
        Some(0),
        "non-ASCII letters do not fold, as SQLite's NOCASE: {}",
        text(&out.stderr)
    );
    let out = roster(&app.db_path, &["token", "revoke", "ÄRZTE"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let listing = text(&roster(&app.db_path, &["token", "list"]).stdout);
    assert!(listing.contains("Ärzte\trevoked"), "{listing}");
    assert!(listing.contains("ärzte\tactive"), "{listing}");
}

#[test]
fn admins_create_and_revoke_tokens_in_the_ui() {
    let app = spawn_app();
    let res = app.get("/tokens");
    assert_eq!(res.status().as_u16(), 303, "login required");
    app.login_admin();
    let (status, page) = app.page("/users");
    assert_eq!(status, 200);
    assert!(
        page.contains("href=\"/tokens\""),
        "nav links the token page"
    );

    // The create form is CSRF-checked.
    let res = app
        .client
        .post(app.url("/tokens"))
        .form(&[("name", "no-csrf")])
        .send()
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let rows = app.sql_i64("SELECT COUNT(*) FROM roster_api_token");
    assert_eq!(rows, 0);

    let (token, created_page) = ui_token(&app, "hr-sync");
    assert!(token.starts_with("rst_") && token.len() == 44);
    assert_ne!(stored_hash(&app, "hr-sync"), token);
    assert!(!created_page.contains(&stored_hash(&app, "hr-sync")));
    let (status, page) = app.page("/tokens");
    assert_eq!(status, 200);
    assert!(page.contains("hr-sync"));
    assert!(!page.contains(&token), "shown once only");
    assert!(select_text(&page, "#new-token").is_none());

    let res = app.post_form("/tokens", "/tokens", &[("name", "HR-sync")]);
    assert_eq!(res.status().as_u16(), 422, "duplicate names are refused");
    assert!(res.text().unwrap().contains("already exists"));

    let (status, body) = json(post_multipart(
        &app,
        &token,
        "",
        "ui.csv",
        one_user("uiuser", "Pw-ui-1234!").as_bytes(),
    ));
    assert_eq!(status, 200, "{body}");

    let res = app
        .client
        .post(app.url("/tokens/revoke"))
        .form(&[("name", "hr-sync")])
        .send()
        .unwrap();
    assert_eq!(res.status().as_u16(), 403, "revoking is CSRF-checked too");
    let res = app.post_form("/tokens", "/tokens/revoke", &[("name", "hr-sync")]);
    assert_eq!(res.status().as_u16(), 303);
    let notice = location(&res);
    assert!(notice.starts_with("/tokens?done=hr-sync&sig="), "{notice}");
    let (_, page) = app.page(&notice);
    assert!(
        page.contains("Token <strong>hr-sync</strong> revoked"),
        "{page}"
    );
    assert!(page.contains("Revoked"), "{page}");
    let (status, body) = json(post_csv(
        &app,
        Some(&token),
        "",
        &one_user("afterrevoke", "Pw-x-12345!"),
    ));
    assert_eq!(status, 403, "{body}");
    assert!(user_missing(&app, "afterrevoke"));

    let audit = audit_rows(&app);
    assert!(
        audit
            .iter()
            .any(|r| r.0 == ADMIN && r.1 == "token_created" && r.2 == "token:hr-sync"),
        "{audit:?}"
    );
    assert!(
        audit
            .iter()
            .any(|r| r.0 == ADMIN && r.1 == "token_revoked" && r.2 == "token:hr-sync"),
        "{audit:?}"
    );
}

/// The token with its last character replaced.
fn altered(token: &str) -> String {
    let (head, last) = token.split_at(token.len() - 1);
    format!("{head}{}", if last == "x" { "y" } else { "x" })
}

#[test]
fn missing_and_unknown_tokens_get_401() {
    let app = spawn_app();
    let token = cli_token(&app, "real");
    let before = app.user_count();
    let csv = one_user("nobody", "Pw-nobody-12!");
    for (label, auth) in [
        ("no header", None),
        (
            "unknown token",
            Some(format!("Bearer rst_{}", "x".repeat(40))),
        ),
        (
            "token with one character changed",
            Some(format!("Bearer {}", altered(&token))),
        ),
        ("garbage", Some("Bearer not-a-token".to_string())),
        ("another scheme", Some(format!("Basic {token}"))),
    ] {
        let mut req = script()
            .post(app.url(IMPORT))
            .header("Content-Type", "text/csv")
            .body(csv.clone());
        if let Some(auth) = auth {
            req = req.header("Authorization", auth);
        }
        let res = req.send().unwrap();
        let challenge = res
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let (status, body) = json(res);
        assert_eq!(status, 401, "{label}: {body}");
        assert!(
            challenge
                .as_deref()
                .is_some_and(|c| c.starts_with("Bearer")),
            "{label}: {challenge:?}"
        );
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{label}"
        );
    }
    assert_eq!(app.user_count(), before);
    let (status, _) = json(post_csv(&app, Some(&token), "", &csv));
    assert_eq!(status, 200, "the real token still works");
}

#[test]
fn the_token_never_reaches_the_audit_log_or_later_responses() {
    let app = spawn_app();
    app.login_admin();
    let (token, _) = ui_token(&app, "audited");
    let hash = stored_hash(&app, "audited");
    let mut later = Vec::new();
    let res = post_csv(&app, Some(&token), "", &one_user("audit1", "Pw-audit-123!"));
    later.push(format!("{:?}", res.headers()));
    let body = res.text().unwrap();
    assert!(body.contains("\"created\":1"), "{body}");
    later.push(body);
    let res = post_csv(&app, Some(&token), "", "a,b\n1,2\n");
    later.push(format!("{:?}", res.headers()));
    later.push(res.text().unwrap());
    for path in ["/tokens", "/users"] {
        later.push(app.page(path).1);
    }
    for response in &later {
        assert!(!response.contains(&token), "token leaked: {response}");
        assert!(!response.contains(&hash), "hash leaked: {response}");
    }
    let audit = audit_rows(&app);
    for row in &audit {
        let all = format!("{row:?}");
        assert!(!all.contains(&token) && !all.contains(&hash), "{all}");
        assert!(!all.contains(&token[4..20]), "{all}");
    }
    assert!(
        audit.iter().any(|r| r.0 == "api:audited"
            && r.1 == "import"
            && r.3.contains("(api): 1 created, 0 failed")),
        "{audit:?}"
    );
    assert!(audit.iter().any(|r| r.1 == "token_created"), "{audit:?}");
}
