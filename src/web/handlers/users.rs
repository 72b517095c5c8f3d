//! The user list and one user's page: edit, role, status, sessions and password help.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{html, see_other};
use crate::auth::password_validation::{UserAttributes, help_texts, new_password_problems};
use crate::auth::reset::{LinkPurpose, send_link};
use crate::db::audit::AuditAction;
use crate::db::user_admin::{UserChange, UserChangeError};
use crate::db::user_list::{SortKey, UserQuery};
use crate::web::admin_context::AdminContext;
use crate::web::audit::user_target;
use crate::web::csrf::VerifiedForm;
use crate::web::error::WebError;
use crate::web::path_param::PathParam;
use crate::web::views;
use crate::web::views::user_page::{Notice, UserPageView};
use crate::web::views::users::UserListView;

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
    ctx: AdminContext,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, WebError> {
    let page = query.page.unwrap_or(1).clamp(1, 1_000_000);
    let search = query.to_query();
    let search2 = search.clone();
    let time_zone = ctx.state().config.accounts.time_zone;
    let (items, total, units) = ctx
        .read(move |conn| {
            let (mut items, total) =
                crate::db::user_list::search(conn, &search2, (page - 1) * PAGE_SIZE, PAGE_SIZE)?;
            let users = crate::db::user_table::UserTable::of(conn);
            for item in &mut items {
                item.last_login = item.last_login.as_deref().map(|at| users.utc_datetime(at));
            }
            Ok((items, total, crate::db::ous::list(conn)?))
        })
        .await?;
    let view = UserListView {
        users: &items,
        total,
        page,
        page_size: PAGE_SIZE,
        query: &search,
        units: &units,
        time_zone,
    };
    Ok(html(views::users::list(ctx.chrome(), &view)))
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    notice: Option<String>,
    /// A signed notice (see `web::notice`), e.g. after Add user.
    done: Option<String>,
    sig: Option<String>,
}

async fn render(
    ctx: &AdminContext,
    id: i64,
    notice: Option<Notice<'_>>,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let time_zone = ctx.state().config.accounts.time_zone;
    let loaded = ctx
        .read(move |conn| {
            let Some(mut detail) = crate::db::users::detail(conn, id)? else {
                return Ok(None);
            };
            // Shown in ROSTER_TIME_ZONE like every time; stored as Django's USE_TZ says.
            let users = crate::db::user_table::UserTable::of(conn);
            let user = &mut detail.user;
            user.last_login = user.last_login.as_deref().map(|at| users.utc_datetime(at));
            user.date_joined = users.utc_datetime(&user.date_joined);
            let units = crate::db::ous::list(conn)?;
            let groups = crate::db::user_admin::groups(conn)?;
            let member_of = crate::db::user_admin::group_ids(conn, id)?;
            let sessions = crate::db::user_admin::session_count(conn, id)?;
            Ok(Some((detail, units, groups, member_of, sessions)))
        })
        .await?;
    let Some((detail, units, groups, member_of, sessions)) = loaded else {
        return Err(WebError::NotFound);
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
    let mut response = html(views::user_page::detail(ctx.chrome(), &view));
    *response.status_mut() = status;
    Ok(response)
}

pub async fn page(
    ctx: AdminContext,
    PathParam(id): PathParam<i64>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    let done = crate::web::notice::verified(
        &ctx.state().secret_key,
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
    render(&ctx, id, notice, StatusCode::OK).await
}

/// The edit form; `group` repeats, so it is read as a list of pairs (with the form size limit).
pub async fn update(
    ctx: AdminContext,
    PathParam(id): PathParam<i64>,
    form: VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let get = |name: &str| form.field(name).map(str::to_string);
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
    let outcome = ctx
        .change(move |tx, actor| {
            let username = crate::db::users::find_by_id(tx, id)?
                .map(|u| u.username)
                .unwrap_or_default();
            match crate::db::user_admin::apply(tx, id, &change) {
                Ok(changes) => {
                    for line in &changes {
                        let target = user_target(id, &username);
                        actor.record(tx, line.kind.audit_action(), &target, &line.text)?;
                    }
                    Ok(Ok(()))
                }
                Err(UserChangeError::Database(err)) => Err(err),
                Err(other) => Ok(Err(other)),
            }
        })
        .await?;
    match outcome {
        Ok(()) => Ok(see_other(&format!("/users/{id}?notice=saved"))),
        Err(UserChangeError::NotFound) => Err(WebError::NotFound),
        Err(problem) => {
            let message = format!("Not saved: {problem}");
            render(
                &ctx,
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
    ctx: AdminContext,
    PathParam(id): PathParam<i64>,
    form: VerifiedForm<ConfirmedForm>,
) -> Result<HttpResponse, WebError> {
    form.confirmed("end the sessions")?;
    let found = ctx
        .change(move |tx, actor| {
            let Some(user) = crate::db::users::find_by_id(tx, id)? else {
                return Ok(false);
            };
            let ended = crate::db::user_admin::terminate_sessions(tx, id)?;
            actor.record(
                tx,
                AuditAction::SessionsTerminated,
                &user_target(id, &user.username),
                &format!("{ended} session(s)"),
            )?;
            Ok(true)
        })
        .await?;
    if !found {
        return Err(WebError::NotFound);
    }
    Ok(see_other(&format!("/users/{id}?notice=sessions-ended")))
}

/// Mails a reset link (no database lock is held while the mail server answers), then records
/// the outcome.
pub async fn send_reset(
    ctx: AdminContext,
    PathParam(id): PathParam<i64>,
    form: VerifiedForm<ConfirmedForm>,
) -> Result<HttpResponse, WebError> {
    form.confirmed("send the mail")?;
    let user = ctx
        .read(move |conn| crate::db::users::find_by_id(conn, id))
        .await?
        .ok_or(WebError::NotFound)?;
    let username = user.username.clone();
    let sent = ctx
        .blocking(move |state, _| {
            Ok(if !user.is_active {
                Err("the account is inactive".to_string())
            } else if user.email.is_empty() {
                Err("the user has no e-mail address".to_string())
            } else {
                let current = state.current_mail()?;
                send_link(
                    &current.mail,
                    &current.accounts,
                    &state.secret_key,
                    &user,
                    LinkPurpose::Reset,
                )
                .map_err(|e| e.to_string())
            })
        })
        .await?;
    let detail = match &sent {
        Ok(()) => "sent".to_string(),
        Err(reason) => format!("not sent: {reason}"),
    };
    ctx.change(move |tx, actor| {
        actor.record(
            tx,
            AuditAction::PasswordResetSent,
            &user_target(id, &username),
            &detail,
        )
    })
    .await?;
    match sent {
        Ok(()) => Ok(see_other(&format!("/users/{id}?notice=reset-sent"))),
        // Shown on this response, not carried in a URL someone else could craft.
        Err(reason) => {
            let message = format!("The reset e-mail was not sent: {reason}");
            render(
                &ctx,
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
    ctx: AdminContext,
    PathParam(id): PathParam<i64>,
    form: VerifiedForm<SetPasswordForm>,
) -> Result<HttpResponse, WebError> {
    let user = ctx
        .read(move |conn| crate::db::users::find_by_id(conn, id))
        .await?
        .ok_or(WebError::NotFound)?;
    let form = form.into_inner();
    let errors =
        new_password_problems(&form.password1, &form.password2, &UserAttributes::of(&user));
    if !errors.is_empty() {
        return render(
            &ctx,
            id,
            Some(Notice::Errors(&errors)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let iterations = ctx.state().config.import.pbkdf2_iterations;
    // Hashed before the write transaction, so the lock is not held for the hashing.
    let hash = ctx
        .blocking(move |_, _| {
            Ok(crate::auth::hashers::make_password(
                &form.password1,
                iterations,
            ))
        })
        .await?;
    ctx.change(move |tx, actor| {
        crate::db::users::set_password(tx, id, &hash)?;
        actor.record(
            tx,
            AuditAction::PasswordSet,
            &user_target(id, &user.username),
            "set by an admin",
        )
    })
    .await?;
    Ok(see_other(&format!("/users/{id}?notice=password-set")))
}
