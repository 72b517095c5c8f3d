//! Rebuilds when a migration is added, so refinery's embedded list stays current.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
