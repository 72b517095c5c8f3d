//! The same action twice: the second undo of an import is refused, not recorded again.

use super::*;

#[test]
fn a_second_undo_is_refused_and_the_first_record_is_kept() {
    let app = spawn_app();
    app.login_admin();
    let csv = format!("{HEADER}\nAnn;A;ann@example.com;ann;;;ann-pass-123\n");
    let (preview, code, _) = app.upload_and_preview("one.csv", csv.as_bytes());
    assert_eq!(code, 200);
    let id: i64 = app
        .commit(&preview)
        .trim_start_matches("/imports/")
        .parse()
        .unwrap();
    let undo = format!("/imports/{id}/undo");
    let res = app.post_form(&undo, &undo, &[("expected", "1")]);
    assert_eq!(res.status().as_u16(), 303);
    let undone_by = |app: &TestApp| -> Vec<crate::test_backend::TextRow> {
        app.sql_rows(&format!(
            "SELECT CAST(undone_at AS TEXT), undone_by FROM roster_import WHERE id = {id}"
        ))
    };
    let first = undone_by(&app);
    assert!(first[0].iter().all(Option::is_some), "{first:?}");
    // A second admin confirms what the page now shows: nothing left to remove.
    let hash = roster::auth::hashers::make_password(PW, TEST_ITERATIONS);
    insert_admin(&app, "second", &hash);
    let other = app.second_browser();
    other.login("second", PW);
    let res = other.post_form(&undo, &undo, &[("expected", "0")]);
    assert_eq!(res.status().as_u16(), 409);
    assert!(res.text().unwrap().contains("undone already"));
    assert_eq!(undone_by(&app), first, "who undid it is kept");
    let undo_rows = app.sql_i64("SELECT COUNT(*) FROM roster_audit WHERE action = 'import_undone'");
    assert_eq!(undo_rows, 1);
}
