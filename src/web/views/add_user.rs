//! The Add user form: the fields of an import row, a password or a set-password link, and each
//! problem shown next to its field.

use maud::{Markup, html};

use super::layout::{Chrome, csrf_field, page};
use crate::db::ous::OuItem;

/// What the admin typed, shown again after a problem (never the password).
#[derive(Debug, Clone, Default)]
pub struct AddUserValues {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub username: String,
    pub organizational_unit: String,
    pub job_title: String,
    /// "E-mail a set-password link" rather than a typed password.
    pub invite: bool,
}

/// Where a problem is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    FirstName,
    LastName,
    Email,
    Username,
    OrganizationalUnit,
    JobTitle,
    Password,
    /// The choice between a password and a set-password link (the mail check lives here).
    PasswordChoice,
    /// No single field: shown above the form.
    Form,
}

impl Field {
    /// The field an import row's column names.
    pub fn of_column(column: Option<&str>) -> Self {
        match column {
            Some("first_name") => Self::FirstName,
            Some("last_name") => Self::LastName,
            Some("email") => Self::Email,
            Some("username") => Self::Username,
            Some("organizational_unit") => Self::OrganizationalUnit,
            Some("job_title") => Self::JobTitle,
            Some("password") => Self::Password,
            _ => Self::Form,
        }
    }

    fn id(self) -> &'static str {
        match self {
            Self::FirstName => "first_name",
            Self::LastName => "last_name",
            Self::Email => "email",
            Self::Username => "username",
            Self::OrganizationalUnit => "organizational_unit",
            Self::JobTitle => "job_title",
            Self::Password => "password1",
            Self::PasswordChoice => "password_choice",
            Self::Form => "add-user-form",
        }
    }
}

/// Everything the form shows.
pub struct AddUserView<'a> {
    pub values: &'a AddUserValues,
    pub units: &'a [OuItem],
    pub problems: &'a [(Field, String)],
    pub password_help: &'a [String],
    /// The mail check failed for a user without a password: offer "add anyway".
    pub offer_without_mail: bool,
}

impl AddUserView<'_> {
    fn messages(&self, field: Field) -> Vec<&str> {
        self.problems
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
            .collect()
    }

    /// The messages under a field, linked to it for screen readers.
    fn problems_of(&self, field: Field) -> Markup {
        let messages = self.messages(field);
        html! {
            @if !messages.is_empty() {
                div.field-error id={ (field.id()) "-error" } role="alert" {
                    @for message in &messages { p { (message) } }
                }
            }
        }
    }

    fn text_input(&self, field: Field, label: &str, value: &str, kind: &str, max: u32) -> Markup {
        let invalid = !self.messages(field).is_empty();
        let required = matches!(
            field,
            Field::FirstName | Field::LastName | Field::Email | Field::Username
        );
        html! {
            label for=(field.id()) { (label) @if !required { span.muted { " (optional)" } } }
            input id=(field.id()) type=(kind) name=(field.id()) value=(value) maxlength=(max)
                required[required] aria-invalid=[invalid.then_some("true")]
                aria-describedby=[invalid.then(|| format!("{}-error", field.id()))];
            (self.problems_of(field))
        }
    }
}

/// The Add user page.
pub fn form(chrome: Chrome<'_>, view: &AddUserView<'_>) -> Markup {
    let v = view.values;
    let unit_invalid = !view.messages(Field::OrganizationalUnit).is_empty();
    page(
        "Add user",
        chrome,
        html! {
            h1 { "Add user" }
            p.muted { "The same rules as an import row: the user gets the Default User role and is recorded in the import history and the audit log." }
            @if !view.problems.is_empty() {
                p.notice.bad role="alert" #add-user-problems { "The user was not created. Correct the fields marked below." }
            }
            (view.problems_of(Field::Form))
            form.card #add-user-form method="post" action="/users/new" {
                (csrf_field(chrome.csrf))
                (view.text_input(Field::FirstName, "First name", &v.first_name, "text", 150))
                (view.text_input(Field::LastName, "Last name", &v.last_name, "text", 150))
                (view.text_input(Field::Email, "E-mail", &v.email, "email", 254))
                (view.text_input(Field::Username, "Username", &v.username, "text", 150))
                label for="organizational_unit" { "Organizational unit" span.muted { " (optional)" } }
                select #organizational_unit name="organizational_unit"
                    aria-invalid=[unit_invalid.then_some("true")]
                    aria-describedby=[unit_invalid.then_some("organizational_unit-error")] {
                    option value="" { "none" }
                    @for unit in view.units {
                        option value=(unit.name) selected[unit.name == v.organizational_unit] { (unit.name) }
                    }
                }
                (view.problems_of(Field::OrganizationalUnit))
                (view.text_input(Field::JobTitle, "Job title", &v.job_title, "text", 150))
                fieldset #password_choice {
                    legend { "Password" }
                    label.inline {
                        input #choice-invite type="radio" name="password_choice" value="invite" checked[v.invite];
                        " E-mail a set-password link (an invitation, like the import's)"
                    }
                    br;
                    label.inline {
                        input #choice-password type="radio" name="password_choice" value="password" checked[!v.invite];
                        " Set a password now and hand it over outside Roster"
                    }
                    (view.problems_of(Field::PasswordChoice))
                    @if view.offer_without_mail {
                        label.confirm for="allow_without_mail" {
                            input #allow_without_mail type="checkbox" name="allow_without_mail" value="1";
                            " Add the user anyway without a password; I will set one (no link is mailed)"
                        }
                    }
                    label for="password1" { "Password" }
                    input #password1 type="password" name="password1" autocomplete="new-password"
                        aria-invalid=[(!view.messages(Field::Password).is_empty()).then_some("true")]
                        aria-describedby=[(!view.messages(Field::Password).is_empty()).then_some("password1-error")];
                    (view.problems_of(Field::Password))
                    ul.muted { @for h in view.password_help { li { (h) } } }
                    label for="password2" { "Password again" }
                    input #password2 type="password" name="password2" autocomplete="new-password";
                }
                div.actions {
                    button type="submit" { "Add user" }
                    a href="/users" { "Cancel" }
                }
            }
        },
    )
}
