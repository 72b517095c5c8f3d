//! Fuzz target: any bytes through the whole import engine (decode, parse, plan, dry run, commit,
//! reports) must give a clear rejection or a report that preview and commit agree on.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

#[path = "../property.rs"]
mod property;

static ENGINE: OnceLock<property::Engine> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    ENGINE.get_or_init(property::Engine::new).exercise(data);
});
