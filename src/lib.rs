//! Roster: onboard people into a Django-compatible user store from a semicolon CSV.
#![deny(unsafe_code)]

pub mod auth;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub(crate) mod domain;
pub mod import;
pub mod mail;
pub mod web;

/// The sample CSV offered on the import page and by `roster sample-csv`.
pub const SAMPLE_CSV: &str = include_str!("../sample.csv");
