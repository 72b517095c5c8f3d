//! Users → Send set-password link: to the ticked users or to all users the filter matches.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::html;
use super::user_actions::verify_confirmed;
use super::users::ListQuery;
use crate::auth::set_password_links::{LinkCounts, send_set_password_links};
use crate::db::audit::AuditAction;
use crate::web::admin_context::AdminContext;
use crate::web::csrf::VerifiedForm;
use crate::web::error::WebError;
use crate::web::views;

/// Most users one press mails to; the request waits for every send.
pub const MAX_RECIPIENTS: usize = 1000;

/// `POST /users/send-set-password-link?<the list's filter>`: `scope` is `selected` (the ticked
/// `user` boxes) or `filter` (every user the query string's filter matches).
pub async fn send(
    ctx: AdminContext,
    filter: web::Query<ListQuery>,
    form: VerifiedForm<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let get = |name: &str| form.field(name).unwrap_or_default();
    verify_confirmed(get("confirm"), "send the links")?;
    let whole_filter = get("scope") == "filter";
    let selected: Vec<i64> = form.parsed_all("user");
    let query = filter.to_query();
    let ids = if whole_filter {
        ctx.store(move |store| store.matching_ids(&query, MAX_RECIPIENTS as i64 + 1))
            .await?
    } else {
        selected
    };
    refuse_unless_sendable(&ids, whole_filter)?;
    let check = ctx
        .blocking(|state, _| Ok(state.page_mail_check(&state.current_mail()?.mail)))
        .await?;
    if !check.ok() {
        return Err(WebError::bad_request(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "Nothing was sent: the mail check failed for {}. {} Fix the mail settings (see \
                 the Mail page), then send again.",
                check.server, check.message
            ),
        ));
    }
    // Mails go out while no write transaction is open; the audit entry follows.
    let outcomes = ctx
        .blocking(move |s, actor| {
            let current = s.current_mail()?;
            let target = if whole_filter {
                "users matching the filter"
            } else {
                "selected users"
            };
            let outcomes = s.backend.with_store(|store| {
                let outcomes = send_set_password_links(
                    store,
                    &current.mail,
                    &current.accounts,
                    &s.secret_key,
                    &ids,
                )?;
                let counts = LinkCounts::of(&outcomes);
                actor.record_in(
                    store,
                    AuditAction::SetPasswordLinksSent,
                    target,
                    &format!(
                        "{} sent, {} failed, {} skipped ({} SSO-only) of {} user(s)",
                        counts.sent,
                        counts.failed,
                        counts.skipped,
                        counts.sso_only,
                        outcomes.len()
                    ),
                )?;
                Ok(outcomes)
            })?;
            Ok(outcomes)
        })
        .await?;
    let counts = LinkCounts::of(&outcomes);
    Ok(html(views::set_password_links::result(
        ctx.chrome(),
        &outcomes,
        counts,
    )))
}

/// Nothing picked, or more than one press may send, is refused before any mail goes out.
fn refuse_unless_sendable(ids: &[i64], whole_filter: bool) -> Result<(), WebError> {
    let problem = if ids.is_empty() && whole_filter {
        "Nothing was sent: no user matches the filter. Change the filter, then send again."
            .to_string()
    } else if ids.is_empty() {
        "Nothing was sent: no user was selected. Tick users in the list, or choose \"All users \
         matching the filter\", then send again."
            .to_string()
    } else if ids.len() > MAX_RECIPIENTS {
        format!(
            "Nothing was sent: more than {MAX_RECIPIENTS} users were picked, and one press sends \
             at most {MAX_RECIPIENTS} links. Narrow the filter (e.g. by unit), then send again."
        )
    } else {
        return Ok(());
    };
    Err(WebError::bad_request(
        StatusCode::UNPROCESSABLE_ENTITY,
        problem,
    ))
}
