//! Resource exhaustion from outside: rate-limit maps that grow with every request, bodies that
//! never arrive, piles of open connections, and headers wide enough to make each row expensive.

use std::io::{Read, Write};
use std::net::TcpStream;

use super::*;

/// Resident memory of a process in KiB, from /proc.
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .expect("VmRSS")
}

#[test]
fn forgot_password_floods_with_huge_addresses_keep_the_server_memory_flat() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("roster.sqlite3");
    let mut server = start_server(&db);
    let app = TestApp::external(&server.base, db.clone(), tempfile::tempdir().expect("dir"));
    let browser = Manual::new(&app);
    let token = csrf_token(&browser.get("/password-reset").text().expect("body"));
    // Near the 64 KB form limit, a different address each time.
    let filler = "a".repeat(60 * 1024);
    let flood = |from: usize, to: usize| {
        for n in from..to {
            let email = format!("{n}{filler}@example.com");
            let res = browser.post(
                "/password-reset",
                &[("csrf_token", token.as_str()), ("email", &email)],
            );
            assert!(
                [303, 429].contains(&res.status().as_u16()),
                "request {n}: {}",
                res.status()
            );
        }
    };
    flood(0, 200);
    let warm = resident_kib(server.child.id());
    flood(200, 2_200);
    let after = resident_kib(server.child.id());
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let grown_mib = after.saturating_sub(warm) / 1024;
    eprintln!("resident memory: {warm} KiB after 200 requests, {after} KiB after 2,200");
    // 2,000 remembered 60 KB keys would be 120 MB; what is left is allocator noise.
    assert!(
        grown_mib < 24,
        "the server grew by {grown_mib} MiB over 2,000 limited requests"
    );
}

/// Headers of a form post whose 100-byte body never comes.
const SILENT_POST: &[u8] = b"POST /password-reset HTTP/1.1\r\nHost: 127.0.0.1\r\n\
    Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n";

/// Waits until the server closes `stream` (end of file or reset); the answer it sent, if any.
fn wait_for_close(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    stream.set_read_timeout(Some(limit)).unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Some(String::from_utf8_lossy(&answer).into_owned()),
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset => {
                return Some(String::from_utf8_lossy(&answer).into_owned());
            }
            Err(_) => return None,
        }
        if started.elapsed() > limit {
            return None;
        }
    }
}

/// Whether the server has closed `stream` (end of file or reset), without waiting.
fn closed_now(stream: &mut TcpStream) -> bool {
    stream.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 4096];
    let closed = loop {
        match stream.read(&mut buf) {
            Ok(0) => break true,
            Ok(_) => continue,
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => break false,
            Err(_) => break true,
        }
    };
    stream.set_nonblocking(false).unwrap();
    closed
}

#[test]
fn silent_bodies_are_timed_out_and_one_client_cannot_hold_every_connection() {
    let app = spawn_app();
    let address = app.base.trim_start_matches("http://").to_string();
    let mut silent = Vec::new();
    for _ in 0..100 {
        let mut stream = TcpStream::connect(&address).expect("connect");
        stream.write_all(SILENT_POST).expect("headers");
        silent.push(stream);
    }
    let started = Instant::now();
    // Connections beyond the per-client cap are closed at once (which ones depends on the order
    // the server's workers took them in).
    std::thread::sleep(Duration::from_secs(2));
    let refused = silent
        .iter_mut()
        .map(closed_now)
        .filter(|&closed| closed)
        .count();
    assert_eq!(refused, 36, "connections closed within 2 s");
    // Another client is served meanwhile.
    let other = browser_from(&app, "127.0.0.2");
    assert_eq!(other.get("/login").status().as_u16(), 200);
    // The stalled bodies are given up and their connections closed, with an answer.
    for (n, stream) in silent.iter_mut().enumerate() {
        let answer = wait_for_close(stream, Duration::from_secs(20))
            .unwrap_or_else(|| panic!("connection {n} still open after {:?}", started.elapsed()));
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
            "connection {n}: {answer}"
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    // Their slots are given back: the same client is served again.
    let again = browser_from(&app, "127.0.0.1");
    assert_eq!(again.get("/login").status().as_u16(), 200);
}

#[test]
fn a_header_with_millions_of_cells_is_refused_quickly_with_a_file_error() {
    let mut csv = String::from("first_name;last_name;email;username");
    csv.push_str(&";".repeat(2_000_000));
    csv.push('\n');
    for n in 0..10_000 {
        csv.push_str(&format!("A;B;a{n}@example.com;user{n}\n"));
    }
    let (took, outcome) = timed(|| roster::import::parse(csv.as_bytes(), 100_000));
    let err = outcome.expect_err("refused");
    assert_eq!(err.code, "too_many_columns", "{err}");
    assert!(err.message.contains("at most 200"), "{}", err.message);
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[test]
fn the_column_cap_leaves_room_for_spreadsheet_padding() {
    let file = |cells: usize| {
        format!(
            "first_name;last_name;email;username{}\nA;B;a@example.com;alice\n",
            ";".repeat(cells - 4)
        )
    };
    let max = roster::import::parse::MAX_COLUMNS;
    let parsed = roster::import::parse(file(max).as_bytes(), 10).expect("at the cap");
    assert_eq!(parsed.rows.len(), 1);
    let err = roster::import::parse(file(max + 1).as_bytes(), 10).expect_err("over the cap");
    assert_eq!(err.code, "too_many_columns");
}

/// Finding 13: failed rows kept their whole over-long values, so an 18 MB upload added 37 MB to the
/// database and made a 19 MB error report. Values are now kept to 300 characters and "…".
#[test]
fn over_long_values_are_cut_in_what_is_echoed_and_stored() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("roster.sqlite3");
    let huge = "x".repeat(2 * 1024 * 1024);
    let mut csv = format!("{HEADER}\n");
    for i in 0..4 {
        csv += &format!("{huge};Long;long{i}@example.com;long{i};;{huge};\n");
    }
    let file = dir.path().join("long.csv");
    std::fs::write(&file, &csv).expect("write");
    let report = dir.path().join("errors.csv");
    let out = roster(
        &db,
        &[
            "import",
            file.to_str().unwrap(),
            "--json",
            "--allow-without-mail",
            "--error-report",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(3), "every row fails");
    assert!(
        out.stdout.len() < 20_000,
        "JSON of {} bytes",
        out.stdout.len()
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["errors"][0]["code"], "field_too_long");
    let report_bytes = std::fs::metadata(&report).expect("report").len();
    assert!(
        report_bytes < 20_000,
        "error report of {report_bytes} bytes"
    );
    let conn = rusqlite::Connection::open(&db).expect("db");
    let (rows, longest): (i64, i64) = conn
        .query_row(
            "SELECT COUNT(*), MAX(MAX(length(first_name), length(job_title))) FROM roster_import_row",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("rows");
    assert_eq!((rows, longest), (4, 301), "300 characters and the ellipsis");
    let database_bytes = std::fs::metadata(&db).expect("db").len();
    assert!(
        database_bytes < 2_000_000,
        "database of {database_bytes} bytes for a 16 MB file"
    );

    // The test server takes 256 KB uploads: 8 rows of 30,000-character values.
    let long = "y".repeat(30_000);
    let mut small = format!("{HEADER}\n");
    for i in 0..4 {
        small += &format!("{long};Long;long{i}@example.com;long{i};;{long};\n");
    }
    let app = spawn_app();
    app.login_admin();
    let (_, status, html) = app.upload_and_preview("long.csv", small.as_bytes());
    assert_eq!(status, 200);
    assert!(html.len() < 50_000, "preview page of {} bytes", html.len());
}
