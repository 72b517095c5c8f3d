//! The user list and one user's page with its edit form (the account's buttons are in `user_actions.rs`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{html, see_other};
use crate::auth::password_validation::help_texts;
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
        .store(move |store| {
            let (items, total) = store.search_users(&search2, (page - 1) * PAGE_SIZE, PAGE_SIZE)?;
            Ok((items, total, store.units()?))
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

pub(super) async fn render(
    ctx: &AdminContext,
    id: i64,
    notice: Option<Notice<'_>>,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let time_zone = ctx.state().config.accounts.time_zone;
    let loaded = ctx
        .store(move |store| {
            // Shown in ROSTER_TIME_ZONE like every time; the store answers in UTC.
            let Some(detail) = store.user_detail(id)? else {
                return Ok(None);
            };
            let units = store.units()?;
            let groups = store.groups()?;
            let member_of = store.group_ids(id)?;
            let sessions = store.session_count(id)?;
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

/// The user's page again with what was refused, answered with `status`.
pub(super) async fn render_refusal(
    ctx: &AdminContext,
    id: i64,
    message: &str,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    render(ctx, id, Some(Notice::Bad(message)), status).await
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
        .store_change(move |store, actor| {
            let Some(user) = store.find_user_by_id(id)? else {
                return Ok(Err(UserChangeError::NotFound));
            };
            match crate::db::user_admin::apply(store, &user, &change) {
                Ok(changes) => {
                    for line in &changes {
                        let target = user_target(id, &user.username);
                        actor.record_in(store, line.kind.audit_action(), &target, &line.text)?;
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
            render_refusal(&ctx, id, &message, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
