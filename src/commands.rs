//! The command-line subcommands: thin callers of the database, the import engine and the web server.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::auth::hashers::make_password;
use crate::cli::{Cli, Command, OuCommand};
use crate::config::{Config, ServeConfig};
use crate::db::{self, Db};
use crate::import::apply::{
    MailCheckRecord, passwordless_policy, preview, preview_with_mail_check,
};
use crate::import::report::{error_report_csv, rejected_json};
use crate::import::rules::{
    is_valid_email, is_valid_username, normalize_email, normalize_username,
};
use crate::import::{ImportContext, ImportReport, ImportSource, PasswordlessPolicy};

/// Exit code when a file is rejected or a command fails.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code when some rows of an import failed.
pub const EXIT_PARTIAL: u8 = 3;

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::from_cli(&cli)?;
    let db = Db::new(&config.database);
    match cli.command {
        Command::SampleCsv => {
            print!("{}", crate::SAMPLE_CSV);
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            db.migrate()?;
            println!("Database {} is up to date.", config.database.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            bind,
            max_upload_bytes,
        } => {
            let serve = ServeConfig::new(&bind, max_upload_bytes)?;
            crate::web::serve(config, serve)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Createsuperuser {
            username,
            email,
            noinput,
        } => {
            db.migrate()?;
            create_superuser(&db, &config, &username, &email, noinput)
        }
        Command::Changepassword {
            username,
            password_stdin,
        } => {
            db.migrate()?;
            change_password(&db, &config, &username, password_stdin)
        }
        Command::Import {
            file,
            dry_run,
            json,
            error_report,
            allow_without_mail,
            invite,
        } => {
            db.migrate()?;
            let options = ImportOptions {
                dry_run,
                json,
                error_report,
                allow_without_mail,
                invite,
            };
            import(&db, &config, &file, &options)
        }
        Command::CheckMail => {
            let outcome = crate::mail::check(&config.mail);
            println!("{}: {}", outcome.server, outcome.message);
            Ok(if outcome.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_FAILURE)
            })
        }
        Command::Sendtestemail { address } => {
            if !is_valid_email(address.trim()) {
                bail!("\"{address}\" is not a valid e-mail address");
            }
            let server = format!(
                "{}:{}",
                config.mail.host.as_deref().unwrap_or("?"),
                config.mail.port
            );
            crate::mail::send(
                &config.mail,
                &crate::mail::messages::test_message(address.trim(), &server),
            )
            .map_err(|e| anyhow::anyhow!("The test e-mail was not sent: {e}"))?;
            println!("Test e-mail sent to {}.", address.trim());
            Ok(ExitCode::SUCCESS)
        }
        Command::Ou { command } => {
            db.migrate()?;
            organizational_units(&db, command)
        }
        Command::Token { command } => {
            db.migrate()?;
            api_tokens(&db, command)
        }
    }
}

fn create_superuser(
    db: &Db,
    config: &Config,
    username: &str,
    email: &str,
    noinput: bool,
) -> anyhow::Result<ExitCode> {
    let username = normalize_username(username.trim());
    if !is_valid_username(&username) {
        bail!(
            "Username \"{username}\" is not valid: use at most 150 letters, digits and @ . + - _"
        );
    }
    let email = normalize_email(email);
    if !is_valid_email(&email) {
        bail!("E-mail \"{email}\" is not a valid address");
    }
    let conn = db.connect()?;
    if crate::db::users::identity_taken(&conn, &username, &email)? {
        bail!("A user with username \"{username}\" or e-mail \"{email}\" already exists");
    }
    let password = if noinput {
        match std::env::var("ROSTER_SUPERUSER_PASSWORD") {
            Ok(p) if !p.is_empty() => p,
            _ => bail!("--noinput needs the password in ROSTER_SUPERUSER_PASSWORD"),
        }
    } else {
        prompt_new_password()?
    };
    let hash = make_password(&password, config.import.pbkdf2_iterations);
    let id = crate::db::users::insert_superuser(&conn, &username, &email, &hash, &db::now_text())?;
    cli_audit(&conn, "admin_created", &format!("user:{id} ({username})"), "roster createsuperuser")?;
    println!("Superuser \"{username}\" created.");
    Ok(ExitCode::SUCCESS)
}

fn change_password(
    db: &Db,
    config: &Config,
    username: &str,
    from_stdin: bool,
) -> anyhow::Result<ExitCode> {
    let conn = db.connect()?;
    let Some(user) = crate::db::users::find_by_username(&conn, username)? else {
        bail!("User \"{username}\" does not exist");
    };
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let password = line.strip_suffix('\n').unwrap_or(&line);
        let password = password.strip_suffix('\r').unwrap_or(password).to_string();
        if password.is_empty() {
            bail!("No password on standard input");
        }
        password
    } else {
        prompt_new_password()?
    };
    let hash = make_password(&password, config.import.pbkdf2_iterations);
    crate::db::users::set_password(&conn, user.id, &hash)?;
    cli_audit(&conn, "password_set", &format!("user:{} ({})", user.id, user.username), "roster changepassword")?;
    println!(
        "Password changed successfully for user \"{}\".",
        user.username
    );
    Ok(ExitCode::SUCCESS)
}

/// The actor name for the command line: `cli:<OS user>`.
fn cli_actor() -> String {
    format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()))
}

/// Appends an audit entry for a command-line action.
fn cli_audit(conn: &rusqlite::Connection, action: &str, target: &str, detail: &str) -> rusqlite::Result<()> {
    let actor = cli_actor();
    crate::db::audit::record(
        conn,
        &crate::db::audit::AuditEntry { actor_user_id: None, actor: &actor, action, target, detail, client: "" },
    )
}

fn prompt_new_password() -> anyhow::Result<String> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "No terminal to prompt for a password: use --noinput with ROSTER_SUPERUSER_PASSWORD, or --password-stdin"
        );
    }
    for _ in 0..3 {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Password (again): ")?;
        if first.is_empty() {
            eprintln!("The password cannot be empty.");
        } else if first != second {
            eprintln!("The passwords do not match.");
        } else {
            return Ok(first);
        }
    }
    bail!("Too many attempts; nothing was changed")
}

/// The flags of `roster import`.
struct ImportOptions {
    dry_run: bool,
    json: bool,
    error_report: Option<std::path::PathBuf>,
    allow_without_mail: bool,
    invite: bool,
}

fn import(
    db: &Db,
    config: &Config,
    file: &Path,
    options: &ImportOptions,
) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed = match crate::import::parse(&bytes, config.import.max_rows) {
        Ok(parsed) => parsed,
        Err(rejection) => {
            if options.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&rejected_json(&rejection))?
                );
            } else {
                eprintln!(
                    "{}: rejected, nothing imported.\n{}",
                    file.display(),
                    rejection.message
                );
            }
            return Ok(ExitCode::from(EXIT_FAILURE));
        }
    };
    let mut conn = db.connect()?;
    let (plan, check) =
        preview_with_mail_check(&conn, &parsed, || crate::mail::check(&config.mail))?;
    if let Some(check) = &check
        && !options.json
    {
        eprintln!("Mail server check ({}): {}", check.server, check.message);
        if !check.ok() && !options.allow_without_mail {
            eprintln!(
                "Rows without a password are skipped (mail_server_unavailable); use --allow-without-mail to import them anyway."
            );
        }
    }
    let mail_failed = check.as_ref().is_some_and(|c| !c.ok());
    let report = if options.dry_run {
        if options.allow_without_mail && mail_failed {
            ImportReport::from_plan(&preview(&conn, &parsed, &PasswordlessPolicy::Allowed)?)
        } else {
            ImportReport::from_plan(&plan)
        }
    } else {
        let mut context = ImportContext::new(
            None,
            format!(
                "cli:{}",
                std::env::var("USER").unwrap_or_else(|_| "unknown".into())
            ),
            ImportSource::Cli,
            file.file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        );
        context.passwordless = passwordless_policy(check.as_ref(), options.allow_without_mail);
        context.mail_check = check.as_ref().map(MailCheckRecord::of);
        context.allowed_without_mail = options.allow_without_mail && mail_failed;
        context.invite = options.invite && !mail_failed;
        crate::import::commit(&mut conn, &parsed, &context, &config.import)?
    };
    if let Some(path) = &options.error_report {
        std::fs::write(path, error_report_csv(&report.failures))
            .with_context(|| format!("cannot write the error report to {}", path.display()))?;
    }
    if options.json {
        println!("{}", serde_json::to_string_pretty(&report.to_json())?);
    } else {
        print_summary(
            file,
            &report,
            options.dry_run,
            options.error_report.as_deref(),
        )?;
    }
    if options.invite && !options.dry_run {
        if let (Some(import_id), false) = (report.import_id, mail_failed) {
            let (sent, failed) = crate::auth::reset::send_invitations(
                db,
                &config.mail,
                &config.accounts,
                import_id,
                false,
            )?;
            if !options.json {
                println!("Set-password invitations: {sent} sent, {failed} failed.");
            }
        } else if !options.json {
            eprintln!("No invitations sent: the mail server check failed.");
        }
    }
    Ok(if report.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PARTIAL)
    })
}

fn print_summary(
    file: &Path,
    report: &ImportReport,
    dry_run: bool,
    error_report: Option<&Path>,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let verb = if dry_run {
        "would be created"
    } else {
        "created"
    };
    writeln!(
        out,
        "{}: {} rows, {} {verb}, {} failed; {} {} no password.",
        file.display(),
        report.rows_total,
        report.created,
        report.failed,
        report.passwordless,
        if dry_run { "would have" } else { "have" },
    )?;
    for row in &report.failures {
        writeln!(
            out,
            "  {} ({}): {}: {}",
            row.location(),
            display_or_dash(&row.summary.username),
            row.code,
            row.message
        )?;
    }
    if report.passwordless > 0 {
        writeln!(
            out,
            "Users without a password cannot log in until they use Forgot Password or an admin sets one."
        )?;
    }
    if let Some(path) = error_report {
        writeln!(out, "Error report written to {}.", path.display())?;
    }
    Ok(())
}

fn display_or_dash(value: &str) -> &str {
    if value.is_empty() { "-" } else { value }
}

fn organizational_units(db: &Db, command: OuCommand) -> anyhow::Result<ExitCode> {
    let conn = db.connect()?;
    match command {
        OuCommand::List => {
            let units = crate::db::ous::list(&conn)?;
            if units.is_empty() {
                println!("No organizational units yet. Create one with `roster ou add NAME`.");
            }
            for unit in units {
                println!("{}\t{} users", unit.name, unit.user_count);
            }
        }
        OuCommand::Add { name } => {
            let id = crate::db::ous::add(&conn, &name, &db::now_text())
                .map_err(|e| anyhow::anyhow!("Cannot create organizational unit: {e}"))?;
            cli_audit(&conn, "ou_created", &format!("ou:{id}"), name.trim())?;
            println!("Organizational unit \"{}\" created.", name.trim());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn api_tokens(db: &Db, command: crate::cli::TokenCommand) -> anyhow::Result<ExitCode> {
    use crate::cli::TokenCommand;
    use crate::db::api_tokens;
    use crate::db::audit::{AuditEntry, record};
    let mut conn = db.connect()?;
    let actor = format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    );
    let entry = |action, target| AuditEntry {
        actor: &actor,
        action,
        target,
        ..AuditEntry::default()
    };
    match command {
        TokenCommand::Create { name } => {
            let tx = conn.transaction()?;
            let token = api_tokens::create(&tx, &name, &actor)
                .map_err(|e| anyhow::anyhow!("Cannot create the API token: {e}"))?;
            record(
                &tx,
                &entry("token_created", &format!("token:{}", name.trim())),
            )?;
            tx.commit()?;
            // Only the token on stdout, so scripts can capture it.
            println!("{token}");
            eprintln!(
                "API token \"{}\" created. Copy it now: Roster stores only its hash and cannot show it again.",
                name.trim()
            );
        }
        TokenCommand::Revoke { name } => {
            let tx = conn.transaction()?;
            if !api_tokens::revoke(&tx, &name)? {
                bail!("There is no active API token named \"{}\"", name.trim());
            }
            record(
                &tx,
                &entry("token_revoked", &format!("token:{}", name.trim())),
            )?;
            tx.commit()?;
            println!("API token \"{}\" revoked.", name.trim());
        }
        TokenCommand::List => {
            let tokens = api_tokens::list(&conn)?;
            if tokens.is_empty() {
                println!("No API tokens yet. Create one with `roster token create NAME`.");
            }
            for t in tokens {
                let status = t
                    .revoked_at
                    .map_or_else(|| "active".to_string(), |at| format!("revoked {at}"));
                let used = t.last_used_at.as_deref().unwrap_or("never");
                println!(
                    "{}\t{status}\tcreated {} by {}\tlast used {used}",
                    t.name, t.created_at, t.created_by
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
