//! The admin's mail status panel and test mail.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::html;
use crate::web::AppState;
use crate::web::csrf::{CsrfToken, VerifiedForm};
use crate::web::error::WebError;
use crate::web::session::Admin;
use crate::web::views::{self, layout::Chrome, mail::MailPanel};

async fn render(
    admin: &Admin,
    csrf: &CsrfToken,
    state: &web::Data<AppState>,
    test_result: Option<(bool, String)>,
) -> Result<HttpResponse, WebError> {
    let settings = state.config.mail.clone();
    let check = web::block(move || crate::mail::check(&settings)).await?;
    let chrome = Chrome {
        admin: Some(&admin.0.username),
        csrf: &csrf.0,
    };
    let panel = MailPanel {
        settings: &state.config.mail,
        base_url: &state.config.accounts.base_url,
        check: &check,
        test_result: test_result.as_ref().map(|(ok, m)| (*ok, m.as_str())),
    };
    Ok(html(views::mail::panel(chrome, &panel)))
}

pub async fn status(
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    render(&admin, &csrf, &state, None).await
}

#[derive(Deserialize)]
pub struct TestForm {
    address: String,
}

pub async fn send_test(
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    form: VerifiedForm<TestForm>,
) -> Result<HttpResponse, WebError> {
    let address = form.address.trim().to_string();
    if !crate::domain::fields::is_valid_email(&address) {
        return render(
            &admin,
            &csrf,
            &state,
            Some((
                false,
                format!("\"{address}\" is not a valid e-mail address."),
            )),
        )
        .await;
    }
    let settings = state.config.mail.clone();
    let to = address.clone();
    let sent = web::block(move || {
        let server = format!(
            "{}:{}",
            settings.host.as_deref().unwrap_or("?"),
            settings.port
        );
        crate::mail::send(
            &settings,
            &crate::mail::messages::test_message(&to, &server),
        )
    })
    .await?;
    let result = match sent {
        Ok(()) => (true, format!("Test e-mail sent to {address}.")),
        Err(err) => (false, format!("The test e-mail was not sent: {err}")),
    };
    tracing::info!(sent = result.0, "test e-mail requested");
    render(&admin, &csrf, &state, Some(result)).await
}
