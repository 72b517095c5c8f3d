//! End-to-end tests: the real HTTP server on 127.0.0.1:0 driven like a browser, and the CLI as a process.

mod add_user;
mod admin_panel;
mod api;
mod authz;
mod browser;
mod cli;
mod crash;
mod custom_user_model;
mod diagnostics;
mod django;
mod django_companion;
mod eventually;
mod helpers;
mod install_script;
mod jobs;
mod mail_check;
mod mail_settings;
mod set_password_links;
mod site_name;
mod smtp_server;
mod spreadsheets;
mod web_auth;
mod web_import;
mod web_mail;
mod web_security;
mod workbooks;
