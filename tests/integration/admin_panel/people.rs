//! Users: the list, the user page, roles, deactivation, sessions and a user's own password.

use std::collections::HashSet;

use super::*;

/// The search box ignores case for ASCII letters only, as SQLite's `LIKE` does, and gives the
/// same answer on both backends (PostgreSQL's `ILIKE` under the database's collation also folded
/// `É` to `é`).
#[test]
fn the_search_ignores_ascii_case_only_on_both_backends() {
    let app = spawn_app();
    app.login_admin();
    add_user(
        &app,
        "emile",
        ("Émile", "Zola"),
        "emile@corp.example",
        false,
    );
    add_user(&app, "zoe", ("Zoé", "Ébert"), "zoe@corp.example", false);
    let cases: &[(&str, &[&str])] = &[
        ("q=%C3%89mile+ZOLA", &["emile"]),
        ("q=%C3%A9", &["zoe"]),
        ("q=%C3%A9mile", &[]),
        ("q=%C3%89", &["emile", "zoe"]),
    ];
    for (query, expected) in cases {
        assert_eq!(listed(&app, query), *expected, "/users?{query}");
    }
}

#[test]
fn user_list_searches_filters_sorts_and_counts() {
    let app = spawn_app();
    app.login_admin();
    let sales = add_ou(&app, "Sales");
    let ann = add_user(&app, "ann_lee", ("Ann", "Lee"), "ann@corp.example", false);
    add_user(&app, "annalee", ("Anna", "Xu"), "zed@other.example", false);
    let bob = add_user(&app, "bob", ("Robert", "Baker"), "bob@corp.example", false);
    let carol = add_user(
        &app,
        "carol",
        ("Carol", "King"),
        "carol@corp.example",
        false,
    );
    add_user(&app, "dave", ("Dave", "Boss"), "dave@corp.example", true);
    app.sql_execute(&format!(
        "UPDATE auth_user SET is_active = FALSE WHERE id = {carol}; \
         UPDATE auth_user SET last_login = '2026-02-01 10:00:00' WHERE id = {bob}; \
         INSERT INTO roster_user_profile (user_id, organizational_unit_id) \
         VALUES ({ann}, {sales}), ({bob}, {sales});"
    ));
    let by_ou = format!("ou={sales}");
    let cases: &[(&str, &[&str])] = &[
        ("", &["admin", "ann_lee", "annalee", "bob", "carol", "dave"]),
        ("q=ann_", &["ann_lee"]),
        ("q=BAKER", &["bob"]),
        ("q=Robert+Baker", &["bob"]),
        ("q=zed%40other", &["annalee"]),
        (&by_ou, &["ann_lee", "bob"]),
        ("status=inactive", &["carol"]),
        ("status=active&q=corp", &["ann_lee", "bob", "dave"]),
        ("role=admin", &["admin", "dave"]),
        ("role=user&status=active", &["ann_lee", "annalee", "bob"]),
        ("never=1", &["ann_lee", "annalee", "carol", "dave"]),
        (
            "sort=username&desc=1",
            &["dave", "carol", "bob", "annalee", "ann_lee", "admin"],
        ),
        (
            "sort=email",
            &["admin", "ann_lee", "bob", "carol", "dave", "annalee"],
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(listed(&app, query), *expected, "/users?{query}");
    }
    for (query, total) in [
        ("", "6 user(s)"),
        ("status=inactive", "1 user(s)"),
        ("q=none", "0 user(s)"),
    ] {
        let html = app.page(&format!("/users?{query}")).1;
        assert_eq!(
            select_text(&html, "#user-total").as_deref(),
            Some(total),
            "{query}"
        );
    }
}

#[test]
fn user_list_pages_cover_every_user_once() {
    let app = spawn_app();
    app.login_admin();
    insert_bulk_users(&app, 120);
    let html = app.page("/users?page=3").1;
    assert_eq!(
        select_text(&html, "#user-total").as_deref(),
        Some("121 user(s)")
    );
    assert!(html.contains("Page 3 of 3") && select_attr(&html, "a[rel=next]", "href").is_none());
    let pages: Vec<Vec<String>> = (1..=3)
        .map(|p| listed(&app, &format!("page={p}")))
        .collect();
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [50, 50, 21]);
    assert_eq!(
        pages.iter().flatten().collect::<HashSet<_>>().len(),
        121,
        "pages overlap"
    );
}

/// Adds `count` users `bulk0000`, `bulk0001`, … (last name "Bulk", e-mail `<username>@example.com`).
fn insert_bulk_users(app: &TestApp, count: usize) {
    let values: Vec<String> = (0..count)
        .map(|i| {
            format!(
                "('!x', NULL, FALSE, 'bulk{i:04}', 'Bulk', 'bulk{i:04}@example.com', FALSE, TRUE, \
                 '2026-01-01 00:00:00', 'B')"
            )
        })
        .collect();
    app.sql_execute(&format!(
        "INSERT INTO auth_user (password, last_login, is_superuser, username, last_name, email, \
         is_staff, is_active, date_joined, first_name) VALUES {}",
        values.join(", ")
    ));
}

#[test]
fn user_list_counts_up_to_a_cap_and_pages_past_it() {
    let app = spawn_app();
    app.login_admin();
    insert_bulk_users(&app, 1100);
    let total = |query: &str| {
        let html = app.page(&format!("/users?{query}")).1;
        let next = select_attr(&html, "a[rel=next]", "href");
        (
            select_text(&html, "#user-total").unwrap_or_default(),
            html,
            next,
        )
    };
    // 1,101 users (with the admin), 1,100 of them "bulk": counting stops after 1,000, and says so.
    for query in ["", "q=bulk", "q=BULK&sort=name&desc=1"] {
        let (text, html, next) = total(query);
        assert_eq!(text, "more than 1000 user(s)", "{query}");
        assert!(html.contains("Page 1 of 21 or more"), "{query}");
        assert!(next.is_some(), "{query}: no Next link");
        assert!(html.contains("all more than 1000 user(s) matching the filter"));
    }
    // Past the cap, the rest is counted exactly from the page's first row on.
    let (text, html, next) = total("q=bulk&page=21");
    assert_eq!(text, "1100 user(s)");
    assert!(html.contains("Page 21 of 22") && next.is_some());
    assert_eq!(total("page=22&sort=name&desc=1").0, "1101 user(s)");
    assert_eq!(listed(&app, "page=23&sort=name&desc=1"), ["admin"]);
    let (text, html, _) = total("q=bulk1");
    assert_eq!(text, "100 user(s)");
    assert!(html.contains("Page 1 of 2") && !html.contains("or more"));
    // Following Next from page 1 visits every match once, in order, and stops at the end.
    let mut seen = Vec::new();
    let mut path = "/users?q=bulk".to_string();
    loop {
        let html = app.page(&path).1;
        seen.extend(
            table(&html, "tr.user-row")
                .into_iter()
                .map(|r| r[0].clone()),
        );
        match select_attr(&html, "a[rel=next]", "href") {
            Some(next) => path = next.replace("&amp;", "&"),
            None => break,
        }
    }
    let expected: Vec<String> = (0..1100).map(|i| format!("bulk{i:04}")).collect();
    assert_eq!(seen, expected);
}

#[test]
fn user_page_edits_details_unit_title_and_groups() {
    let app = spawn_app();
    app.login_admin();
    let sales = add_ou(&app, "Sales").to_string();
    app.sql_execute("INSERT INTO auth_group (name) VALUES ('Default User'), ('Auditors')");
    let groups: Vec<String> = ["Default User", "Auditors"]
        .map(|g| {
            one::<i64>(
                &app,
                &format!("SELECT id FROM auth_group WHERE name = '{g}'"),
            )
            .to_string()
        })
        .into();
    let id = add_user(&app, "pat", ("Pat", "Old"), "pat@example.com", false);
    add_user(&app, "other", ("O", "Ther"), "Taken@Example.com", false);
    let set = [
        ("first_name", "Patricia"),
        ("last_name", "New"),
        ("email", "Patricia@Example.COM"),
        ("organizational_unit", &sales),
        ("job_title", "Analyst"),
        ("group", &groups[0]),
        ("group", &groups[1]),
    ];
    let res = save_user(&app, id, &set, &[]);
    assert_eq!(status(&res), 303);
    assert_eq!(location(&res), format!("/users/{id}?notice=saved"));
    let saved = user_row(&app, id);
    assert_eq!((saved.0.as_str(), saved.1.as_str()), ("Patricia", "New"));
    assert_eq!(
        saved.2, "Patricia@example.com",
        "domain lower-cased like Django"
    );
    let profile = app.sql_rows(&format!(
        "SELECT ou.name, p.job_title FROM roster_user_profile p \
         JOIN roster_organizational_unit ou ON ou.id = p.organizational_unit_id \
         WHERE p.user_id = {id}"
    ));
    let [profile] = &profile[..] else {
        panic!("{profile:?}")
    };
    let profile = (
        String::from_text(profile[0].clone()),
        String::from_text(profile[1].clone()),
    );
    assert_eq!(profile, ("Sales".to_string(), "Analyst".to_string()));
    let member_of = |app: &TestApp| -> i64 {
        one(
            app,
            &format!("SELECT COUNT(*) FROM auth_user_groups WHERE user_id = {id}"),
        )
    };
    assert_eq!(member_of(&app), 2);
    for bad in ["not-an-email", "TAKEN@example.COM"] {
        let res = save_user(&app, id, &[("email", bad), ("first_name", "Changed")], &[]);
        assert_eq!(status(&res), 422, "{bad}");
        assert!(res.text().unwrap().contains("Not saved"));
        assert_eq!(user_row(&app, id), saved, "{bad}: nothing saved");
    }
    assert_eq!(
        status(&save_user(&app, id, &[("group", &groups[1])], &[])),
        303
    );
    assert_eq!(member_of(&app), 1, "unticked group removed");
}

#[test]
fn promotion_and_demotion_apply_on_the_next_request() {
    let app = spawn_app();
    app.login_admin();
    let id = add_user(&app, "pat", ("Pat", "P"), "pat@example.com", false);
    let pat = browser(&app, "pat");
    assert_eq!(status(&pat.get("/users")), 403);
    assert_eq!(status(&save_user(&app, id, &[("role", "admin")], &[])), 303);
    assert_eq!(
        status(&pat.get("/users")),
        200,
        "promoted: admin pages open at once"
    );
    let row = user_row(&app, id);
    assert!(row.4 && row.5, "staff and superuser");
    let html = app.page(&format!("/users/{id}")).1;
    assert_eq!(select_text(&html, "#user-role").as_deref(), Some("Admin"));
    assert_eq!(status(&save_user(&app, id, &[("role", "user")], &[])), 303);
    assert_eq!(status(&pat.get("/users")), 403, "demoted: refused at once");
    assert_eq!(status(&pat.get("/account")), 200, "but still logged in");
}

#[test]
fn the_last_active_admin_cannot_lose_admin_rights() {
    let app = spawn_app();
    app.login_admin();
    let me: i64 = one(&app, "SELECT id FROM auth_user WHERE username = 'admin'");
    let idle = add_user(&app, "idle", ("I", "Dle"), "idle@example.com", true);
    app.sql_execute(&format!(
        "UPDATE auth_user SET is_active = FALSE WHERE id = {idle}"
    ));
    let before = user_row(&app, me);
    let demote: &[(&str, &str)] = &[("role", "user")];
    for (set, unset) in [(demote, &[][..]), (&[][..], &["active"][..])] {
        let res = save_user(&app, me, set, unset);
        assert_eq!(status(&res), 422, "{set:?} {unset:?}");
        assert!(res.text().unwrap().contains("last active admin"));
        assert_eq!(user_row(&app, me), before, "unchanged");
    }
    assert_eq!(status(&app.get("/users")), 200);
    let other = add_user(&app, "other", ("O", "Ther"), "other@example.com", true);
    assert_eq!(
        status(&save_user(&app, other, demote, &[])),
        303,
        "two admins: one may go"
    );
    assert!(!user_row(&app, other).4);
    assert_eq!(
        status(&save_user(&app, me, demote, &[])),
        422,
        "last one again"
    );
}

#[test]
fn deactivation_blocks_at_once_keeps_data_and_can_be_undone() {
    let app = spawn_app();
    app.login_admin();
    let id = add_user(&app, "pat", ("Pat", "P"), "pat@example.com", false);
    let pat = browser(&app, "pat");
    assert_eq!(status(&pat.get("/account")), 200);
    let html = app.page(&format!("/users/{id}")).1;
    assert!(html.contains("Roster has no delete"));
    assert!(
        select_attr(&html, "form[action$=delete]", "action").is_none(),
        "no delete button"
    );
    assert_eq!(status(&save_user(&app, id, &[], &["active"])), 303);
    let res = pat.get("/account");
    assert_eq!(status(&res), 303, "the open session ends at once");
    assert!(location(&res).starts_with("/login"));
    let res = app.second_browser().post_form(
        "/login",
        "/login",
        &[("username", "pat"), ("password", PW)],
    );
    assert_eq!(status(&res), 401, "login refused");
    assert_eq!(user_row(&app, id).0, "Pat", "data kept");
    assert_eq!(listed(&app, "status=inactive"), ["pat"]);
    let html = app.page(&format!("/users/{id}")).1;
    assert_eq!(
        select_text(&html, "#user-status").as_deref(),
        Some("inactive")
    );
    assert_eq!(status(&save_user(&app, id, &[("active", "1")], &[])), 303);
    assert_eq!(
        status(&browser(&app, "pat").get("/account")),
        200,
        "can log in again"
    );
}

#[test]
fn terminate_sessions_logs_the_user_out_everywhere() {
    let app = spawn_app();
    app.login_admin();
    let id = add_user(&app, "pat", ("Pat", "P"), "pat@example.com", false);
    let (one_browser, another) = (browser(&app, "pat"), browser(&app, "pat"));
    let page = format!("/users/{id}");
    assert_eq!(
        select_text(&app.page(&page).1, "#session-count").as_deref(),
        Some("2 active session(s).")
    );
    let (_, html) = app.page(&page);
    assert!(
        html.contains("name=\"confirm\"") && !html.contains("own-sessions-warning"),
        "a box to tick first; no warning about someone else's sessions"
    );
    let res = app.post_form(&page, &format!("{page}/terminate-sessions"), &[]);
    assert_eq!(status(&res), 422, "not confirmed: nothing happens");
    assert!(res.text().unwrap().contains("Nothing was done"));
    assert_eq!(
        select_text(&app.page(&page).1, "#session-count").as_deref(),
        Some("2 active session(s).")
    );
    let res = app.post_form(
        &page,
        &format!("{page}/terminate-sessions"),
        &[("confirm", "yes")],
    );
    assert_eq!(status(&res), 303);
    for b in [&one_browser, &another] {
        assert_eq!(status(&b.get("/account")), 303, "session ended");
    }
    assert_eq!(
        select_text(&app.page(&page).1, "#session-count").as_deref(),
        Some("0 active session(s).")
    );
    assert_eq!(
        status(&app.get("/users")),
        200,
        "the admin's own session is untouched"
    );
    let own = app.user_id(ADMIN);
    let (_, html) = app.page(&format!("/users/{own}"));
    assert!(
        html.contains("own-sessions-warning") && html.contains("including mine"),
        "terminating your own sessions warns first"
    );
}

#[test]
fn a_default_user_changes_their_own_password() {
    let app = spawn_app();
    let id = add_user(&app, "pat", ("Pat", "P"), "pat@example.com", false);
    let (pat, elsewhere) = (browser(&app, "pat"), browser(&app, "pat"));
    let hash = || -> String {
        one(
            &app,
            &format!("SELECT password FROM auth_user WHERE id = {id}"),
        )
    };
    let old_hash = hash();
    let change = |old: &str, new: &str| {
        let fields = [
            ("old_password", old),
            ("new_password1", new),
            ("new_password2", new),
        ];
        pat.post_form("/account", "/account/password", &fields)
    };
    let res = change("not-my-password", "Fresh-Horse-42");
    assert_eq!(status(&res), 422, "wrong old password");
    assert!(
        res.text()
            .unwrap()
            .contains("old password was entered incorrectly")
    );
    assert_eq!(status(&change(PW, "password")), 422, "weak new password");
    assert_eq!(hash(), old_hash, "nothing changed yet");
    let res = change(PW, "Fresh-Horse-42");
    assert_eq!(status(&res), 303);
    assert_eq!(location(&res), "/account?password=changed");
    assert_ne!(hash(), old_hash);
    assert_eq!(status(&pat.get("/account")), 200, "this session continues");
    assert_eq!(
        status(&elsewhere.get("/account")),
        303,
        "other sessions end"
    );
    app.second_browser().login("pat", "Fresh-Horse-42");
    let old = app.second_browser().post_form(
        "/login",
        "/login",
        &[("username", "pat"), ("password", PW)],
    );
    assert_eq!(status(&old), 401, "the old password no longer works");
}

#[test]
fn user_list_sorts_by_name_descending() {
    let app = spawn_app();
    app.login_admin();
    add_user(&app, "zed", ("Zed", "Adams"), "zed@example.com", false);
    add_user(&app, "amy", ("Amy", "Adams"), "amy@example.com", false);
    add_user(&app, "bea", ("Bea", "Young"), "bea@example.com", false);
    let by_name = "role=user&sort=name";
    assert_eq!(listed(&app, by_name), ["amy", "zed", "bea"]);
    // Both name columns descend (the bug was DESC on first_name only: ["zed", "amy", "bea"]).
    assert_eq!(
        listed(&app, &format!("{by_name}&desc=1")),
        ["bea", "zed", "amy"]
    );
}

#[test]
fn saving_a_user_into_a_deleted_unit_is_refused() {
    let app = spawn_app();
    app.login_admin();
    let gone = add_ou(&app, "Gone");
    let id = add_user(&app, "pat", ("Pat", "P"), "pat@example.com", false);
    // The admin's form still offers "Gone", but another admin deletes it before Save.
    let res = app.post_form("/ous", &format!("/ous/{gone}/delete"), &[]);
    assert_eq!(status(&res), 303);
    let before = user_row(&app, id);
    let set = [
        ("organizational_unit", gone.to_string()),
        ("first_name", "Changed".into()),
    ];
    let set: Vec<(&str, &str)> = set.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = save_user(&app, id, &set, &[]);
    assert_eq!(
        status(&res),
        422,
        "a stale unit is the admin's fixable mistake"
    );
    assert_eq!(user_row(&app, id), before);
}
