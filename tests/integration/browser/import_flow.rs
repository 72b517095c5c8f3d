//! An admin's import in Chromium: drag and drop a file, read the preview, import with live progress,
//! read the result and download the error report.

use std::time::Duration;

use serde_json::json;

use super::{Browser, run};
use crate::eventually::eventually_async;
use crate::helpers::*;

/// Rows with a password; enough hashing at `ITERATIONS` that the progress page shows.
pub(crate) const ROWS: usize = 100;
pub(crate) const ITERATIONS: u32 = 400_000;

fn people_csv() -> String {
    let mut csv = format!("{HEADER}\n");
    for i in 0..ROWS {
        csv += &format!(
            "Person;Number {i};person{i}@example.com;person{i};;Engineer;Quay-{i}-lantern\n"
        );
    }
    // Line 102: a formula in a name and a broken e-mail; line 103: a username taken on line 2.
    csv += "\"=HYPERLINK(\"\"http://evil.example\"\";\"\"click\"\")\";Bad;not-an-email;bad1;;;\n";
    csv += "Dup;User;dup@example.com;person0;;;\n";
    csv
}

/// Puts `text` on the drop zone as a file named `name`, the way a drag from the desktop does.
const DROP_FILE: &str = r#"
    const [name, text, phase] = arguments;
    const zone = document.getElementById("dropzone");
    const data = new DataTransfer();
    data.items.add(new File([text], name, { type: "text/csv" }));
    const types = phase === "hover" ? ["dragenter", "dragover"] : ["drop"];
    for (const type of types) {
        zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
    }
    return zone.classList.contains("dragging");
"#;

#[test]
fn drop_preview_import_with_progress_and_download_the_error_report() {
    let app = spawn_app_configured(seed_admin, |config| {
        config.import.pbkdf2_iterations = ITERATIONS;
    });
    run(import_journey(
        "import_flow",
        &app.base,
        ADMIN,
        ADMIN_PASSWORD,
    ));
    let stored: Vec<String> = app
        .sql_rows("SELECT password FROM auth_user WHERE username LIKE 'person%' ORDER BY id")
        .into_iter()
        .map(|row| row.into_iter().next().flatten().expect("a password"))
        .collect();
    check_imported_passwords(&stored);
}

/// The imported people's hashes, oldest first: Django's PBKDF2 at `ITERATIONS`, the first one
/// checking against its row's password.
pub(crate) fn check_imported_passwords(stored: &[String]) {
    assert_eq!(stored.len(), ROWS);
    let first = &stored[0];
    assert!(first.starts_with(&format!("pbkdf2_sha256${ITERATIONS}$")));
    let check = roster::auth::hashers::check_password("Quay-0-lantern", first, ITERATIONS);
    assert!(matches!(
        check,
        roster::auth::hashers::PasswordCheck::Correct { .. }
    ));
}

/// In Chromium on the server at `base`: log in, drop `people_csv` on the import page, read the
/// preview, import with live progress, read the result and download the error report (checked);
/// screenshots are labelled `label`.
pub(crate) async fn import_journey(label: &str, base: &str, username: &str, password: &str) {
    let mut browser = Browser::start(label).await;
    browser.goto(&format!("{base}/login")).await;
    browser.fill("#username", username).await;
    browser.fill("#password", password).await;
    browser.shot("login").await;
    browser
        .click_to_navigate("form[action='/login'] button[type=submit]")
        .await;
    browser.find("nav[aria-label=Main]").await;

    browser.goto(&format!("{base}/users/import")).await;
    browser.shot("import-page").await;
    let hover = browser.script(
        DROP_FILE,
        vec![json!("people.csv"), json!(people_csv()), json!("hover")],
    );
    assert_eq!(
        hover.await,
        json!(true),
        "the drop zone lights up under a dragged file"
    );
    browser.shot("dragging").await;
    let dropped = browser.script(
        DROP_FILE,
        vec![json!("people.csv"), json!(people_csv()), json!("drop")],
    );
    assert_eq!(dropped.await, json!(false));
    assert_eq!(browser.text("#chosen").await, "Selected: people.csv");
    browser.shot("dropped").await;

    browser
        .click_to_navigate("#upload-form button[type=submit]")
        .await;
    assert_eq!(browser.text("#rows-total").await, "102");
    assert_eq!(browser.text("#rows-create").await, "100");
    assert_eq!(browser.text("#rows-failed").await, "2");
    let preview = browser.text("main").await;
    assert!(
        preview.contains("102") && preview.contains("not-an-email"),
        "{preview}"
    );
    assert!(
        !preview.contains("Pw-0-horse"),
        "the preview never shows a password"
    );
    browser.shot("preview").await;

    browser
        .click_to_navigate("form[action$='/commit'] button[type=submit]")
        .await;
    let bar = browser.find("#import-progress").await;
    let max = bar.attr("max").await.expect("max attribute");
    assert_eq!(
        max.as_deref(),
        Some("102"),
        "progress counts every row of the file"
    );
    assert!(browser.text("#progress-text").await.contains("of 102 rows"));
    browser.shot("progress").await;

    wait_for_result(&browser).await;
    assert_eq!(browser.text("#created").await, "100");
    assert_eq!(browser.text("#failed").await, "2");
    browser.shot("result").await;

    browser.click("a[href$='/errors.csv']").await;
    let report = downloaded_csv(&browser).await;
    browser.finish().await;
    check_error_report(&report);
}

/// The progress page refreshes itself until the result replaces it.
async fn wait_for_result(browser: &Browser) {
    eventually_async(
        "the import's result page",
        Duration::from_secs(180),
        || async {
            let found = browser
                .client
                .find(fantoccini::Locator::Css("#created"))
                .await;
            found.ok().map(drop)
        },
    )
    .await
}

/// The one finished download, read once Chromium has renamed it from `.crdownload`.
async fn downloaded_csv(browser: &Browser) -> Vec<u8> {
    let mut file = None;
    browser
        .wait_until("the error report download", || {
            let entries = std::fs::read_dir(&browser.downloads).expect("downloads dir");
            let done: Vec<_> = entries
                .map(|e| e.expect("entry").path())
                .filter(|p| p.extension().is_some_and(|x| x == "csv"))
                .collect();
            file = done.into_iter().next();
            std::future::ready(file.is_some())
        })
        .await;
    std::fs::read(file.expect("downloaded file")).expect("read the download")
}

fn check_error_report(report: &[u8]) {
    let text = String::from_utf8(report.to_vec()).expect("UTF-8 report");
    assert!(text.starts_with('\u{feff}'), "a BOM so Excel reads UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "header and the two failed rows: {text}");
    assert!(lines[0].ends_with(";password;error;note"), "{}", lines[0]);
    assert!(lines[1].contains("line 102, column email"), "{}", lines[1]);
    assert!(
        lines[1].starts_with("\"'=HYPERLINK("),
        "formula neutralised: {}",
        lines[1]
    );
    assert!(
        lines[2].contains("line 103, column username"),
        "{}",
        lines[2]
    );
    assert!(!text.contains("Pw-"), "no password in the report");
}
