//! Users → Add user: one user through the import service, a password or a set-password link.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde::Deserialize;

use super::{html, see_other};
use crate::auth::password_validation::{UserAttributes, help_texts, validate_password};
use crate::import::service::{Choices, Invitations, MailGate};
use crate::import::single::{AddOutcome, AddedBy, AddedUser, NewUserEntry, UserToAdd, check};
use crate::import::{Column, ImportContext, ImportSource, Person, Secret};
use crate::web::admin_context::AdminContext;
use crate::web::csrf::VerifiedForm;
use crate::web::error::WebError;
use crate::web::views;
use crate::web::views::add_user::{AddUserValues, AddUserView, Field};

/// The name a user page's signed notice is keyed to, so it shows on that user's page only.
pub fn notice_page(user_id: i64) -> String {
    format!("user:{user_id}")
}

/// `GET /users/new`: the empty form.
pub async fn form(ctx: AdminContext) -> Result<HttpResponse, WebError> {
    let values = AddUserValues {
        invite: true,
        ..AddUserValues::default()
    };
    render(&ctx, &values, &[], false, StatusCode::OK).await
}

async fn render(
    ctx: &AdminContext,
    values: &AddUserValues,
    problems: &[(Field, String)],
    offer_without_mail: bool,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let units = ctx.store(|store| store.units()).await?;
    let help = help_texts();
    let view = AddUserView {
        values,
        units: &units,
        problems,
        password_help: &help,
        offer_without_mail,
    };
    let mut response = html(views::add_user::form(ctx.chrome(), &view));
    *response.status_mut() = status;
    Ok(response)
}

#[derive(Deserialize)]
pub struct AddUserForm {
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    organizational_unit: String,
    #[serde(default)]
    job_title: String,
    /// `password` or `invite`.
    #[serde(default)]
    password_choice: String,
    #[serde(default)]
    password1: String,
    #[serde(default)]
    password2: String,
    /// "Add the user anyway without a password" after a failed mail check.
    allow_without_mail: Option<String>,
}

impl AddUserForm {
    fn invite(&self) -> bool {
        self.password_choice != "password"
    }

    /// The typed password's problems under the web's password policy (Django's validators).
    fn password_problems(&self) -> Vec<(Field, String)> {
        if self.password1.is_empty() {
            return vec![(
                Field::Column(Column::Password),
                "Type a password twice, or choose \"E-mail a set-password link\".".to_string(),
            )];
        }
        if self.password1 != self.password2 {
            return vec![(
                Field::Column(Column::Password),
                "The two password fields didn't match.".to_string(),
            )];
        }
        let attributes = UserAttributes {
            username: self.username.trim(),
            first_name: self.first_name.trim(),
            last_name: self.last_name.trim(),
            email: self.email.trim(),
        };
        validate_password(&self.password1, &attributes)
            .into_iter()
            .map(|problem| (Field::Column(Column::Password), problem.message))
            .collect()
    }
}

/// `POST /users/new`: creates the user, or shows the form again with each problem at its field.
pub async fn add(
    ctx: AdminContext,
    form: VerifiedForm<AddUserForm>,
) -> Result<HttpResponse, WebError> {
    let form = form.into_inner();
    let invite = form.invite();
    let mut problems = if invite {
        Vec::new()
    } else {
        form.password_problems()
    };
    let choices = Choices {
        allow_without_mail: form.allow_without_mail.is_some(),
        invite,
        // One user's password passes Django's validators; there is no one-time-password opt-out.
        allow_weak_passwords: false,
    };
    let entry = NewUserEntry {
        person: Person {
            first_name: form.first_name,
            last_name: form.last_name,
            email: form.email,
            username: form.username,
            organizational_unit: form.organizational_unit,
            job_title: form.job_title,
        },
        password: (!invite).then(|| Secret::new(form.password1)),
    };
    let values = AddUserValues {
        typed: NewUserEntry {
            password: None,
            ..entry.clone()
        },
        invite,
    };
    let by = AddedBy {
        context: ImportContext::new(
            Some(ctx.admin().id),
            ctx.admin().username.clone(),
            ImportSource::Web,
            String::new(),
        ),
        client: ctx.actor().client.clone(),
    };
    let only_check = !problems.is_empty();
    let outcome = ctx
        .blocking(move |state2, _| {
            let current = state2.current_mail()?;
            let check_mail = || state2.page_mail_check(&current.mail);
            if only_check {
                // The password is refused; still show every other field's problem in the same answer.
                let refused = check(state2.backend.directory()?, &entry, choices, check_mail);
                return Ok(refused.map(|problem| AddOutcome::Refused {
                    problem,
                    gate: MailGate::decide(None, choices),
                }));
            }
            let mailer = state2.mailer(&current);
            let settings = state2.config.import;
            let user = UserToAdd {
                entry: &entry,
                by,
                choices,
            };
            Ok(Some(
                state2
                    .backend
                    .add_user(user, &settings, check_mail, mailer)?,
            ))
        })
        .await?;
    let mut offer_without_mail = false;
    match outcome {
        Some(AddOutcome::Added {
            user, invitations, ..
        }) => {
            let text = created_notice(&user, &invitations);
            let secret_key = &ctx.state().secret_key;
            let query = crate::web::notice::query(secret_key, &notice_page(user.id), &text);
            return Ok(see_other(&format!("/users/{}?{query}", user.id)));
        }
        Some(AddOutcome::Refused { problem, .. }) => {
            let field = if problem.code == "mail_server_unavailable" {
                offer_without_mail = true;
                Field::PasswordChoice
            } else {
                Field::of_column(problem.column.as_deref())
            };
            problems.insert(0, (field, problem.message));
        }
        None => {}
    }
    render(
        &ctx,
        &values,
        &problems,
        offer_without_mail,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// The success notice on the new user's page.
fn created_notice(user: &AddedUser, invitations: &Invitations) -> String {
    let name = &user.username;
    if user.has_usable_password {
        return format!(
            "User {name} created with the password you typed. Hand it over outside Roster."
        );
    }
    match invitations {
        Invitations::Sent { sent: 1.., .. } => {
            format!(
                "User {name} created. A set-password link was mailed to {}.",
                user.email
            )
        }
        Invitations::Sent { .. } | Invitations::Unsent(_) => format!(
            "User {name} created, but the set-password link could not be mailed. Import #{} \
             says why and can send it again.",
            user.import_id
        ),
        Invitations::NotQueued => format!(
            "User {name} created without a password and no link was mailed (the mail check \
             failed). Set a password below, or send a reset e-mail once mail works."
        ),
    }
}
