//! The organizer's CLI as a real process: clear errors that change nothing, then the whole
//! path from event creation to export.

use std::path::Path;
use std::process::{Command, Output};

fn run(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ingia-server"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("INGIA_MASTER_KEY")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run ingia-server")
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn organizer_flow_with_clear_errors() {
    let data = std::env::temp_dir()
        .join(format!("ingia-cli-{}", ingia_server::util::hex(&ingia_server::util::random_bytes::<4>())));
    // Bad input: a clear one-line error, exit code 2, nothing created.
    let bad = run(
        &data,
        &[
            "event",
            "create",
            "--name",
            "X",
            "--venue",
            "Y",
            "--starts",
            "2026-12-31 20:00",
            "--ends",
            "2027-01-01T02:00+01:00",
            "--gate",
            "Main",
            "--ticket-type",
            "General:code",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad).1.contains("--starts"), "{}", text(&bad).1);
    let bad = run(
        &data,
        &[
            "event",
            "create",
            "--name",
            "X",
            "--venue",
            "Y",
            "--starts",
            "2026-12-31T20:00+01:00",
            "--ends",
            "2027-01-01T02:00+01:00",
            "--gate",
            "Main",
            "--ticket-type",
            "VIP:gates=Side",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad).1.contains("gate `Side`"), "{}", text(&bad).1);

    let ok = run(
        &data,
        &[
            "event",
            "create",
            "--name",
            "Afrobeats",
            "--venue",
            "Eko",
            "--starts",
            "2026-12-31T20:00+01:00",
            "--ends",
            "2027-01-01T02:00+01:00",
            "--time-zone",
            "Africa/Lagos",
            "--gate",
            "Main",
            "--gate",
            "VIP",
            "--ticket-type",
            "General:code",
            "--ticket-type",
            "VIP:code,reentry,gates=VIP",
            "--capacity",
            "500",
        ],
    );
    let (out, err) = text(&ok);
    assert!(ok.status.success(), "{err}");
    let event = out.lines().next().unwrap().strip_prefix("event ").unwrap().to_string();
    assert!(out.contains("/dashboard#ingo_"));
    assert!(!err.contains("ingo_"), "the organizer token is not logged");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for key in ["master.key", "issuing.key"] {
            let mode = std::fs::metadata(data.join(key)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{key}");
        }
    }

    // A CSV with bad rows: every bad line reported, nothing imported.
    let csv = data.join("people.csv");
    std::fs::write(
        &csv,
        "name,email,ticket_type\nAda Obi,ada@example.org,General\n,x@example.org,General\nKofi,,Gold\n",
    )
    .unwrap();
    let bad = run(&data, &["attendees", "import", &event, csv.to_str().unwrap()]);
    let (_, err) = text(&bad);
    assert_eq!(bad.status.code(), Some(2), "{err}");
    assert!(err.contains("people.csv:3: the name is empty"), "{err}");
    assert!(err.contains("people.csv:4: unknown ticket type `Gold`"), "{err}");
    assert!(err.contains("nothing imported"), "{err}");
    let issued = run(&data, &["tickets", "issue", &event]);
    assert!(text(&issued).0.contains("issued 0 tickets"), "{:?}", text(&issued));

    std::fs::write(
        &csv,
        "name,email,ticket_type\nAda Obi,ada@example.org,General\nKofi Mensah,,VIP\n\"=HYPERLINK(\"\"http://x\"\")\",@x@example.org,General\n",
    )
    .unwrap();
    assert!(run(&data, &["attendees", "import", &event, csv.to_str().unwrap()]).status.success());
    let out_dir = data.join("print");
    let issued = run(&data, &["tickets", "issue", &event, "--out", out_dir.to_str().unwrap()]);
    assert!(text(&issued).0.contains("issued 3 tickets"), "{:?}", text(&issued));
    let svg = std::fs::read_to_string(out_dir.join("ticket-000001.svg")).unwrap();
    assert!(svg.contains("<svg"));
    let list = std::fs::read_dir(&out_dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().starts_with("delivery-"))
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Every file the CLI writes holds what admits someone: the owner's only.
        for f in [list.path(), out_dir.join("ticket-000001.svg"), data.join("ingia.db")] {
            let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{} is {mode:o}", f.display());
        }
    }
    let list = std::fs::read_to_string(list.path()).unwrap();
    assert!(list.contains("/wallet#w"), "{list}");
    // Names and emails that a spreadsheet would run as formulas stay text.
    assert!(list.contains("\"'=HYPERLINK(\"\"http://x\"\")\",'@x@example.org,"), "{list}");

    let pair = run(&data, &["device", "pair", &event, "--gate", "vip", "--role", "supervisor"]);
    let (out, err) = text(&pair);
    assert!(pair.status.success(), "{err}");
    assert!(out.contains("/pair#ingp_"), "{out}");
    let bad = run(&data, &["device", "pair", &event, "--gate", "Back door", "--role", "steward"]);
    assert!(text(&bad).1.contains("no gate `Back door`"), "{:?}", text(&bad));
    let bad = run(&data, &["device", "pair", &event, "--gate", "Main", "--role", "king"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(run(&data, &["device", "revoke", &event, "1"]).status.success());
    assert_eq!(run(&data, &["device", "revoke", &event, "1"]).status.code(), Some(2));
    // A revoked device's admissions annulled in one command (it made none here).
    let annul = run(&data, &["device", "annul", &event, "1", "--since", "2026-12-31T19:00:00+01:00"]);
    assert!(text(&annul).0.contains("0 admissions by device 1 annulled"), "{:?}", text(&annul));
    assert_eq!(
        run(&data, &["device", "annul", &event, "99", "--since", "2026-12-31T19:00:00+01:00"]).status.code(),
        Some(2)
    );

    assert!(run(&data, &["tickets", "status", &event, "2", "refunded"]).status.success());
    let export = run(&data, &["export", &event, "--format", "csv"]);
    let (out, _) = text(&export);
    assert_eq!(out.lines().next(), Some("ticket,holder,ticket_type,status,checked_in_at_utc,gate,device"));
    assert!(out.contains("2,Kofi Mensah,VIP,refunded,,,"), "{out}");
    assert_eq!(run(&data, &["export", "12345", "--format", "csv"]).status.code(), Some(2));
    // --help works on every command.
    for cmd in [
        &["--help"][..],
        &["event", "create", "--help"],
        &["attendees", "import", "--help"],
        &["tickets", "issue", "--help"],
        &["device", "pair", "--help"],
        &["device", "revoke", "--help"],
        &["device", "annul", "--help"],
        &["serve", "--help"],
        &["demo", "--help"],
        &["export", "--help"],
        &["backup", "--help"],
        &["restore", "--help"],
        &["organizer", "create", "--help"],
        &["organizer", "invite", "--help"],
    ] {
        let o = run(&data, cmd);
        assert!(o.status.success() && text(&o).0.contains("Usage"), "{cmd:?}");
    }
    // A backup taken and restored from the CLI: the same attendance, the database marked restored.
    let before = text(&run(&data, &["export", &event, "--format", "csv"])).0;
    let file = data.join("nightly.db");
    let o = run(&data, &["backup", file.to_str().unwrap()]);
    assert!(o.status.success() && text(&o).0.starts_with("backup written: "), "{:?}", text(&o));
    let again = run(&data, &["backup", file.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2), "an existing file is never overwritten");
    let o = run(&data, &["restore"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("backup FILE"), "{}", text(&o).1);
    let o = run(&data, &["restore", file.to_str().unwrap()]);
    assert!(o.status.success() && text(&o).0.contains("restored: 1 events"), "{:?}", text(&o));
    assert_eq!(text(&run(&data, &["export", &event, "--format", "csv"])).0, before);
    // The issuing key kept on another machine (this one a venue box): issuing is refused with
    // the reason, and no new key is made over events sealed under the real one.
    let kept = data.join("issuing.key.kept");
    std::fs::rename(data.join("issuing.key"), &kept).unwrap();
    let o = run(&data, &["tickets", "issue", &event]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("INGIA_ISSUING_KEY"), "{}", text(&o).1);
    assert!(!data.join("issuing.key").exists());
    std::fs::rename(&kept, data.join("issuing.key")).unwrap();
    assert!(run(&data, &["tickets", "issue", &event]).status.success(), "back with the key");
    // The master key lost: the server says so and does not start with a new one.
    std::fs::remove_file(data.join("master.key")).unwrap();
    let o = run(&data, &["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("no master key"), "{}", text(&o).1);
    assert!(!data.join("master.key").exists(), "no new key was made");
}

#[test]
fn an_organization_and_its_owner_link_come_from_the_cli() {
    let data = std::env::temp_dir()
        .join(format!("ingia-cli-{}", ingia_server::util::hex(&ingia_server::util::random_bytes::<4>())));
    let o = run(&data, &["organizer", "create", "--name", "Lagos Live", "--base-url", "https://tickets.example.ng"]);
    assert!(o.status.success(), "{}", text(&o).1);
    let out = text(&o).0;
    assert!(out.starts_with("organization 1\n"), "{out}");
    assert!(out.contains("owner link (one use, 7 days): https://tickets.example.ng/console/join#ingi_"), "{out}");
    let o = run(&data, &["organizer", "invite", "1", "--role", "manager"]);
    assert!(o.status.success() && text(&o).0.contains("manager link"), "{}", text(&o).1);
    for bad in [&["organizer", "invite", "9", "--role", "manager"][..], &["organizer", "invite", "1", "--role", "boss"]]
    {
        let o = run(&data, bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
    }
    let o = run(&data, &["organizer", "create", "--name", ""]);
    assert_eq!(o.status.code(), Some(2));
}
