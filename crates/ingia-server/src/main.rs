//! `ingia-server`: the organizer's CLI and the sync server. Every command checks its input and
//! changes nothing when it is bad; errors are one plain line, never a secret.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use ingia_core::{DeviceId, TicketId, TicketStatus};
use ingia_server::devices::{self, Role};
use ingia_server::events::{self, NewEvent, TypeSpec};
use ingia_server::secrets::{Keys, MasterKey};
use ingia_server::util::{parse_rfc3339, spreadsheet_safe};
use ingia_server::{attendees, checkins, tickets, AppState, Db, Error, Result};

#[derive(Parser)]
#[command(name = "ingia-server", version, about = "Ingia sync server and organizer tool")]
struct Cli {
    /// Database: sqlite://FILE (default: DATA_DIR/ingia.db) or postgres://USER@HOST/DB.
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// Where the SQLite file, the master key file and generated tickets go.
    #[arg(long, env = "INGIA_DATA_DIR", default_value = "ingia-data", global = true)]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create events.
    #[command(subcommand)]
    Event(EventCmd),
    /// Import attendees.
    #[command(subcommand)]
    Attendees(AttendeesCmd),
    /// Issue tickets and change their status.
    #[command(subcommand)]
    Tickets(TicketsCmd),
    /// Pair and revoke scanner devices.
    #[command(subcommand)]
    Device(DeviceCmd),
    /// Organizations for the organizer console.
    #[command(subcommand)]
    Organizer(OrganizerCmd),
    /// Serve the API and the scanner app.
    Serve(ServeArgs),
    /// A demo event with a few hundred attendees in a fresh SQLite file, served at once.
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// How many attendees.
        #[arg(long, default_value_t = 300)]
        attendees: u32,
    },
    /// A consistent copy of the SQLite database, taken while the server runs (PostgreSQL: pg_dump).
    /// The master key is not in it: keep DATA_DIR/master.key (or INGIA_MASTER_KEY) apart.
    Backup {
        /// The new file to write (it must not exist).
        file: PathBuf,
    },
    /// Puts a backup in place of the (stopped) server's SQLite database and marks it restored: the
    /// gates then send again what the backup missed. For PostgreSQL, run it without FILE after
    /// pg_restore.
    Restore {
        /// The backup file (SQLite).
        file: Option<PathBuf>,
    },
    /// Export attendance.
    Export {
        event: String,
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Every scan attempt (the audit log: time, device, gate, staff, ticket, result) instead of
        /// one line per ticket.
        #[arg(long)]
        scans: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Csv,
}

#[derive(Subcommand)]
enum EventCmd {
    /// Create an event and its signing key; prints its id and the organizer's dashboard link.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        venue: String,
        /// Start, RFC 3339 with offset: 2026-12-31T20:00+01:00
        #[arg(long)]
        starts: String,
        #[arg(long)]
        ends: String,
        /// IANA time zone name, for display: Africa/Lagos
        #[arg(long, default_value = "UTC")]
        time_zone: String,
        /// A gate name; repeat for each gate.
        #[arg(long = "gate", required = true)]
        gates: Vec<String>,
        /// NAME[:flags]: code (the live code only), printed, pin, sms (open one way again),
        /// no-printed, no-pin, no-sms, reentry, gates=A|B; repeat for each type.
        #[arg(long = "ticket-type", required = true)]
        types: Vec<TypeSpec>,
        /// When tickets start admitting (default: 3 hours before the start).
        #[arg(long)]
        doors_open: Option<String>,
        /// When tickets stop admitting (default: 3 hours after the end).
        #[arg(long)]
        close: Option<String>,
        /// Expected number of tickets (sets the PIN length: 6 digits up to 1000, 7 up to 10000, else 8).
        #[arg(long, default_value_t = 5000)]
        capacity: usize,
        /// Hours after the end that gate phones keep the event's data; then they delete it.
        #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u16))]
        keep_hours: u16,
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        base_url: String,
    },
}

#[derive(Subcommand)]
enum AttendeesCmd {
    /// Import a CSV with columns name, ticket_type and optionally email, phone.
    Import {
        event: String,
        file: PathBuf,
        /// Import the good rows even when some are bad.
        #[arg(long)]
        skip_invalid: bool,
    },
}

#[derive(Subcommand)]
enum TicketsCmd {
    /// Issue tickets to every imported attendee who has none yet.
    Issue {
        event: String,
        /// Folder for the printable QR codes (SVG) and the delivery list.
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        base_url: String,
    },
    /// Set a ticket's status; the gates learn it at their next sync.
    Status { event: String, ticket: u32, status: StatusArg },
}

#[derive(Clone, Copy, ValueEnum)]
enum StatusArg {
    Active,
    Refunded,
    Revoked,
    Blocked,
}

#[derive(Subcommand)]
enum DeviceCmd {
    /// A one-time pairing link (and QR) for a scanner at one gate.
    Pair {
        event: String,
        #[arg(long)]
        gate: String,
        /// steward, supervisor or kiosk.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// How long the link stays valid.
        #[arg(long, default_value_t = 24)]
        valid_hours: u64,
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        base_url: String,
    },
    /// Take a device's access away at once.
    Revoke { event: String, device: u32 },
    /// Revoke a device (a stolen phone, a leaked token) and annul every admission it made from
    /// `--since` on: those attendees may enter again at any gate.
    Annul {
        event: String,
        device: u32,
        /// RFC 3339 time, e.g. 2026-12-24T19:30:00+01:00.
        #[arg(long)]
        since: String,
    },
}

#[derive(Subcommand)]
enum OrganizerCmd {
    /// A new organization; prints the one-time link its first owner opens to set up an account.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        base_url: String,
    },
    /// Another one-time invite link to an existing organization (a lost owner link, say).
    Invite {
        organization: i64,
        /// owner, manager, supervisor or viewer.
        #[arg(long, default_value = "owner")]
        role: String,
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        base_url: String,
    },
}

#[derive(clap::Args, Clone)]
struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The built scanner app (Trunk's dist folder).
    #[arg(long, default_value = "dist")]
    static_dir: PathBuf,
    /// The address phones and attendees reach this server at, for the links and pairing codes
    /// the console makes (default: the address the console was opened at).
    #[arg(long, env = "INGIA_PUBLIC_URL")]
    public_url: Option<String>,
    /// How long five wrong console passwords lock an account, in seconds.
    #[arg(long, env = "INGIA_SIGNIN_LOCK_SECS", default_value_t = 900)]
    signin_lock_secs: u64,
    /// The SMTP server for ticket mail: smtp://HOST:PORT (trusted network),
    /// smtp://USER:PASS@HOST:587?tls=required or smtps://USER:PASS@HOST:465. Without it, mails wait.
    #[arg(long, env = "INGIA_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The sender of ticket mail.
    #[arg(long, env = "INGIA_MAIL_FROM", default_value = "Ingia tickets <tickets@ingia.invalid>")]
    mail_from: String,
    /// Who carries texts: `africastalking`, or `console` (prints them; the demo). Without it,
    /// texts wait in the outbox.
    #[arg(long, env = "INGIA_SMS")]
    sms: Option<String>,
    /// Africa's Talking: the account's username, its API key, and the API's base URL
    /// (https://api.sandbox.africastalking.com for the sandbox).
    #[arg(long, env = "INGIA_AT_USERNAME", default_value = "")]
    at_username: String,
    #[arg(long, env = "INGIA_AT_API_KEY", hide_env_values = true, default_value = "")]
    at_api_key: String,
    #[arg(long, env = "INGIA_AT_BASE_URL", default_value = ingia_server::sms::provider::AT_LIVE)]
    at_base_url: String,
    /// The shortcode (or sender id) texts come from, and attendees text CHECKIN to.
    #[arg(long, env = "INGIA_SMS_SHORTCODE")]
    sms_shortcode: Option<String>,
    /// The secret path segment of the provider's callbacks (/api/v1/sms/SECRET/inbound, /ussd,
    /// /delivery): at least 24 characters. Without it the callbacks are off.
    #[arg(long, env = "INGIA_SMS_CALLBACK_SECRET", hide_env_values = true)]
    sms_callback_secret: Option<String>,
    /// The bearer token a Prometheus scraper on another machine sends to /metrics; without it
    /// /metrics answers this machine only.
    #[arg(long, env = "INGIA_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// HTTPS: the certificate chain (PEM, leaf first) and its private key (PEM). Phones give the
    /// camera and the offline app only to a secure origin. See docs/deploy.md for a venue
    /// laptop's own certificate (scripts/venue_cert.sh).
    #[arg(long, env = "INGIA_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    #[arg(long, env = "INGIA_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// With HTTPS: a second, plain-HTTP address (such as 0.0.0.0:80) whose every request is
    /// redirected to the HTTPS one. (Plain HTTP on the HTTPS port itself is redirected too.)
    #[arg(long, env = "INGIA_REDIRECT_HTTP", requires = "tls_cert")]
    redirect_http: Option<SocketAddr>,
}

fn main() -> std::process::ExitCode {
    // Logs on stderr: text, or one JSON object per line for a log collector (INGIA_LOG_FORMAT).
    let logs = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr);
    match std::env::var("INGIA_LOG_FORMAT").as_deref() {
        Ok("json") => logs.json().init(),
        Ok("text") | Err(_) => logs.init(),
        Ok(other) => {
            eprintln!("error: INGIA_LOG_FORMAT `{other}`: use text or json");
            return std::process::ExitCode::from(2);
        }
    }
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match rt.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(match e {
                Error::BadRequest(_)
                | Error::NotFound(_)
                | Error::PairingCode
                | Error::Conflict(_)
                | Error::CannotIssue => 2,
                _ => 1,
            })
        }
    }
}

fn database_url(cli: &Cli) -> Result<String> {
    if let Some(url) = &cli.database_url {
        return Ok(url.clone());
    }
    std::fs::create_dir_all(&cli.data_dir)
        .map_err(|e| Error::BadRequest(format!("cannot create {}: {e}", cli.data_dir.display())))?;
    Ok(format!("sqlite://{}", cli.data_dir.join("ingia.db").display()))
}

fn master_key(cli: &Cli) -> Result<MasterKey> {
    MasterKey::load_or_create(&cli.data_dir.join("master.key"))
}

/// The master key and, where this machine has it (or the database is new), the issuing key.
async fn keys(cli: &Cli, db: &Db, master: MasterKey) -> Result<Keys> {
    let issuing = events::issuing_key(db, &master, &cli.data_dir.join("issuing.key")).await?;
    Ok(Keys { master, issuing })
}

fn time_arg(what: &str, s: &str) -> Result<i64> {
    parse_rfc3339(s).map_err(|e| Error::BadRequest(format!("--{what}: {e}")))
}

async fn run(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Demo { serve, attendees } => return demo(&cli, serve, *attendees).await,
        Command::Event(EventCmd::Create {
            name,
            venue,
            starts,
            ends,
            time_zone,
            gates,
            types,
            doors_open,
            close,
            capacity,
            keep_hours,
            base_url,
        }) => {
            let starts_secs = time_arg("starts", starts)?;
            let ends_secs = time_arg("ends", ends)?;
            let doors_secs =
                doors_open.as_deref().map(|d| time_arg("doors-open", d)).transpose()?.unwrap_or(starts_secs - 3 * 3600);
            let close_secs =
                close.as_deref().map(|c| time_arg("close", c)).transpose()?.unwrap_or(ends_secs + 3 * 3600);
            let new = NewEvent {
                name: name.clone(),
                venue: venue.clone(),
                starts_secs,
                ends_secs,
                time_zone: time_zone.clone(),
                doors_secs,
                close_secs,
                gates: gates.clone(),
                types: types.clone(),
                capacity: *capacity,
            };
            let master = master_key(&cli)?;
            let db = Db::connect(&database_url(&cli)?).await?;
            let keys = keys(&cli, &db, master).await?;
            let created = events::create_event(&db, &keys, &new).await?;
            events::set_keep_hours(&db, created.id, *keep_hours).await?;
            println!("event {}", created.id.0);
            println!("dashboard {}/dashboard#{}", base_url.trim_end_matches('/'), created.organizer_token);
            println!("The dashboard link is shown once; keep it private. The signing key is sealed under");
            println!(
                "{} (or INGIA_ISSUING_KEY), the tickets' secrets under {} (or INGIA_MASTER_KEY):",
                cli.data_dir.join("issuing.key").display(),
                cli.data_dir.join("master.key").display()
            );
            println!("back both up separately from the database (docs/security.md).");
        }
        Command::Attendees(AttendeesCmd::Import { event, file, skip_invalid }) => {
            let event = events::parse_event_id(event)?;
            let data =
                std::fs::read(file).map_err(|e| Error::BadRequest(format!("cannot read {}: {e}", file.display())))?;
            let db = Db::connect(&database_url(&cli)?).await?;
            let report = attendees::import_csv(&db, event, &data, *skip_invalid).await?;
            for bad in &report.bad {
                eprintln!("{}:{}: {}", file.display(), bad.line, bad.problem);
            }
            if !report.bad.is_empty() && !skip_invalid {
                return Err(Error::BadRequest(format!(
                    "{} bad rows; nothing imported (fix them, or pass --skip-invalid)",
                    report.bad.len()
                )));
            }
            println!("imported {} attendees ({} rows skipped)", report.imported, report.bad.len());
        }
        Command::Tickets(TicketsCmd::Issue { event, out, base_url }) => {
            let event = events::parse_event_id(event)?;
            let master = master_key(&cli)?;
            let db = Db::connect(&database_url(&cli)?).await?;
            let keys = keys(&cli, &db, master).await?;
            let out = out.clone().unwrap_or_else(|| cli.data_dir.join(format!("tickets-{}", event.0)));
            let issued = tickets::issue_pending(&db, &keys, event).await?;
            write_tickets(&out, &issued, base_url, usize::MAX)?;
            println!("issued {} tickets; QR codes and the delivery list are in {}", issued.len(), out.display());
        }
        Command::Tickets(TicketsCmd::Status { event, ticket, status }) => {
            let event = events::parse_event_id(event)?;
            let db = Db::connect(&database_url(&cli)?).await?;
            let status = match status {
                StatusArg::Active => TicketStatus::Active,
                StatusArg::Refunded => TicketStatus::Refunded,
                StatusArg::Revoked => TicketStatus::Revoked,
                StatusArg::Blocked => TicketStatus::Blocked,
            };
            tickets::set_status(&db, "cli", event, TicketId(*ticket), status).await?;
            println!("ticket {ticket} is now {}", status.slug());
        }
        Command::Device(DeviceCmd::Pair { event, gate, role, valid_hours, base_url }) => {
            let event = events::parse_event_id(event)?;
            let db = Db::connect(&database_url(&cli)?).await?;
            let gate = devices::find_gate(&db, event, gate).await?;
            let pairing = devices::create_pairing(&db, "cli", event, gate, *role, valid_hours * 3_600_000).await?;
            let link = ingia_core::pairing::link(base_url.as_str(), &pairing.code);
            let qr = cli.data_dir.join(format!("pair-device-{}.svg", pairing.device));
            write_private(&qr, ingia_server::util::qr_svg(&link).as_bytes())?;
            println!("device {} ({} at gate {gate})", pairing.device, role.slug());
            println!("pairing link (one use, {valid_hours} h): {link}");
            println!("pairing QR: {}", qr.display());
        }
        Command::Device(DeviceCmd::Revoke { event, device }) => {
            let event = events::parse_event_id(event)?;
            let db = Db::connect(&database_url(&cli)?).await?;
            devices::revoke(&db, "cli", event, DeviceId(*device)).await?;
            println!("device {device} revoked");
        }
        Command::Device(DeviceCmd::Annul { event, device, since }) => {
            let event = events::parse_event_id(event)?;
            let since_ms = (time_arg("since", since)? * 1000).max(0) as u64;
            let db = Db::connect(&database_url(&cli)?).await?;
            match devices::revoke(&db, "cli", event, DeviceId(*device)).await {
                Ok(()) => println!("device {device} revoked"),
                Err(Error::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
            let n = checkins::annul(&db, event, DeviceId(*device), since_ms, ingia_server::util::now_ms()).await?;
            println!("{n} admissions by device {device} annulled; the gates learn it at their next sync");
        }
        Command::Organizer(OrganizerCmd::Create { name, base_url }) => {
            let db = Db::connect(&database_url(&cli)?).await?;
            let (org, code) =
                ingia_server::console::accounts::create_organization(&db, name, ingia_server::util::now_ms()).await?;
            println!("organization {org}");
            println!("owner link (one use, 7 days): {}", ingia_server::console::invite_link(base_url, &code));
        }
        Command::Organizer(OrganizerCmd::Invite { organization, role, base_url }) => {
            let role = ingia_core::access::OrgRole::from_slug(role)
                .ok_or_else(|| Error::BadRequest("a role is one of: owner, manager, supervisor, viewer".into()))?;
            let db = Db::connect(&database_url(&cli)?).await?;
            let code = ingia_server::console::accounts::create_invite(
                &db,
                *organization,
                role,
                None,
                ingia_server::util::now_ms(),
            )
            .await
            .map_err(|e| if e.is_foreign_key_violation() { Error::NotFound("organization") } else { e })?;
            ingia_server::audit::record_org(&db, *organization, None, "cli", "member.invite", role.slug()).await?;
            println!("{} link (one use, 7 days): {}", role.slug(), ingia_server::console::invite_link(base_url, &code));
        }
        Command::Serve(args) => {
            let db = Db::connect(&database_url(&cli)?).await?;
            // A new key over a database that has events would open none of its tickets (no
            // manifest, wallet or check-in would work): say so instead of starting broken.
            let path = cli.data_dir.join("master.key");
            let master = match MasterKey::load(&path)? {
                Some(key) => key,
                None if events::any(&db).await? => {
                    return Err(Error::BadRequest(format!(
                        "no master key ({} or INGIA_MASTER_KEY) for a database that holds events: restore the key \
                         you backed up (a new one could open none of their tickets)",
                        path.display()
                    )))
                }
                None => MasterKey::load_or_create(&path)?,
            };
            let keys = keys(&cli, &db, master).await?;
            if !keys.can_issue() {
                let path = cli.data_dir.join("issuing.key");
                tracing::warn!(
                    file = %path.display(),
                    "no issuing key (this file or INGIA_ISSUING_KEY): serving check-ins only; events cannot be created or tickets issued here"
                );
            }
            serve(db, keys, args).await?;
        }
        Command::Backup { file } => {
            let db = Db::connect(&database_url(&cli)?).await?;
            let bytes = ingia_server::backup::backup(&db, file).await?;
            println!("backup written: {} ({} KiB)", file.display(), bytes.div_ceil(1024));
        }
        Command::Restore { file } => {
            let url = database_url(&cli)?;
            let restored = match file {
                Some(file) => ingia_server::backup::restore_file(file, &url).await?,
                None if url.starts_with("sqlite:") => {
                    return Err(Error::BadRequest("restore needs the backup FILE for a SQLite database".into()))
                }
                None => ingia_server::backup::mark_restored(&Db::connect(&url).await?).await?,
            };
            println!(
                "restored: {} events; the gates send again what the backup missed (epoch {:016x})",
                restored.events, restored.epoch
            );
        }
        Command::Export { event, format: Format::Csv, out, scans } => {
            let event = events::parse_event_id(event)?;
            let db = Db::connect(&database_url(&cli)?).await?;
            let csv = if *scans {
                checkins::export_scans_csv(&db, event).await?
            } else {
                checkins::export_csv(&db, event).await?
            };
            match out {
                Some(path) => std::fs::write(path, csv)
                    .map_err(|e| Error::BadRequest(format!("cannot write {}: {e}", path.display())))?,
                None => print!("{csv}"),
            }
        }
    }
    Ok(())
}

/// Files holding secrets (wallet links, pairing codes) are readable by their owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    opts.mode(0o600);
    let mut f = opts.open(path).map_err(|e| Error::BadRequest(format!("cannot write {}: {e}", path.display())))?;
    f.write_all(bytes).map_err(|e| Error::BadRequest(format!("cannot write {}: {e}", path.display())))
}

/// Writes the delivery list (every ticket's PIN and wallet link) and the printable codes of the
/// first `printable` tickets as SVG files, into `out`.
fn write_tickets(out: &Path, issued: &[tickets::IssuedTicket], base_url: &str, printable: usize) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| Error::BadRequest(format!("cannot create {}: {e}", out.display())))?;
    let mut list = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| Error::Internal(format!("csv: {e}"));
    list.write_record(["ticket", "holder", "email", "pin", "wallet_link", "printable_qr"]).map_err(csv_err)?;
    for (i, t) in issued.iter().enumerate() {
        let svg = if i < printable { format!("ticket-{:06}.svg", t.id.0) } else { String::new() };
        if !svg.is_empty() {
            // A printable ticket admits whoever holds it: owner-only, like the delivery list.
            write_private(&out.join(&svg), ingia_server::util::qr_svg(&t.credential).as_bytes())?;
        }
        let link = format!("{}/wallet#{}", base_url.trim_end_matches('/'), t.wallet_token);
        let (holder, email) = (spreadsheet_safe(t.holder.clone()), spreadsheet_safe(t.email.clone()));
        list.write_record([t.id.0.to_string(), holder, email, t.pin.to_string(), link, svg]).map_err(csv_err)?;
    }
    let bytes = list.into_inner().map_err(|e| Error::Internal(format!("csv: {e}")))?;
    let name = format!("delivery-{}.csv", ingia_server::util::now_ms());
    write_private(&out.join(name), &bytes)
}

async fn serve(db: Db, keys: Keys, args: &ServeArgs) -> Result<()> {
    let sealed = tickets::seal_clear_rows(&db, &keys.master).await?;
    if sealed > 0 {
        tracing::info!(tickets = sealed, "sealed ticket secrets an older version kept in the clear");
    }
    ingia_server::live::listen(&db);
    let static_dir = args.static_dir.join("index.html").exists().then(|| args.static_dir.clone());
    if static_dir.is_none() {
        tracing::warn!(dir = %args.static_dir.display(), "no built scanner app there; serving the API only");
    }
    // A restore refuses to replace the file while this is held.
    let _serving = db.sqlite_file().map(|f| ingia_server::backup::ServingLock::serving(&f)).transpose()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| Error::BadRequest(format!("cannot listen on {}: {e}", args.listen)))?;
    let addr = listener.local_addr().map_err(|e| Error::Internal(e.to_string()))?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(ingia_server::listen::tls_config(cert, key).map_err(Error::BadRequest)?),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let public_url = args.public_url.clone().unwrap_or_else(|| format!("{scheme}://{addr}"));
    let listen = ingia_server::listen::Listen {
        header_timeout: ingia_server::listen::HEADER_READ_TIMEOUT,
        tls,
        redirect_origin: args.public_url.as_deref().and_then(origin_of),
        https_port: addr.port(),
    };
    let redirector = match args.redirect_http {
        Some(at) => {
            let plain = tokio::net::TcpListener::bind(at)
                .await
                .map_err(|e| Error::BadRequest(format!("cannot listen on {at}: {e}")))?;
            println!("redirecting http://{at} to HTTPS");
            let mut halt = stop.subscribe();
            Some(tokio::spawn(ingia_server::listen::serve_redirect(plain, listen.clone(), async move {
                let _ = halt.changed().await;
            })))
        }
        None => None,
    };
    let mut sender = None;
    if let Some(url) = &args.smtp_url {
        let mailer = ingia_server::mail::Mailer::new(url, &args.mail_from, &public_url)?;
        sender = Some(tokio::spawn(ingia_server::mail::run(db.clone(), keys.master.clone(), mailer, stopped)));
    } else {
        tracing::warn!("no INGIA_SMTP_URL: ticket mails wait in the queue until a mail server is set");
    }
    let provider = match args.sms.as_deref() {
        None => {
            tracing::warn!("no INGIA_SMS: ticket texts wait in the outbox until a provider is set");
            None
        }
        Some("console") => Some(ingia_server::sms::Provider::Console),
        Some("africastalking") => Some(ingia_server::sms::Provider::AfricasTalking(std::sync::Arc::new(
            ingia_server::sms::provider::AfricasTalking::new(
                &args.at_username,
                &args.at_api_key,
                args.sms_shortcode.as_deref(),
                &args.at_base_url,
            )
            .map_err(Error::BadRequest)?,
        ))),
        Some(other) => return Err(Error::BadRequest(format!("INGIA_SMS `{other}`: use africastalking or console"))),
    };
    if args.sms_callback_secret.as_ref().is_some_and(|s| s.len() < 24) {
        return Err(Error::BadRequest("INGIA_SMS_CALLBACK_SECRET must be at least 24 characters".into()));
    }
    let mut texter = None;
    if let Some(provider) = provider {
        let texts = ingia_server::sms::Texts { base_url: public_url.clone(), shortcode: args.sms_shortcode.clone() };
        let run = ingia_server::sms::run(db.clone(), keys.master.clone(), provider, texts, stop.subscribe());
        texter = Some(tokio::spawn(run));
    }
    let mut state = AppState::new(db, keys, static_dir);
    state.sms_callback_secret = args.sms_callback_secret.clone();
    state.sms_shortcode = args.sms_shortcode.clone();
    state.public_url = args.public_url.clone();
    state.signin_lock_ms = args.signin_lock_secs.saturating_mul(1000);
    state.mail = sender.is_some();
    state.metrics = std::sync::Arc::new(ingia_server::ops::Metrics::new(args.metrics_token.as_deref()));
    state.https = listen.tls.is_some();
    let app = ingia_server::app(state);
    println!("listening on {scheme}://{addr}");
    let served = ingia_server::listen::serve(listener, app, listen, stop_signal())
        .await
        .map_err(|e| Error::Internal(format!("server: {e}")));
    let _ = stop.send(true);
    if let Some(redirector) = redirector {
        let _ = redirector.await;
    }
    if let Some(sender) = sender {
        let _ = sender.await;
    }
    if let Some(texter) = texter {
        let _ = texter.await;
    }
    served
}

/// `https://host[:port]` of a public URL, for the redirect from plain HTTP.
fn origin_of(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let host = rest.split(['/', '?', '#']).next().filter(|h| !h.is_empty())?;
    Some(format!("https://{host}"))
}

/// Ctrl-C, or SIGTERM (what `docker stop` and systemd send).
async fn stop_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        Some(()) = async { match term.as_mut() { Some(t) => t.recv().await, None => std::future::pending().await } } => {}
    }
    tracing::info!("stopping: finishing the requests in flight");
}

/// Demo attendees with a phone number: their ticket SMS is printed by the console driver.
const DEMO_PHONES: usize = 5;
/// How many printable codes the demo writes.
const DEMO_PRINTABLE: usize = 1_000;

async fn demo(cli: &Cli, args: &ServeArgs, attendees: u32) -> Result<()> {
    // The demo texts through the console driver unless told otherwise, so SMS check-in can be
    // tried with curl.
    let mut args = args.clone();
    if args.sms.is_none() {
        args.sms = Some("console".into());
        args.sms_shortcode.get_or_insert_with(|| "20880".into());
    }
    let callback = args.sms_callback_secret.get_or_insert_with(ingia_server::util::wallet_secret).clone();
    let args = &args;
    if cli.database_url.is_some() {
        return Err(Error::BadRequest("the demo always uses a fresh SQLite file in --data-dir".into()));
    }
    if !(1..=100_000).contains(&attendees) {
        return Err(Error::BadRequest("--attendees must be 1 to 100000".into()));
    }
    for f in ["ingia.db", "ingia.db-wal", "ingia.db-shm"] {
        let _ = std::fs::remove_file(cli.data_dir.join(f));
    }
    let db = Db::connect(&database_url(cli)?).await?;
    let master = master_key(cli)?;
    let keys = keys(cli, &db, master).await?;
    // The demo's links: its public address, else where it listens (https:// when it has a certificate).
    let scheme = if args.tls_cert.is_some() { "https" } else { "http" };
    let base = args.public_url.clone().unwrap_or_else(|| format!("{scheme}://{}", args.listen));
    let base = base.trim_end_matches('/').to_string();
    let now = (ingia_server::util::now_ms() / 1000) as i64;
    // General: the live code, or SMS/USSD from the number on file; VIP: the live code only.
    let types = ["General:code,sms", "VIP:code,reentry,gates=VIP gate", "Printed"];
    let (org, owner_code) =
        ingia_server::console::accounts::create_organization(&db, "Demo organizers", ingia_server::util::now_ms())
            .await?;
    let event = events::create_event_in(
        &db,
        &keys,
        &NewEvent {
            name: "Afrobeats Live (demo)".into(),
            venue: "Eko Convention Centre, Lagos".into(),
            starts_secs: now - 1800,
            ends_secs: now + 6 * 3600,
            time_zone: "Africa/Lagos".into(),
            doors_secs: now - 3 * 3600,
            close_secs: now + 9 * 3600,
            gates: vec!["Main gate".into(), "VIP gate".into()],
            types: types.iter().map(|t| t.parse().expect("demo types parse")).collect(),
            capacity: attendees as usize,
        },
        Some(org),
        "demo",
    )
    .await?;
    let first = ["Adaeze", "Chinedu", "Amina", "Kwame", "Fatou", "Tunde", "Wanjiru", "Kofi", "Zainab", "Emeka"];
    let last = ["Okafor", "Mensah", "Diallo", "Adeyemi", "Kamau", "Bello", "Osei", "Ndlovu", "Eze", "Traore", "Mwangi"];
    let csv = attendees::sample_attendees_csv(attendees as usize, DEMO_PHONES, |i| {
        format!("{} {}", first[i % first.len()], last[(i / first.len()) % last.len()])
    });
    attendees::import_csv(&db, event.id, csv.as_bytes(), false).await?;
    let issued = tickets::issue_pending(&db, &keys, event.id).await?;
    let out = cli.data_dir.join("tickets");
    // A big demo (a festival's 100,000) prints the first thousand: enough to try, not 100,000 files.
    write_tickets(&out, &issued, &base, DEMO_PRINTABLE)?;
    let mut pairings = Vec::new();
    for (gate, role) in [
        ("Main gate", Role::Steward),
        ("VIP gate", Role::Steward),
        ("Main gate", Role::Supervisor),
        ("Main gate", Role::Kiosk),
    ] {
        let g = devices::find_gate(&db, event.id, gate).await?;
        let p = devices::create_pairing(&db, "cli", event.id, g, role, 24 * 3_600_000).await?;
        pairings.push((gate, role, ingia_core::pairing::link(&base, &p.code)));
    }
    println!("Ingia demo: event {} with {} tickets", event.id.0, issued.len());
    for (gate, role, link) in &pairings {
        println!("  pair a {} scanner at {gate}: {link}", role.slug());
    }
    for t in issued.iter().take(3) {
        println!("  wallet of {} (PIN {}): {base}/wallet#{}", t.holder, t.pin, t.wallet_token);
    }
    println!("  dashboard: {base}/dashboard#{}", event.organizer_token);
    println!("  console (owner link, one use): {}", ingia_server::console::invite_link(&base, &owner_code));
    println!("  live dashboard (once signed in to the console): {base}/console/events/{}/live", event.id.0);
    println!(
        "  printable tickets (the first {}) and every wallet link: {}",
        DEMO_PRINTABLE.min(issued.len()),
        out.display()
    );
    // The first attendee is General and has the first demo number (sample_attendees_csv).
    if let Some(t) = issued.first() {
        println!(
            "  check in by SMS as {} (the console driver prints the reply): curl -d from=%2B2348030000000 -d to={} \
             -d id=try-1 -d 'text=CHECKIN {}' {base}/api/v1/sms/{callback}/inbound",
            t.holder,
            args.sms_shortcode.as_deref().unwrap_or("20880"),
            t.pin
        );
    }
    serve(db, keys, args).await
}

/// A role named on the command line (its core slug).
fn parse_role(s: &str) -> std::result::Result<Role, String> {
    Role::from_slug(s).ok_or_else(|| {
        let names: Vec<&str> = Role::ALL.iter().map(|r| r.slug()).collect();
        format!("a role is one of: {}", names.join(", "))
    })
}
