//! The user list and one user's page: edit, role, status, sessions and password help.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{html, see_other};
use crate::auth::password_validation::{UserAttributes, help_texts, validate_password};
use crate::auth::reset::{LinkPurpose, send_link};
use crate::db::user_admin::{UserChange, UserChangeError};
use crate::db::user_list::{SortKey, UserQuery};
use crate::web::AppState;
use crate::web::audit::{Actor, user_target};
use crate::web::csrf::{CsrfToken, VerifiedForm};
use crate::web::error::WebError;
use crate::web::session::Admin;
use crate::web::views::user_page::{Notice, UserPageView};
use crate::web::views::users::UserListView;
use crate::web::views::{self, layout::Chrome};

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    page: Option<i64>,
    q: Option<String>,
    ou: Option<String>,
    status: Option<String>,
    role: Option<String>,
    never: Option<String>,
    nopw: Option<String>,
    sort: Option<String>,
    desc: Option<String>,
}

impl ListQuery {
    pub(super) fn to_query(&self) -> UserQuery {
        UserQuery {
            text: self
                .q
                .clone()
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect(),
            organizational_unit: self.ou.as_deref().and_then(|v| v.parse().ok()),
            active: match self.status.as_deref() {
                Some("active") => Some(true),
                Some("inactive") => Some(false),
                _ => None,
            },
            admin: match self.role.as_deref() {
                Some("admin") => Some(true),
                Some("user") => Some(false),
                _ => None,
            },
            never_logged_in: self.never.is_some(),
            password_not_set: self.nopw.is_some(),
            sort: SortKey::parse(self.sort.as_deref().unwrap_or_default()),
            descending: self.desc.is_some(),
        }
    }
}

pub async fn list(
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, WebError> {
    let page = query.page.unwrap_or(1).clamp(1, 1_000_000);
    let search = query.to_query();
    let search2 = search.clone();
    let time_zone = state.config.accounts.time_zone;
    let (items, total, units) = web::block(move || -> rusqlite::Result<_> {
        let conn = state.db.connect()?;
        let (items, total) =
            crate::db::user_list::search(&conn, &search2, (page - 1) * PAGE_SIZE, PAGE_SIZE)?;
        Ok((items, total, crate::db::ous::list(&conn)?))
    })
    .await??;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let chrome = Chrome {
        admin: Some(&admin.0.username),
        csrf: &csrf.0,
    };
    let view = UserListView {
        users: &items,
        total,
        page,
        pages,
        query: &search,
        units: &units,
        time_zone,
    };
    Ok(html(views::users::list(chrome, &view)))
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    notice: Option<String>,
    /// A signed notice (see `web::notice`), e.g. after Add user.
    done: Option<String>,
    sig: Option<String>,
}

async fn render(
    admin: &Admin,
    csrf: &CsrfToken,
    state: &web::Data<AppState>,
    id: i64,
    notice: Option<Notice<'_>>,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let state = state.clone();
    let time_zone = state.config.accounts.time_zone;
    let loaded = web::block(move || -> rusqlite::Result<_> {
        let conn = state.db.connect()?;
        let Some(detail) = crate::db::users::detail(&conn, id)? else {
            return Ok(None);
        };
        let units = crate::db::ous::list(&conn)?;
        let groups = crate::db::user_admin::groups(&conn)?;
        let member_of = crate::db::user_admin::group_ids(&conn, id)?;
        let sessions = crate::db::user_admin::session_count(&conn, id)?;
        Ok(Some((detail, units, groups, member_of, sessions)))
    })
    .await??;
    let Some((detail, units, groups, member_of, sessions)) = loaded else {
        return Err(WebError::NotFound);
    };
    let chrome = Chrome {
        admin: Some(&admin.0.username),
        csrf: &csrf.0,
    };
    let usable = crate::auth::hashers::is_password_usable(&detail.user.password)
        && !detail.user.password.is_empty();
    let help = help_texts();
    let view = UserPageView {
        detail: &detail,
        usable_password: usable,
        password_help: &help,
        notice,
        units: &units,
        groups: &groups,
        member_of: &member_of,
        sessions,
        time_zone,
    };
    let mut response = html(views::user_page::detail(chrome, &view));
    *response.status_mut() = status;
    Ok(response)
}

pub async fn page(
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let done = crate::web::notice::verified(
        &state.secret_key,
        &super::add_user::notice_page(id),
        query.done.as_deref(),
        query.sig.as_deref(),
    );
    let notice = match query.notice.as_deref() {
        _ if done.is_some() => done.as_deref().map(Notice::Good),
        Some("saved") => Some(Notice::Good("Changes saved.")),
        Some("sessions-ended") => Some(Notice::Good("All sessions of this user were ended.")),
        Some("reset-sent") => Some(Notice::Good("Password reset e-mail sent.")),
        Some("password-set") => Some(Notice::Good(
            "Password set. Hand it to the user outside Roster.",
        )),
        _ => None,
    };
    render(&admin, &csrf, &state, id, notice, StatusCode::OK).await
}

/// The edit form; `group` repeats, so it is read as a list of pairs (with the form size limit).
pub async fn update(
    req: HttpRequest,
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let get = |name: &str| form.field(name).map(str::to_string);
    let id = path.into_inner();
    let change = UserChange {
        first_name: get("first_name").unwrap_or_default(),
        last_name: get("last_name").unwrap_or_default(),
        email: get("email").unwrap_or_default(),
        organizational_unit_id: get("organizational_unit").and_then(|v| v.parse().ok()),
        job_title: get("job_title").unwrap_or_default(),
        group_ids: form.parsed_all("group"),
        admin: get("role").as_deref() == Some("admin"),
        active: get("active").is_some(),
    };
    let actor = Actor::admin(&admin, &req);
    let state2 = state.clone();
    let outcome = web::block(move || -> rusqlite::Result<Result<(), UserChangeError>> {
        let mut conn = state2.db.connect()?;
        let username = crate::db::users::find_by_id(&conn, id)?
            .map(|u| u.username)
            .unwrap_or_default();
        match crate::db::user_admin::apply(&mut conn, id, &change) {
            Ok(changes) => {
                for line in &changes {
                    let action = if line.starts_with("role:") {
                        "role_changed"
                    } else if line.starts_with("status: active") {
                        "user_deactivated"
                    } else if line.starts_with("status: inactive") {
                        "user_reactivated"
                    } else {
                        "user_changed"
                    };
                    actor.record(&conn, action, &user_target(id, &username), line)?;
                }
                Ok(Ok(()))
            }
            Err(UserChangeError::Database(err)) => Err(err),
            Err(other) => Ok(Err(other)),
        }
    })
    .await??;
    match outcome {
        Ok(()) => Ok(see_other(&format!("/users/{id}?notice=saved"))),
        Err(UserChangeError::NotFound) => Err(WebError::NotFound),
        Err(problem) => {
            let message = format!("Not saved: {problem}");
            render(
                &admin,
                &csrf,
                &state,
                id,
                Some(Notice::Bad(&message)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// A button that acts at once on someone's account: the admin ticks "Yes, …" first.
#[derive(Deserialize)]
pub struct ConfirmedForm {
    #[serde(default)]
    confirm: String,
}

impl ConfirmedForm {
    /// The ticked confirmation box (browsers require it; this is for the rest).
    fn confirmed(&self, what: &str) -> Result<(), WebError> {
        verify_confirmed(&self.confirm, what)
    }
}

/// The ticked "Yes, …" box (browsers require it; this is for the rest); the form's CSRF token was
/// checked by `VerifiedForm` before.
pub(super) fn verify_confirmed(confirm: &str, what: &str) -> Result<(), WebError> {
    if confirm == "yes" {
        return Ok(());
    }
    Err(WebError::bad_request(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!("Nothing was done. Tick \"Yes, {what}\" to confirm, then press the button again."),
    ))
}

pub async fn terminate_sessions(
    req: HttpRequest,
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: VerifiedForm<ConfirmedForm>,
) -> Result<HttpResponse, WebError> {
    form.confirmed("end the sessions")?;
    let id = path.into_inner();
    let actor = Actor::admin(&admin, &req);
    let found = web::block(move || -> rusqlite::Result<bool> {
        let conn = state.db.connect()?;
        let Some(user) = crate::db::users::find_by_id(&conn, id)? else {
            return Ok(false);
        };
        let ended = crate::db::user_admin::terminate_sessions(&conn, id)?;
        actor.record(
            &conn,
            "sessions_terminated",
            &user_target(id, &user.username),
            &format!("{ended} session(s)"),
        )?;
        Ok(true)
    })
    .await??;
    if !found {
        return Err(WebError::NotFound);
    }
    Ok(see_other(&format!("/users/{id}?notice=sessions-ended")))
}

pub async fn send_reset(
    req: HttpRequest,
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: VerifiedForm<ConfirmedForm>,
) -> Result<HttpResponse, WebError> {
    form.confirmed("send the mail")?;
    let id = path.into_inner();
    let actor = Actor::admin(&admin, &req);
    let state2 = state.clone();
    let sent = web::block(move || -> rusqlite::Result<Option<Result<(), String>>> {
        let conn = state2.db.connect()?;
        let Some(user) = crate::db::users::find_by_id(&conn, id)? else {
            return Ok(None);
        };
        let outcome = if !user.is_active {
            Err("the account is inactive".to_string())
        } else if user.email.is_empty() {
            Err("the user has no e-mail address".to_string())
        } else {
            let s = &state2;
            send_link(
                &s.config.mail,
                &s.config.accounts,
                &s.secret_key,
                &user,
                LinkPurpose::Reset,
            )
            .map_err(|e| e.to_string())
        };
        let detail = match &outcome {
            Ok(()) => "sent".to_string(),
            Err(reason) => format!("not sent: {reason}"),
        };
        actor.record(
            &conn,
            "password_reset_sent",
            &user_target(id, &user.username),
            &detail,
        )?;
        Ok(Some(outcome))
    })
    .await??
    .ok_or(WebError::NotFound)?;
    match sent {
        Ok(()) => Ok(see_other(&format!("/users/{id}?notice=reset-sent"))),
        // Shown on this response, not carried in a URL someone else could craft.
        Err(reason) => {
            let message = format!("The reset e-mail was not sent: {reason}");
            render(
                &admin,
                &csrf,
                &state,
                id,
                Some(Notice::Bad(&message)),
                StatusCode::BAD_GATEWAY,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct SetPasswordForm {
    password1: String,
    password2: String,
}

pub async fn set_password(
    req: HttpRequest,
    admin: Admin,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: VerifiedForm<SetPasswordForm>,
) -> Result<HttpResponse, WebError> {
    let id = path.into_inner();
    let state2 = state.clone();
    let user = web::block(move || crate::db::users::find_by_id(&state2.db.connect()?, id))
        .await??
        .ok_or(WebError::NotFound)?;
    let form = form.into_inner();
    let errors: Vec<String> = if form.password1 != form.password2 {
        vec!["The two password fields didn't match.".to_string()]
    } else {
        let attributes = UserAttributes {
            username: &user.username,
            first_name: &user.first_name,
            last_name: &user.last_name,
            email: &user.email,
        };
        validate_password(&form.password1, &attributes)
            .into_iter()
            .map(|p| p.message)
            .collect()
    };
    if !errors.is_empty() {
        return render(
            &admin,
            &csrf,
            &state,
            id,
            Some(Notice::Errors(&errors)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let iterations = state.config.import.pbkdf2_iterations;
    let actor = Actor::admin(&admin, &req);
    web::block(move || -> rusqlite::Result<()> {
        let hash = crate::auth::hashers::make_password(&form.password1, iterations);
        let conn = state.db.connect()?;
        crate::db::users::set_password(&conn, id, &hash)?;
        actor.record(
            &conn,
            "password_set",
            &user_target(id, &user.username),
            "set by an admin",
        )
    })
    .await??;
    Ok(see_other(&format!("/users/{id}?notice=password-set")))
}
