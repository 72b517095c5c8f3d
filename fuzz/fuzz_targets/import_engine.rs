//! Fuzz target: any bytes through the whole import engine (decode, parse, plan, dry run, commit,
//! reports) must give a clear rejection or a report that preview and commit agree on.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

#[path = "../property.rs"]
mod property;

static ENGINE: OnceLock<property::Engine> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    ENGINE
        .get_or_init(|| {
            tolerate_spreadsheet_reader_panics();
            property::Engine::new()
        })
        .exercise(data);
});

/// Bytes that open like an XLSX/ODS (zip) or XLS (OLE) file go to calamine, which panics on some
/// damaged files; Roster catches that panic (`catch_unwind`) and refuses the file as unreadable.
/// libFuzzer's panic hook would abort before Roster's catch runs, so panics raised inside the
/// spreadsheet readers (or the standard library code they call) only unwind here. Nothing is lost:
/// a panic that Roster does not catch still reaches `fuzz_target!`'s own catch, which aborts.
fn tolerate_spreadsheet_reader_panics() {
    let abort = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let file = info.location().map_or("", |at| at.file());
        let in_reader = ["calamine", "/zip-", "quick-xml", "/library/", "/rustc/"]
            .iter()
            .any(|part| file.contains(part));
        if !in_reader {
            abort(info);
        }
    }));
}
