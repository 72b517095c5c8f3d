//! The opening every HTML document Roster writes shares, a page or a mail.

use maud::{DOCTYPE, Markup, html};

/// An English HTML5 document: character set, viewport, `title` and `head_extra` in its head,
/// then `body`, which is the whole `body` element.
pub fn html_document(title: &str, head_extra: Markup, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                (head_extra)
            }
            (body)
        }
    }
}
