//! A real SMTP server for tests: mailin-embedded on 127.0.0.1:0 in a background thread, with a
//! throwaway CA and a leaf certificate for `localhost` made by rcgen.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use mailin_embedded::{AuthMechanism, Handler, Response, Server, SslConfig, response};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use roster::mail::{MailSettings, Secret, TlsMode};

/// One mail as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message (headers and MIME body) as sent after DATA.
    pub data: String,
}

/// How the test server handles encryption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpMode {
    /// No STARTTLS offered.
    Plain,
    /// STARTTLS with a leaf certificate signed by the test CA.
    StartTls,
    /// STARTTLS with a self-signed leaf certificate that the test CA did not issue.
    StartTlsUntrustedCert,
}

/// A running test SMTP server; it lives until the test process ends.
pub struct TestSmtp {
    pub port: u16,
    /// The test CA, for `MailSettings.extra_root_pem`.
    pub ca_pem_path: PathBuf,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    bounce: Arc<AtomicBool>,
    _dir: tempfile::TempDir,
}

impl TestSmtp {
    /// Starts a server; with `auth`, it offers AUTH PLAIN/LOGIN (after STARTTLS only, as
    /// mailin does) and answers 535 to any other user or password.
    pub fn start(mode: SmtpMode, auth: Option<(&str, &str)>) -> TestSmtp {
        // mailin's rustls uses `ServerConfig::builder()`, which needs a process-wide provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().expect("temp dir");
        let pki = write_certificates(&dir, mode);
        let received = Arc::new(Mutex::new(Vec::new()));
        let bounce = Arc::new(AtomicBool::new(true));
        let handler = Capture {
            received: Arc::clone(&received),
            bounce: Arc::clone(&bounce),
            auth: auth.map(|(u, p)| (u.to_string(), p.to_string())),
            from: String::new(),
            to: Vec::new(),
            data: Vec::new(),
        };
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind test SMTP port");
        let port = listener.local_addr().expect("local addr").port();
        let mut server = Server::new(handler);
        server.with_name("localhost").with_tcp_listener(listener);
        let ssl = match mode {
            SmtpMode::Plain => SslConfig::None,
            SmtpMode::StartTls => SslConfig::Trusted {
                cert_path: pki.leaf_cert.clone(),
                key_path: pki.leaf_key.clone(),
                chain_path: pki.ca_cert.clone(),
            },
            SmtpMode::StartTlsUntrustedCert => SslConfig::SelfSigned {
                cert_path: pki.leaf_cert.clone(),
                key_path: pki.leaf_key.clone(),
            },
        };
        server
            .with_ssl(ssl)
            .expect("TLS setup of the test SMTP server");
        if auth.is_some() {
            server
                .with_auth(AuthMechanism::Plain)
                .with_auth(AuthMechanism::Login);
        }
        std::thread::spawn(move || {
            if let Err(e) = server.serve() {
                eprintln!("test SMTP server stopped: {e}");
            }
        });
        TestSmtp {
            port,
            ca_pem_path: PathBuf::from(pki.ca_cert),
            received,
            bounce,
            _dir: dir,
        }
    }

    /// Whether recipients containing "bounce" are refused (on by default).
    pub fn set_bounce(&self, on: bool) {
        self.bounce.store(on, Ordering::SeqCst);
    }

    /// Mails received so far.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.received.lock().expect("lock").clone()
    }

    /// Waits until `n` mails arrived or `timeout` passed, then returns what arrived.
    pub fn wait_for_messages(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let mails = self.messages();
            if mails.len() >= n || Instant::now() >= deadline {
                return mails;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Settings that point at this server as `localhost` (so certificate names match).
    pub fn settings(&self, tls: TlsMode, creds: Option<(&str, &str)>) -> MailSettings {
        MailSettings {
            host: Some("localhost".to_string()),
            port: self.port,
            username: creds.map(|(u, _)| u.to_string()),
            password: creds.map(|(_, p)| Secret::new(p.to_string())),
            tls,
            timeout: Duration::from_secs(5),
            from: "roster@example.com".to_string(),
            extra_root_pem: Some(self.ca_pem_path.clone()),
        }
    }
}

/// A loopback port that nothing listens on.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("local addr").port()
}

/// A port that accepts connections and never sends a greeting, as an implicit-TLS port looks to
/// a plain SMTP client. It lives until the test process ends.
pub fn silent_tls_like_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || swallow(stream));
        }
    });
    port
}

/// Reads (and ignores) whatever the client sends until it hangs up.
fn swallow(mut stream: TcpStream) {
    let mut buf = [0u8; 1024];
    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
}

/// The first URL starting with `prefix` in the text/plain part, after undoing its
/// Content-Transfer-Encoding (7bit, quoted-printable or base64).
pub fn extract_link(mail: &ReceivedMail, prefix: &str) -> Option<String> {
    let text = text_part(&mail.data)?;
    let start = text.find(prefix)?;
    let link: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '<' && *c != '>' && *c != '"')
        .collect();
    Some(link)
}

/// The decoded text/plain body of a (possibly multipart) message.
pub fn text_part(data: &str) -> Option<String> {
    let data = data.replace("\r\n", "\n");
    let boundary = data
        .split("boundary=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|b| format!("\n--{b}"));
    let parts: Vec<&str> = match &boundary {
        Some(b) => data.split(b.as_str()).collect(),
        None => vec![data.as_str()],
    };
    for part in parts {
        let Some((headers, body)) = part.split_once("\n\n") else {
            continue;
        };
        let headers = headers.to_ascii_lowercase();
        if !headers.contains("content-type: text/plain") {
            continue;
        }
        let body = body.trim_end_matches('\n');
        return if headers.contains("content-transfer-encoding: quoted-printable") {
            Some(decode_quoted_printable(body))
        } else if headers.contains("content-transfer-encoding: base64") {
            let compact: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .ok()?;
            String::from_utf8(bytes).ok()
        } else {
            Some(body.to_string())
        };
    }
    None
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Paths (as mailin wants them: `String`) of the generated PEM files.
struct Pki {
    ca_cert: String,
    leaf_cert: String,
    leaf_key: String,
}

fn write_certificates(dir: &tempfile::TempDir, mode: SmtpMode) -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Roster test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().expect("CA key");
    let ca = ca_params.self_signed(&ca_key).expect("CA cert");

    let mut leaf_params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    leaf_params.is_ca = IsCa::ExplicitNoCa;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = match mode {
        SmtpMode::StartTlsUntrustedCert => leaf_params.self_signed(&leaf_key),
        _ => leaf_params.signed_by(&leaf_key, &ca, &ca_key),
    }
    .expect("leaf cert");

    let write = |name: &str, pem: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, pem).expect("write PEM");
        path.to_string_lossy().into_owned()
    };
    Pki {
        ca_cert: write("ca.pem", ca.pem()),
        leaf_cert: write("leaf.pem", leaf.pem()),
        leaf_key: write("leaf-key.pem", leaf_key.serialize_pem()),
    }
}

/// The mailin handler: checks AUTH and records each mail. Cloned per connection.
#[derive(Clone)]
struct Capture {
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    /// While set, recipients whose address contains "bounce" are refused with 550.
    bounce: Arc<AtomicBool>,
    auth: Option<(String, String)>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Capture {
    fn login(&self, user: &str, password: &str) -> Response {
        match &self.auth {
            Some((u, p)) if u == user && p == password => response::AUTH_OK,
            _ => response::INVALID_CREDENTIALS,
        }
    }
}

impl Handler for Capture {
    fn rcpt(&mut self, to: &str) -> Response {
        if self.bounce.load(Ordering::SeqCst) && to.contains("bounce") {
            response::NO_MAILBOX
        } else {
            response::OK
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.from = from.to_string();
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mail = ReceivedMail {
            from: std::mem::take(&mut self.from),
            to: std::mem::take(&mut self.to),
            data: String::from_utf8_lossy(&std::mem::take(&mut self.data)).into_owned(),
        };
        self.received.lock().expect("lock").push(mail);
        response::OK
    }

    fn auth_plain(&mut self, _authz: &str, user: &str, password: &str) -> Response {
        self.login(user, password)
    }

    fn auth_login(&mut self, user: &str, password: &str) -> Response {
        self.login(user, password)
    }
}
