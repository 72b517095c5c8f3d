//! Page navigation for long lists: previous, next, and the page numbers around the current one.

use maud::{Markup, html};

/// Page numbers shown on either side of the current page (the first and last always show).
const AROUND: i64 = 2;

/// `Previous 1 … 4 5 [6] 7 8 … 20 Next`; nothing when everything fits on one page. `link` gives
/// the address of a page number.
pub fn pager(page: i64, pages: i64, link: impl Fn(i64) -> String) -> Markup {
    pager_at_least(page, pages, false, link)
}

/// The same for a list whose length is known only as "at least `pages`" when `maybe_more`:
/// Next stays, and the text says "of 21 or more".
pub fn pager_at_least(
    page: i64,
    pages: i64,
    maybe_more: bool,
    link: impl Fn(i64) -> String,
) -> Markup {
    html! {
        @if pages > 1 || maybe_more {
            nav.pager aria-label="Pages" {
                @if page > 1 { a rel="prev" href=(link(page - 1)) { "Previous" } }
                @for (number, gap_before) in numbers(page, pages) {
                    @if gap_before { span.muted aria-hidden="true" { "…" } }
                    @if number == page {
                        a aria-current="page" href=(link(number)) aria-label={ "Page " (number) ", current" } { (number) }
                    } @else {
                        a href=(link(number)) aria-label={ "Page " (number) } { (number) }
                    }
                }
                @if page < pages || maybe_more { a rel="next" href=(link(page + 1)) { "Next" } }
                span.muted { "Page " (page) " of " (pages) @if maybe_more { " or more" } }
            }
        }
    }
}

/// The page numbers to show, each with whether numbers were left out before it.
fn numbers(page: i64, pages: i64) -> Vec<(i64, bool)> {
    let shown = |n: i64| n == 1 || n == pages || (n - page).abs() <= AROUND;
    let mut previous = 0;
    let mut out = Vec::new();
    for n in (1..=pages).filter(|&n| shown(n)) {
        out.push((n, n > previous + 1));
        previous = n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::numbers;

    #[test]
    fn the_first_last_and_nearby_pages_are_shown_with_gaps_marked() {
        let shown: Vec<i64> = numbers(6, 20).iter().map(|&(n, _)| n).collect();
        assert_eq!(shown, [1, 4, 5, 6, 7, 8, 20]);
        let gaps: Vec<i64> = numbers(6, 20)
            .iter()
            .filter(|&&(_, gap)| gap)
            .map(|&(n, _)| n)
            .collect();
        assert_eq!(gaps, [4, 20]);
        assert_eq!(numbers(1, 3), [(1, false), (2, false), (3, false)]);
    }
}
