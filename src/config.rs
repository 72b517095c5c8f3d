//! The validated, typed configuration built once from the command line and passed in.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};

use crate::import::ImportSettings;

/// Settings shared by every command.
#[derive(Debug, Clone)]
pub struct Config {
    pub database: PathBuf,
    pub import: ImportSettings,
}

impl Config {
    /// Validates the global flags.
    pub fn new(database: PathBuf, pbkdf2_iterations: u32, max_rows: usize) -> anyhow::Result<Self> {
        if pbkdf2_iterations == 0 {
            bail!("ROSTER_PBKDF2_ITERATIONS must be at least 1 (Django 6.1 uses 1500000)");
        }
        if max_rows == 0 {
            bail!("ROSTER_MAX_ROWS must be at least 1");
        }
        Ok(Self {
            database,
            import: ImportSettings {
                max_rows,
                pbkdf2_iterations,
            },
        })
    }
}

/// Settings of `roster serve`.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub bind: SocketAddr,
    pub max_upload_bytes: usize,
}

impl ServeConfig {
    /// Validates the serve flags.
    pub fn new(bind: &str, max_upload_bytes: usize) -> anyhow::Result<Self> {
        let bind = bind.parse().with_context(|| {
            format!("ROSTER_BIND \"{bind}\" is not an address like 127.0.0.1:8000")
        })?;
        if max_upload_bytes < 1024 {
            bail!("ROSTER_MAX_UPLOAD_BYTES must be at least 1024");
        }
        Ok(Self {
            bind,
            max_upload_bytes,
        })
    }
}
