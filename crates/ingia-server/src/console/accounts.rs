//! Organizations, their members and sessions: argon2id passwords, the sign-in lockout, one-time
//! invites (an organization's first owner gets one from the CLI), database sessions, and the
//! role a member holds over an event. Who may do what is `ingia_core::access`.
//! Invariant: the database keeps no secret a thief could use: passwords as argon2id hashes,
//! session tokens and invite codes as SHA-256.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use ingia_core::access::{Need, OrgRole};
use ingia_core::EventId;
use sqlx::Row;

use crate::db::{event_key, Db};
use crate::error::{Error, Result};
use crate::util::{hex, new_secret, random_bytes, secret_hash};

/// Wrong passwords in a row that lock an account.
pub const LOCK_AFTER: i64 = 5;
/// How long an invite link stays valid.
pub const INVITE_TTL_MS: u64 = 7 * 24 * 3_600_000;
/// A session ends after this long without a request ...
pub const SESSION_IDLE_MS: u64 = 12 * 3_600_000;
/// ... and, whatever its use, this long after sign-in.
pub const SESSION_MAX_MS: u64 = 14 * 24 * 3_600_000;
/// The cookie (the `__Host-` prefix: Secure, Path=/, no Domain, so no other site sets it).
pub const COOKIE: &str = "__Host-ingia";

pub type AccountId = i64;
pub type OrgId = i64;

/// A signed-in member's session.
#[derive(Debug, Clone)]
pub struct Session {
    pub account: AccountId,
    pub name: String,
    pub email: String,
    /// The token forms and fetches of this session carry.
    pub csrf: String,
    pub token_hash: String,
}

impl Session {
    /// How the audit log names this member.
    pub fn actor(&self) -> String {
        format!("{} (account {})", self.name, self.account)
    }
}

// The OWASP argon2id floor: 19 MiB, 2 passes, 1 lane (about 30 ms on this class of machine).
fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19 * 1024, 2, 1, None).expect("valid argon2 params"))
}

pub async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&random_bytes::<16>()).map_err(|e| Error::Internal(format!("salt: {e}")))?;
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(format!("hashing task: {e}")))?
}

async fn password_matches(stored: Option<String>, password: &str) -> Result<bool> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        // An unknown email costs the same time as a known one.
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let dummy = DUMMY.get_or_init(|| {
            let salt = SaltString::encode_b64(&random_bytes::<16>()).expect("salt");
            argon2().hash_password(hex(&random_bytes::<16>()).as_bytes(), &salt).expect("argon2").to_string()
        });
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| dummy.clone());
        let Ok(parsed) = PasswordHash::new(&stored) else { return false };
        argon2().verify_password(password.as_bytes(), &parsed).is_ok() && known
    })
    .await
    .map_err(|e| Error::Internal(format!("hashing task: {e}")))
}

pub fn check_password_rules(password: &str) -> Result<()> {
    let n = password.chars().count();
    if !(10..=200).contains(&n) {
        return Err(Error::BadRequest("a password has 10 to 200 characters (a few words make a good one)".into()));
    }
    Ok(())
}

fn clean_email(email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    let ok = email.len() <= 200
        && email.split_once('@').is_some_and(|(a, d)| !a.is_empty() && d.contains('.') && !d.starts_with('.'))
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        return Err(Error::BadRequest("that is not an email address".into()));
    }
    Ok(email)
}

pub fn clean_name(what: &str, name: &str, max: usize) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > max || name.chars().any(char::is_control) {
        return Err(Error::BadRequest(format!("{what} must be 1 to {max} printable characters")));
    }
    Ok(name.to_string())
}

/// A new organization and its first owner's one-time invite code (the CLI prints it).
pub async fn create_organization(db: &Db, name: &str, now: u64) -> Result<(OrgId, String)> {
    let name = clean_name("an organization's name", name, 120)?;
    let org: i64 = sqlx::query("INSERT INTO organizations (name, created_at) VALUES ($1, $2) RETURNING id")
        .bind(&name)
        .bind(now as i64)
        .fetch_one(&db.pool)
        .await?
        .try_get("id")?;
    let code = create_invite(db, org, OrgRole::Owner, None, now).await?;
    crate::audit::record_org(db, org, None, "cli", "organization.create", &format!("organization `{name}`")).await?;
    Ok((org, code))
}

/// A one-time invite to `org` with `role`; only its hash is kept.
pub async fn create_invite(db: &Db, org: OrgId, role: OrgRole, by: Option<AccountId>, now: u64) -> Result<String> {
    let code = new_secret("ingi");
    sqlx::query(
        "INSERT INTO invites (code_hash, org_id, role, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(secret_hash(&code))
    .bind(org)
    .bind(role.slug())
    .bind(by)
    .bind(now as i64)
    .bind((now + INVITE_TTL_MS) as i64)
    .execute(&db.pool)
    .await?;
    Ok(code)
}

pub struct Joining<'a> {
    pub code: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub password: &'a str,
}

/// Redeems an invite (once): a new account, or an existing one whose password is given, joins
/// the invite's organization with its role.
pub async fn join(db: &Db, j: &Joining<'_>, now: u64) -> Result<(AccountId, OrgId)> {
    let email = clean_email(j.email)?;
    let invalid = || Error::BadRequest("this invite link is unknown, used or expired: ask for a new one".into());
    let invite =
        sqlx::query("SELECT org_id, role FROM invites WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2")
            .bind(secret_hash(j.code.trim()))
            .bind(now as i64)
            .fetch_optional(&db.pool)
            .await?
            .ok_or_else(invalid)?;
    let org: OrgId = invite.try_get("org_id")?;
    let role = stored_role(&invite.try_get::<String, _>("role")?)?;
    let existing = sqlx::query("SELECT id, password_hash FROM accounts WHERE email = $1")
        .bind(&email)
        .fetch_optional(&db.pool)
        .await?;
    let account = match existing {
        Some(row) => {
            if !password_matches(Some(row.try_get("password_hash")?), j.password).await? {
                return Err(Error::BadRequest(
                    "an account with this email exists: give its password to join with it".into(),
                ));
            }
            row.try_get::<i64, _>("id")?
        }
        None => {
            let name = clean_name("your name", j.name, 80)?;
            check_password_rules(j.password)?;
            let hash = hash_password(j.password).await?;
            let inserted = sqlx::query(
                "INSERT INTO accounts (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(&email)
            .bind(&name)
            .bind(hash)
            .bind(now as i64)
            .fetch_one(&db.pool)
            .await;
            match inserted {
                Ok(row) => row.try_get("id")?,
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                    return Err(Error::BadRequest("an account with this email was just created: try again".into()))
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    let mut tx = db.pool.begin().await?;
    // Used once: the update only succeeds for the first of two racing redemptions.
    let used = sqlx::query("UPDATE invites SET used_at = $1, used_by = $2 WHERE code_hash = $3 AND used_at IS NULL")
        .bind(now as i64)
        .bind(account)
        .bind(secret_hash(j.code.trim()))
        .execute(&mut *tx)
        .await?;
    if used.rows_affected() != 1 {
        return Err(invalid());
    }
    let member = sqlx::query("SELECT role FROM memberships WHERE org_id = $1 AND account_id = $2")
        .bind(org)
        .bind(account)
        .fetch_optional(&mut *tx)
        .await?;
    match member {
        // An invite never lowers a member's role.
        Some(row) if stored_role(&row.try_get::<String, _>("role")?)? >= role => {}
        Some(_) => {
            sqlx::query("UPDATE memberships SET role = $1 WHERE org_id = $2 AND account_id = $3")
                .bind(role.slug())
                .bind(org)
                .bind(account)
                .execute(&mut *tx)
                .await?;
        }
        None => {
            sqlx::query("INSERT INTO memberships (org_id, account_id, role, created_at) VALUES ($1, $2, $3, $4)")
                .bind(org)
                .bind(account)
                .bind(role.slug())
                .bind(now as i64)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    crate::audit::record_org(db, org, None, &format!("{email} (account {account})"), "member.join", role.slug())
        .await?;
    Ok((account, org))
}

fn stored_role(s: &str) -> Result<OrgRole> {
    OrgRole::from_slug(s).ok_or_else(|| Error::Internal(format!("unknown stored member role {s}")))
}

fn clock(ms: u64) -> String {
    let t = jiff::Timestamp::from_millisecond(ms as i64).unwrap_or_default();
    t.strftime("%H:%M UTC").to_string()
}

/// The sign-in refusal that says nothing about which of the two was wrong.
pub const WRONG_PASSWORD: &str = "wrong email or password";

/// Checks an email and password. Five wrong passwords in a row lock the account for `lock_ms`;
/// while locked, even the right password is refused with the time the lock ends.
pub async fn sign_in(db: &Db, email: &str, password: &str, now: u64, lock_ms: u64) -> Result<AccountId> {
    let wrong = || Error::SignIn(WRONG_PASSWORD.into());
    let Ok(email) = clean_email(email) else { return Err(wrong()) };
    let row = sqlx::query("SELECT id, password_hash, failed_signins, locked_until FROM accounts WHERE email = $1")
        .bind(&email)
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else {
        password_matches(None, password).await?;
        return Err(wrong());
    };
    let id: i64 = row.try_get("id")?;
    let locked_until = row.try_get::<i64, _>("locked_until")?.max(0) as u64;
    let locked = |until: u64| {
        let minutes = (until.saturating_sub(now)).div_ceil(60_000).max(1);
        Error::SignIn(format!(
            "too many wrong passwords: this account is locked until {} (in {minutes} min); try again then",
            clock(until)
        ))
    };
    if locked_until > now {
        return Err(locked(locked_until));
    }
    if password_matches(Some(row.try_get("password_hash")?), password).await? {
        sqlx::query("UPDATE accounts SET failed_signins = 0 WHERE id = $1").bind(id).execute(&db.pool).await?;
        crate::audit::record(db, None, &format!("{email} (account {id})"), "account.sign_in", "").await?;
        return Ok(id);
    }
    let failed = row.try_get::<i64, _>("failed_signins")? + 1;
    let lock = failed >= LOCK_AFTER;
    let until = if lock { now + lock_ms } else { 0 };
    sqlx::query("UPDATE accounts SET failed_signins = $1, locked_until = $2 WHERE id = $3")
        .bind(if lock { 0 } else { failed })
        .bind(until as i64)
        .bind(id)
        .execute(&db.pool)
        .await?;
    let action = if lock { "account.locked" } else { "account.sign_in.refused" };
    crate::audit::record(db, None, &format!("{email} (account {id})"), action, "wrong password").await?;
    if lock {
        return Err(locked(until));
    }
    Err(wrong())
}

/// A new session: (cookie token, CSRF token).
pub async fn new_session(db: &Db, account: AccountId, now: u64) -> Result<String> {
    let token = new_secret("ings");
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, csrf, created_at, seen_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)",
    )
    .bind(secret_hash(&token))
    .bind(account)
    .bind(hex(&random_bytes::<16>()))
    .bind(now as i64)
    .bind((now + SESSION_IDLE_MS) as i64)
    .execute(&db.pool)
    .await?;
    Ok(token)
}

/// The live session of a cookie token; each use (at most once a minute) pushes the idle end on.
pub async fn session(db: &Db, token: &str, now: u64) -> Result<Option<Session>> {
    let hash = secret_hash(token);
    let row = sqlx::query(
        "SELECT s.account_id, s.csrf, s.created_at, s.seen_at, s.expires_at, a.name, a.email FROM sessions s \
         JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let created = row.try_get::<i64, _>("created_at")? as u64;
    if row.try_get::<i64, _>("expires_at")? as u64 <= now || created + SESSION_MAX_MS <= now {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(&hash).execute(&db.pool).await?;
        return Ok(None);
    }
    if now.saturating_sub(row.try_get::<i64, _>("seen_at")? as u64) > 60_000 {
        sqlx::query("UPDATE sessions SET seen_at = $1, expires_at = $2 WHERE token_hash = $3")
            .bind(now as i64)
            .bind((now + SESSION_IDLE_MS).min(created + SESSION_MAX_MS) as i64)
            .bind(&hash)
            .execute(&db.pool)
            .await?;
    }
    Ok(Some(Session {
        account: row.try_get("account_id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        csrf: row.try_get("csrf")?,
        token_hash: hash,
    }))
}

/// Whether the session with this token hash is still open at `now` (neither ended nor expired);
/// it does not count as activity (a dashboard left open does not keep a session alive).
pub async fn still_signed_in(db: &Db, token_hash: &str, now: u64) -> Result<bool> {
    let row = sqlx::query("SELECT created_at, expires_at FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(&db.pool)
        .await?;
    Ok(match row {
        None => false,
        Some(r) => {
            let created = r.try_get::<i64, _>("created_at")? as u64;
            (r.try_get::<i64, _>("expires_at")? as u64) > now && created + SESSION_MAX_MS > now
        }
    })
}

/// Ends one session, or (`everywhere`) every session of its account.
pub async fn sign_out(db: &Db, s: &Session, everywhere: bool) -> Result<u64> {
    let done = if everywhere {
        sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(s.account).execute(&db.pool).await?
    } else {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(&s.token_hash).execute(&db.pool).await?
    };
    let action = if everywhere { "account.sign_out_everywhere" } else { "account.sign_out" };
    crate::audit::record(db, None, &s.actor(), action, "").await?;
    Ok(done.rows_affected())
}

pub struct Membership {
    pub org: OrgId,
    pub org_name: String,
    pub role: OrgRole,
}

pub async fn memberships(db: &Db, account: AccountId) -> Result<Vec<Membership>> {
    let rows = sqlx::query(
        "SELECT m.org_id, o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.org_id \
         WHERE m.account_id = $1 ORDER BY o.name",
    )
    .bind(account)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Membership {
                org: r.try_get("org_id")?,
                org_name: r.try_get("name")?,
                role: stored_role(&r.try_get::<String, _>("role")?)?,
            })
        })
        .collect()
}

/// The member's role in `org`, if it allows `need`. Not a member: "not found" (an organization
/// is not told to outsiders); a member without the role: a plain refusal naming it.
pub async fn require_org(db: &Db, account: AccountId, org: OrgId, need: Need) -> Result<Membership> {
    let row = sqlx::query(
        "SELECT o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.org_id \
         WHERE m.org_id = $1 AND m.account_id = $2",
    )
    .bind(org)
    .bind(account)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(Error::NotFound("organization"))?;
    let m = Membership { org, org_name: row.try_get("name")?, role: stored_role(&row.try_get::<String, _>("role")?)? };
    allowed(m.role, need)?;
    Ok(m)
}

/// The same for an event: through the organization that owns it.
pub async fn require_event(db: &Db, account: AccountId, event: EventId, need: Need) -> Result<Membership> {
    let row = sqlx::query("SELECT org_id FROM events WHERE id = $1")
        .bind(event_key(event))
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound("event"))?;
    let Some(org) = row.try_get::<Option<i64>, _>("org_id")? else { return Err(Error::NotFound("event")) };
    match require_org(db, account, org, need).await {
        Err(Error::NotFound(_)) => Err(Error::NotFound("event")),
        other => other,
    }
}

pub fn allowed(role: OrgRole, need: Need) -> Result<()> {
    if role.can(need) {
        return Ok(());
    }
    let least = OrgRole::least_for(need);
    Err(Error::Role(format!("your role ({}) may not do this: it takes a {} or above", role.slug(), least.slug())))
}

pub struct Member {
    pub account: AccountId,
    pub name: String,
    pub email: String,
    pub role: OrgRole,
}

pub async fn members(db: &Db, org: OrgId) -> Result<Vec<Member>> {
    let rows = sqlx::query(
        "SELECT a.id, a.name, a.email, m.role FROM memberships m JOIN accounts a ON a.id = m.account_id \
         WHERE m.org_id = $1 ORDER BY a.name",
    )
    .bind(org)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Member {
                account: r.try_get("id")?,
                name: r.try_get("name")?,
                email: r.try_get("email")?,
                role: stored_role(&r.try_get::<String, _>("role")?)?,
            })
        })
        .collect()
}

/// Changes a member's role, or (`None`) removes them; the last owner stays.
pub async fn set_member(db: &Db, org: OrgId, account: AccountId, role: Option<OrgRole>, actor: &str) -> Result<()> {
    let list = members(db, org).await?;
    let target = list.iter().find(|m| m.account == account).ok_or(Error::NotFound("member"))?;
    let owners = list.iter().filter(|m| m.role == OrgRole::Owner).count();
    if target.role == OrgRole::Owner && role != Some(OrgRole::Owner) && owners == 1 {
        return Err(Error::BadRequest("an organization keeps at least one owner: make another owner first".into()));
    }
    let detail = format!("{} (account {account}): {}", target.name, role.map_or("removed", |r| r.slug()));
    match role {
        Some(r) => {
            sqlx::query("UPDATE memberships SET role = $1 WHERE org_id = $2 AND account_id = $3")
                .bind(r.slug())
                .bind(org)
                .bind(account)
                .execute(&db.pool)
                .await?;
        }
        None => {
            sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND account_id = $2")
                .bind(org)
                .bind(account)
                .execute(&db.pool)
                .await?;
        }
    }
    crate::audit::record_org(db, org, None, actor, "member.role", &detail).await
}
