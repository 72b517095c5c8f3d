//! The import with the keyboard alone, in Chromium: log in, Tab to the file chooser, upload, Tab to
//! Import, press Enter, Tab to the error report; every stop shows where the focus is.

use fantoccini::key::Key;
use serde::Deserialize;
use serde_json::Value;

use super::{Browser, run};
use crate::helpers::*;

/// What has the focus, and whether it is drawn so a keyboard user can see it.
#[derive(Debug, Deserialize)]
struct Focus {
    tag: String,
    id: String,
    text: String,
    outline: String,
    outline_width: f64,
}

const FOCUSED: &str = r#"
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return {
        tag: el.tagName.toLowerCase(),
        id: el.id,
        text: (el.innerText || el.value || "").trim().slice(0, 80),
        outline: style.outlineStyle,
        outline_width: parseFloat(style.outlineWidth) || 0,
    };
"#;

async fn focused(browser: &Browser) -> Focus {
    let value: Value = browser.script(FOCUSED, vec![]).await;
    serde_json::from_value(value).expect("focus description")
}

/// Presses Tab until `wanted` holds (at most 40 times); every element passed on the way must
/// show a focus outline.
async fn tab_to(browser: &Browser, what: &str, wanted: impl Fn(&Focus) -> bool) -> Focus {
    for _ in 0..40 {
        browser.press(Key::Tab).await;
        let focus = focused(browser).await;
        assert!(
            focus.outline != "none" && focus.outline_width > 0.0,
            "no visible focus on {focus:?}"
        );
        if wanted(&focus) {
            return focus;
        }
    }
    panic!("Tab never reached {what}");
}

#[test]
fn the_import_works_with_the_keyboard_alone() {
    let app = spawn_app();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keyboard.csv");
    let csv = format!(
        "{HEADER}\nKey;Board;key@example.com;keyboard;;;Kb-pass-123\nNo;Mail;nomail;nomail;;;Kb-pass-456\n"
    );
    std::fs::write(&file, csv).unwrap();
    run(async {
        let mut browser = Browser::start("keyboard").await;
        browser.goto(&app.url("/login")).await;
        assert_eq!(
            focused(&browser).await.id,
            "username",
            "the login form starts focused"
        );
        browser.type_text(ADMIN).await;
        browser.press(Key::Tab).await;
        assert_eq!(focused(&browser).await.id, "password");
        browser.type_text(ADMIN_PASSWORD).await;
        browser.shot("login-typed").await;
        browser.press_to_navigate(Key::Enter).await;
        browser.find("nav[aria-label=Main]").await;

        browser.goto(&app.url("/users/import")).await;
        let chooser = tab_to(&browser, "the file chooser", |f| f.id == "file").await;
        assert_eq!(chooser.tag, "input");
        browser.shot("file-chooser-focused").await;
        // Space on a file input opens the system dialog; WebDriver answers it with a path.
        let input = browser
            .client
            .active_element()
            .await
            .expect("focused element");
        input
            .send_keys(&file.display().to_string())
            .await
            .expect("choose file");
        assert_eq!(browser.text("#chosen").await, "Selected: keyboard.csv");
        let upload = tab_to(&browser, "Upload file", |f| f.text == "Upload file").await;
        assert_eq!(upload.tag, "button");
        browser.shot("upload-focused").await;
        browser.press_to_navigate(Key::Enter).await;

        assert_eq!(browser.text("#rows-create").await, "1");
        assert_eq!(browser.text("#rows-failed").await, "1");
        tab_to(&browser, "the Import button", |f| f.text == "Import 1 user").await;
        browser.shot("import-focused").await;
        browser.press_to_navigate(Key::Enter).await;

        assert_eq!(browser.text("#created").await, "1");
        let report = tab_to(&browser, "the error report link", |f| {
            f.text == "Download error report (Excel)"
        })
        .await;
        assert_eq!(report.tag, "a");
        browser.shot("result-report-focused").await;
        browser.press(Key::Enter).await;
        browser
            .wait_until("the error report download", || {
                let downloads = std::fs::read_dir(&browser.downloads).expect("downloads dir");
                let done = downloads
                    .map(|e| e.expect("entry").path())
                    .any(|p| p.extension().is_some_and(|x| x == "xlsx"));
                std::future::ready(done)
            })
            .await;
        browser.finish().await;
    });
    assert_eq!(app.user_count(), 2, "the admin and the one valid row");
}
