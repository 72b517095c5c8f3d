//! The user list and organizational units.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{html, see_other};
use crate::auth::password_validation::{UserAttributes, help_texts, validate_password};
use crate::auth::reset::{LinkPurpose, send_link};
use crate::db::ous::AddOuError;
use crate::web::AppState;
use crate::web::csrf::CsrfToken;
use crate::web::error::{WebError, urlencode};
use crate::web::session::Admin;
use crate::web::views::{self, layout::Chrome};

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

pub async fn users(
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    let page = query.page.unwrap_or(1).max(1);
    let (items, total) = web::block(move || {
        let conn = state.db.connect()?;
        crate::db::users::list(&conn, (page - 1).saturating_mul(PAGE_SIZE), PAGE_SIZE)
    })
    .await??;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let chrome = Chrome {
        admin: Some(&admin.0.username),
        csrf: &csrf.0,
    };
    Ok(html(views::users::list(chrome, &items, page, pages, total)))
}

#[derive(Debug, Deserialize)]
pub struct OuQuery {
    created: Option<String>,
}

pub async fn ous(
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    query: web::Query<OuQuery>,
) -> Result<HttpResponse, WebError> {
    let units = web::block(move || crate::db::ous::list(&state.db.connect()?)).await??;
    let created = query
        .created
        .as_ref()
        .map(|name| format!("Organizational unit \"{name}\" created."));
    let chrome = Chrome {
        admin: Some(&admin.0.username),
        csrf: &csrf.0,
    };
    Ok(html(views::ous::list(
        chrome,
        &units,
        created.as_deref().map(|m| (true, m)),
        "",
    )))
}

#[derive(Deserialize)]
pub struct AddOuForm {
    #[serde(default)]
    csrf_token: String,
    name: String,
}

pub async fn add_ou(
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    form: web::Form<AddOuForm>,
) -> Result<HttpResponse, WebError> {
    csrf.verify(&form.csrf_token)?;
    let name = form.name.clone();
    let state2 = state.clone();
    let outcome = web::block(move || {
        let conn = state2.db.connect()?;
        let added = crate::db::ous::add(&conn, &name, &crate::db::now_text());
        Ok::<_, rusqlite::Error>((added, crate::db::ous::list(&conn)?))
    })
    .await??;
    match outcome {
        (Ok(_), _) => {
            tracing::info!("organizational unit created");
            Ok(see_other(&format!(
                "/ous?created={}",
                urlencode(form.name.trim())
            )))
        }
        (Err(AddOuError::Database(err)), _) => Err(err.into()),
        (Err(problem), units) => {
            let chrome = Chrome {
                admin: Some(&admin.0.username),
                csrf: &csrf.0,
            };
            let message = format!("Cannot create the unit: {problem}.");
            let mut response = html(views::ous::list(
                chrome,
                &units,
                Some((false, &message)),
                &form.name,
            ));
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct UserQuery {
    notice: Option<String>,
    reason: Option<String>,
}

async fn load_detail(
    state: &web::Data<AppState>,
    id: i64,
) -> Result<crate::db::users::UserDetail, WebError> {
    let state = state.clone();
    web::block(move || crate::db::users::detail(&state.db.connect()?, id))
        .await??
        .ok_or(WebError::NotFound)
}

fn render_user(
    admin: &Admin,
    csrf: &CsrfToken,
    detail: &crate::db::users::UserDetail,
    notice: Option<views::users::Notice<'_>>,
) -> HttpResponse {
    let chrome = Chrome {
        admin: Some(&admin.0.username),
        csrf: &csrf.0,
    };
    let usable = crate::auth::hashers::is_password_usable(&detail.user.password)
        && !detail.user.password.is_empty();
    html(views::users::detail(
        chrome,
        detail,
        usable,
        &help_texts(),
        notice,
    ))
}

pub async fn user(
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: web::Query<UserQuery>,
) -> Result<HttpResponse, WebError> {
    let detail = load_detail(&state, path.into_inner()).await?;
    let failed = query
        .reason
        .as_deref()
        .map(|r| format!("The reset e-mail was not sent: {r}"));
    let notice = match (query.notice.as_deref(), &failed) {
        (Some("reset-sent"), _) => Some(views::users::Notice::Good("Password reset e-mail sent.")),
        (Some("password-set"), _) => Some(views::users::Notice::Good(
            "Password set. Hand it to the user outside Roster.",
        )),
        (Some("reset-failed"), Some(text)) => Some(views::users::Notice::Bad(text)),
        _ => None,
    };
    Ok(render_user(&admin, &csrf, &detail, notice))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf_token: String,
}

pub async fn send_reset(
    _admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    csrf.verify(&form.csrf_token)?;
    let detail = load_detail(&state, path.into_inner()).await?;
    let id = detail.user.id;
    let state2 = state.clone();
    let sent = web::block(move || {
        if !detail.user.is_active {
            return Err("the account is inactive".to_string());
        }
        if detail.user.email.is_empty() {
            return Err("the user has no e-mail address".to_string());
        }
        let s = &state2;
        send_link(
            &s.config.mail,
            &s.config.accounts,
            &s.secret_key,
            &detail.user,
            LinkPurpose::Reset,
        )
        .map_err(|e| e.to_string())
    })
    .await?;
    tracing::info!(
        user_id = id,
        sent = sent.is_ok(),
        "admin sent a password reset e-mail"
    );
    Ok(match sent {
        Ok(()) => see_other(&format!("/users/{id}?notice=reset-sent")),
        Err(reason) => see_other(&format!(
            "/users/{id}?notice=reset-failed&reason={}",
            urlencode(&reason)
        )),
    })
}

#[derive(Deserialize)]
pub struct AdminSetPasswordForm {
    #[serde(default)]
    csrf_token: String,
    password1: String,
    password2: String,
}

pub async fn set_password(
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<AdminSetPasswordForm>,
) -> Result<HttpResponse, WebError> {
    csrf.verify(&form.csrf_token)?;
    let detail = load_detail(&state, path.into_inner()).await?;
    let form = form.into_inner();
    let u = &detail.user;
    let errors: Vec<String> = if form.password1 != form.password2 {
        vec!["The two password fields didn't match.".to_string()]
    } else {
        let attributes = UserAttributes {
            username: &u.username,
            first_name: &u.first_name,
            last_name: &u.last_name,
            email: &u.email,
        };
        validate_password(&form.password1, &attributes)
            .into_iter()
            .map(|p| p.message)
            .collect()
    };
    if !errors.is_empty() {
        let mut response = render_user(
            &admin,
            &csrf,
            &detail,
            Some(views::users::Notice::Errors(&errors)),
        );
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    let id = u.id;
    let iterations = state.config.import.pbkdf2_iterations;
    web::block(move || {
        let hash = crate::auth::hashers::make_password(&form.password1, iterations);
        crate::db::users::set_password(&state.db.connect()?, id, &hash)
    })
    .await??;
    tracing::info!(user_id = id, "admin set a password");
    Ok(see_other(&format!("/users/{id}?notice=password-set")))
}
