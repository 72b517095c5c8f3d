//! The Add user form: the fields of an import row, a password or a set-password link, and each
//! problem shown next to its field.

use maud::{Markup, html};

use super::layout::{Chrome, csrf_field, page};
use crate::db::ous::OuItem;
use crate::import::Column;
use crate::import::parse::RowValues;

/// What the admin typed, shown again after a problem.
#[derive(Debug, Clone, Default)]
pub struct AddUserValues {
    /// The row's values; the password is always left out (`None`).
    pub typed: RowValues,
    /// "E-mail a set-password link" rather than a typed password.
    pub invite: bool,
}

/// Where a problem is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The field of an import column (the password's is the first password box).
    Column(Column),
    /// The choice between a password and a set-password link (the mail check lives here).
    PasswordChoice,
    /// No single field: shown above the form.
    Form,
}

impl Field {
    /// The field an import row's column names.
    pub fn of_column(column: Option<&str>) -> Self {
        Column::ALL
            .into_iter()
            .find(|c| column == Some(c.name()))
            .map_or(Self::Form, Self::Column)
    }

    fn id(self) -> &'static str {
        match self {
            Self::Column(Column::Password) => "password1",
            Self::Column(column) => column.name(),
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

    fn text_input(&self, column: Column, label: &str, kind: &str, max: u32) -> Markup {
        let field = Field::Column(column);
        let value = self.values.typed.get(column);
        let invalid = !self.messages(field).is_empty();
        let required = column.required();
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
    let v = &view.values.typed;
    let unit = Field::Column(Column::OrganizationalUnit);
    let password = Field::Column(Column::Password);
    let unit_invalid = !view.messages(unit).is_empty();
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
                (view.text_input(Column::FirstName, "First name", "text", 150))
                (view.text_input(Column::LastName, "Last name", "text", 150))
                (view.text_input(Column::Email, "E-mail", "email", 254))
                (view.text_input(Column::Username, "Username", "text", 150))
                label for="organizational_unit" { "Organizational unit" span.muted { " (optional)" } }
                select #organizational_unit name="organizational_unit"
                    aria-invalid=[unit_invalid.then_some("true")]
                    aria-describedby=[unit_invalid.then_some("organizational_unit-error")] {
                    option value="" { "none" }
                    @for unit in view.units {
                        option value=(unit.name) selected[unit.name == v.person.organizational_unit] { (unit.name) }
                    }
                }
                (view.problems_of(unit))
                (view.text_input(Column::JobTitle, "Job title", "text", 150))
                fieldset #password_choice {
                    legend { "Password" }
                    label.inline {
                        input #choice-invite type="radio" name="password_choice" value="invite" checked[view.values.invite];
                        " E-mail a set-password link (an invitation, like the import's)"
                    }
                    br;
                    label.inline {
                        input #choice-password type="radio" name="password_choice" value="password" checked[!view.values.invite];
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
                        aria-invalid=[(!view.messages(password).is_empty()).then_some("true")]
                        aria-describedby=[(!view.messages(password).is_empty()).then_some("password1-error")];
                    (view.problems_of(password))
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
