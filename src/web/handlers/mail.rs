//! The admin's mail status panel and test mail.

use actix_web::HttpResponse;
use serde::Deserialize;

use super::html;
use crate::web::admin_context::AdminContext;
use crate::web::csrf::VerifiedForm;
use crate::web::error::WebError;
use crate::web::views::{self, mail::MailPanel};

async fn render(
    ctx: &AdminContext,
    test_result: Option<(bool, String)>,
) -> Result<HttpResponse, WebError> {
    let state = ctx.state();
    let check = ctx
        .blocking(|state, _| Ok(crate::mail::check(&state.config.mail)))
        .await?;
    let panel = MailPanel {
        settings: &state.config.mail,
        base_url: &state.config.accounts.base_url,
        check: &check,
        test_result: test_result.as_ref().map(|(ok, m)| (*ok, m.as_str())),
    };
    Ok(html(views::mail::panel(ctx.chrome(), &panel)))
}

pub async fn status(ctx: AdminContext) -> Result<HttpResponse, WebError> {
    render(&ctx, None).await
}

#[derive(Deserialize)]
pub struct TestForm {
    address: String,
}

pub async fn send_test(
    ctx: AdminContext,
    form: VerifiedForm<TestForm>,
) -> Result<HttpResponse, WebError> {
    let address = form.address.trim().to_string();
    if !crate::domain::fields::is_valid_email(&address) {
        return render(
            &ctx,
            Some((
                false,
                format!("\"{address}\" is not a valid e-mail address."),
            )),
        )
        .await;
    }
    let to = address.clone();
    let sent = ctx
        .blocking(move |state, _| {
            let settings = &state.config.mail;
            let server = format!(
                "{}:{}",
                settings.host.as_deref().unwrap_or("?"),
                settings.port
            );
            Ok(crate::mail::send(
                settings,
                &crate::mail::messages::test_message(&to, &server),
            ))
        })
        .await?;
    let result = match sent {
        Ok(()) => (true, format!("Test e-mail sent to {address}.")),
        Err(err) => (false, format!("The test e-mail was not sent: {err}")),
    };
    tracing::info!(sent = result.0, "test e-mail requested");
    render(&ctx, Some(result)).await
}
