//! Request handlers and the one route table.

mod account;
mod add_user;
mod api;
mod api_users;
mod audit;
mod history;
mod import;
mod import_outcome;
mod mail;
mod mail_form;
mod ous;
mod password;
mod set_password_links;
mod setup;
mod tokens;
mod user_actions;
mod users;

use actix_web::{HttpResponse, http::header, web};
use serde::Deserialize;

use super::assets;

/// A form whose one field is a name: an organizational unit's, an API token's. The name arrives
/// trimmed, so every handler stores, shows and looks up the same text.
#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default, deserialize_with = "trimmed")]
    name: String,
}

fn trimmed<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    Ok(match text.trim() {
        trimmed if trimmed.len() == text.len() => text,
        trimmed => trimmed.to_string(),
    })
}

/// Largest accepted upload in bytes.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimit(pub usize);

/// Every route of the application.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/static/app.css", web::get().to(assets::app_css))
        .route("/static/import.js", web::get().to(assets::import_js))
        .route(
            "/static/mail-check.js",
            web::get().to(assets::mail_check_js),
        )
        .route("/login", web::get().to(account::login_form))
        .route("/login", web::post().to(account::login))
        .route("/logout", web::post().to(account::logout))
        .route("/setup/{token}", web::get().to(setup::setup_form))
        .route("/setup/{token}", web::post().to(setup::setup))
        .route("/account", web::get().to(account::account))
        .route("/password-reset", web::get().to(password::forgot_form))
        .route("/password-reset", web::post().to(password::forgot))
        .route("/password-reset/done", web::get().to(password::forgot_done))
        .route(
            "/reset/{uidb64}/set-password/",
            web::get().to(password::set_password_form),
        )
        .route(
            "/reset/{uidb64}/set-password/",
            web::post().to(password::set_password),
        )
        .route("/reset/{uidb64}/{token}/", web::get().to(password::link))
        .route("/reset/{uidb64}/{token}", web::get().to(password::link))
        .route("/mail", web::get().to(mail::status))
        .route("/mail/test", web::post().to(mail::send_test))
        .route("/mail/settings", web::post().to(mail::save))
        .route("/mail/check/{ticket}", web::get().to(mail::check_result))
        .route(
            "/account/password",
            web::post().to(account::change_password),
        )
        .route("/users", web::get().to(users::list))
        .route("/users/new", web::get().to(add_user::form))
        .route("/users/new", web::post().to(add_user::add))
        .route(
            "/users/send-set-password-link",
            web::post().to(set_password_links::send),
        )
        .route("/users/{id:\\d+}", web::get().to(users::page))
        .route("/users/{id:\\d+}", web::post().to(users::update))
        .route(
            "/users/{id:\\d+}/terminate-sessions",
            web::post().to(user_actions::terminate_sessions),
        )
        .route(
            "/users/{id:\\d+}/send-reset",
            web::post().to(user_actions::send_reset),
        )
        .route(
            "/users/{id:\\d+}/set-password",
            web::post().to(user_actions::set_password),
        )
        .route("/ous", web::get().to(ous::list))
        .route("/ous", web::post().to(ous::add))
        .route("/ous/{id}/rename", web::post().to(ous::rename))
        .route("/ous/{id}/delete", web::post().to(ous::delete))
        .route("/imports", web::get().to(history::list))
        .route("/imports/{id}/undo", web::get().to(history::undo_confirm))
        .route("/imports/{id}/undo", web::post().to(history::undo))
        .route("/audit", web::get().to(audit::page))
        .route("/audit.csv", web::get().to(audit::export))
        .route("/users/import", web::get().to(import::upload_form))
        .route("/users/import", web::post().to(import::upload))
        .route(
            "/users/import/sample.csv",
            web::get().to(import::sample_csv),
        )
        .route(
            "/users/import/template.xlsx",
            web::get().to(import::template_xlsx),
        )
        .route("/users/import/preview/{id}", web::get().to(import::preview))
        .route(
            "/users/import/preview/{id}/commit",
            web::post().to(import::commit),
        )
        .route("/imports/{id}", web::get().to(import_outcome::result))
        .route(
            "/imports/{id}/progress.json",
            web::get().to(import_outcome::progress),
        )
        .route(
            "/imports/{id}/resend",
            web::post().to(import_outcome::resend_invitations),
        )
        .route(
            "/imports/{id}/errors.csv",
            web::get().to(import_outcome::error_report),
        )
        .route(
            "/imports/{id}/errors.xlsx",
            web::get().to(import_outcome::error_report_xlsx),
        )
        .configure(api::routes)
        .default_service(web::to(not_found));
}

async fn home() -> HttpResponse {
    see_other("/users")
}

async fn not_found() -> Result<HttpResponse, super::error::WebError> {
    Err(super::error::WebError::NotFound)
}

/// A 303 redirect, the answer to every successful POST.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// The media type of an `.xlsx` workbook.
pub const XLSX_MEDIA_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file the browser saves under `file_name` instead of showing it.
pub fn download(
    media_type: &str,
    file_name: &str,
    body: impl actix_web::body::MessageBody + 'static,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(media_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(body)
}

/// An HTML response.
pub fn html(markup: maud::Markup) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string())
}

#[cfg(test)]
mod tests {
    use super::NameForm;

    #[test]
    fn a_name_form_arrives_trimmed_and_an_absent_name_is_empty() {
        let form: NameForm = serde_urlencoded::from_str("name=+%09Sales+team%0A").unwrap();
        assert_eq!(form.name, "Sales team");
        let form: NameForm = serde_urlencoded::from_str("name=Sales").unwrap();
        assert_eq!(form.name, "Sales");
        let form: NameForm = serde_urlencoded::from_str("csrf_token=x").unwrap();
        assert_eq!(form.name, "");
    }
}
