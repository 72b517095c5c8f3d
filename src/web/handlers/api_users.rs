//! `POST /api/users`: one user from a JSON body, through the import service, with a bearer token.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::api::{ApiError, authenticate, media_type, read_body};
use crate::import::service::{Choices, Invitations};
use crate::import::single::{AddOutcome, AddedBy, NewUserEntry, UserToAdd, is_duplicate};
use crate::import::{ImportContext, ImportReport, ImportSource, Person, Secret};
use crate::web::AppState;
use crate::web::blocking::with_state;
use crate::web::error::WebError;

/// Largest accepted JSON body: one user's fields with room to spare.
const MAX_BODY: usize = 64 * 1024;

/// The request body; the fields are an import row's columns (`unit` may stand for
/// `organizational_unit`). Unknown fields are refused, so a typo is not silently dropped.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUserJson {
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default, alias = "unit")]
    organizational_unit: String,
    #[serde(default)]
    job_title: String,
    #[serde(default)]
    password: Option<String>,
    /// Mail a set-password link (the user gets no password now).
    #[serde(default)]
    invite: bool,
    /// Create a user without a password although the mail check failed.
    #[serde(default)]
    allow_without_mail: bool,
}

/// The 201 answer: the user as created, never the hash.
#[derive(Serialize)]
struct CreatedJson {
    id: i64,
    username: String,
    email: String,
    unit: Option<String>,
    has_usable_password: bool,
    /// The one-row import that created the user.
    import_id: i64,
    /// `sent`, `failed` or `none`.
    invitation: &'static str,
}

async fn read_json(req: &HttpRequest, mut payload: web::Payload) -> Result<NewUserJson, ApiError> {
    if media_type(req) != "application/json" {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the user as a JSON object with Content-Type: application/json.",
        ));
    }
    let bytes = read_body(&mut payload, MAX_BODY, || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The body is larger than {MAX_BODY} bytes; send one user per request."),
        )
    })
    .await?;
    serde_json::from_slice(&bytes).map_err(|e| {
        // serde's message names the field and position, never a value.
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "The body is not the JSON object Roster expects ({e}). Fields: username, email, \
                 first_name, last_name, organizational_unit, job_title, password, invite, \
                 allow_without_mail."
            ),
        )
    })
}

/// `POST /api/users`: 201 with the user, 422 with the row's problem in the import API's error
/// shape, 409 when the username or e-mail is taken.
pub async fn add(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let token_name = authenticate(&state, &req).await?;
    let body = read_json(&req, payload).await?;
    if body.invite && body.password.as_deref().is_some_and(|p| !p.is_empty()) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "Send either a password or \"invite\": true, not both.",
        ));
    }
    let entry = NewUserEntry {
        person: Person {
            first_name: body.first_name,
            last_name: body.last_name,
            email: body.email,
            username: body.username,
            organizational_unit: body.organizational_unit,
            job_title: body.job_title,
        },
        password: body.password.map(Secret::new),
    };
    let choices = Choices {
        allow_without_mail: body.allow_without_mail,
        invite: body.invite,
        // One user's password passes Django's validators; there is no one-time-password opt-out.
        allow_weak_passwords: false,
    };
    let by = AddedBy {
        context: ImportContext::new(
            None,
            format!("api:{token_name}"),
            ImportSource::Api,
            String::new(),
        ),
        client: crate::web::audit::client(&req),
    };
    let outcome = with_state(&state, move |state2| -> Result<_, WebError> {
        let current = state2.current_mail()?;
        let user = UserToAdd {
            entry: &entry,
            by,
            choices,
        };
        let check_mail = || state2.api_mail_check(&current.mail);
        let settings = &state2.config.import;
        let mailer = state2.mailer(&current);
        Ok(state2
            .backend
            .add_user(user, settings, check_mail, mailer)?)
    })
    .await?;
    match outcome {
        AddOutcome::Added {
            user, invitations, ..
        } => {
            tracing::info!(token = %token_name, user_id = user.id, "API user added");
            let invitation = match invitations {
                Invitations::Sent { sent: 1.., .. } => "sent",
                Invitations::Sent { .. } | Invitations::Unsent(_) => "failed",
                Invitations::NotQueued => "none",
            };
            Ok(HttpResponse::Created()
                .insert_header((header::LOCATION, format!("/users/{}", user.id)))
                .json(CreatedJson {
                    id: user.id,
                    username: user.username,
                    email: user.email,
                    unit: user.organizational_unit,
                    has_usable_password: user.has_usable_password,
                    import_id: user.import_id,
                    invitation,
                }))
        }
        AddOutcome::Refused { problem, .. } => {
            tracing::info!(token = %token_name, code = %problem.code, "API user refused");
            let status = if is_duplicate(&problem) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let report = ImportReport {
                rows_total: 1,
                failed: 1,
                failures: vec![problem],
                ..ImportReport::default()
            };
            Ok(HttpResponse::build(status).json(report.to_json()))
        }
    }
}
