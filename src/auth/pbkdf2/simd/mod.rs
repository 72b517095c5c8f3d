//! The only `unsafe` code in Roster: the SHA-NI and AVX-512 PBKDF2 iteration loops (x86-64), each `unsafe` block with its invariant.
//!
//! The crate denies `unsafe_code` everywhere else (`src/lib.rs`).
#![allow(unsafe_code)]

pub mod avx512;
pub mod shani;
