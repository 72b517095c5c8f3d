//! The user list and organizational units.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{html, see_other};
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
