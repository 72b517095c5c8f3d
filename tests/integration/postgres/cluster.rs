//! A throwaway PostgreSQL cluster for this test run: Debian's server binaries, `initdb` with
//! SCRAM passwords, TLS with a test CA and a leaf certificate for `localhost`, listening on
//! 127.0.0.1 and a free port. Started once, on first use; a watcher process stops it and removes
//! its folder when the test process ends. PostgreSQL refuses to run as root, so as root (CI) the
//! server runs as `nobody`. Each test gets its own database.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The cluster's superuser (also the user the tests connect as).
pub const USER: &str = "roster";

/// A running cluster.
pub struct Cluster {
    pub port: u16,
    /// The superuser's password (random per run; tests check it never shows).
    pub password: String,
    /// The test CA's certificate (PEM), which signed the server's `localhost` certificate.
    pub ca_file: PathBuf,
    bin: PathBuf,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// The cluster, started on first use.
pub fn cluster() -> &'static Cluster {
    CLUSTER.get_or_init(Cluster::start)
}

/// A new, empty database of its own for one test.
pub fn new_database(label: &str) -> String {
    let cluster = cluster();
    let name = format!(
        "t{}_{}_{label}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin = cluster.client("postgres");
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .expect("create a test database");
    name
}

/// Debian's PostgreSQL server binaries (the newest installed), or `ROSTER_PG_BIN`; a clear
/// failure with the install command when there are none.
fn server_binaries() -> PathBuf {
    let found = match std::env::var_os("ROSTER_PG_BIN") {
        Some(dir) => Some(PathBuf::from(dir)).filter(|bin| bin.join("initdb").exists()),
        None => {
            let mut installed: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|entry| {
                    let version = entry.file_name().to_str()?.parse().ok()?;
                    let bin = entry.path().join("bin");
                    bin.join("initdb").exists().then_some((version, bin))
                })
                .collect();
            installed.sort();
            installed.pop().map(|(_, bin)| bin)
        }
    };
    found.unwrap_or_else(|| {
        panic!(
            "PostgreSQL server binaries (initdb, pg_ctl, pg_dump) not found in ROSTER_PG_BIN or \
             /usr/lib/postgresql/*/bin. The PostgreSQL tests need Debian's server: \
             `sudo apt-get install -y postgresql` (.ci/run does this), or set ROSTER_PG_BIN to \
             a folder that holds them."
        )
    })
}

/// A command that runs as an unprivileged user when the tests run as root.
fn as_server_user(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "nobody", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

fn run(command: &mut Command, what: &str) {
    let out = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Makes `path` the server user's (as root) and owner-only.
fn hand_over(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    if is_root() {
        run(
            Command::new("chown").arg("-R").arg("nobody").arg(path),
            "chown to nobody",
        );
    }
}

impl Cluster {
    fn start() -> Self {
        let bin = server_binaries();
        // Kept until the watcher removes it after the test process ends.
        let dir = tempfile::Builder::new()
            .prefix("roster-pg-")
            .tempdir()
            .expect("cluster folder")
            .keep();
        // The server user must reach its folder inside.
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let password = format!("pw-{:x}", rand_u64());
        let server = dir.join("server");
        std::fs::create_dir(&server).unwrap();
        std::fs::write(server.join("pwfile"), format!("{password}\n")).unwrap();
        let ca_file = dir.join("ca.pem");
        write_certificates(&server, &ca_file);
        hand_over(&server, 0o700);
        for file in ["pwfile", "server.key", "server.crt"] {
            hand_over(&server.join(file), 0o600);
        }
        let data = server.join("data");
        run(
            as_server_user(&bin.join("initdb"))
                .arg("-D")
                .arg(&data)
                .args(["-U", USER, "-A", "scram-sha-256", "--no-sync", "-E", "UTF8"])
                .arg(format!("--pwfile={}", server.join("pwfile").display())),
            "initdb",
        );
        watch_and_clean_up(&bin, &data, &dir);
        let mut last_failure = String::new();
        for _ in 0..3 {
            let port = free_port();
            let options = format!(
                "-c listen_addresses=127.0.0.1 -c port={port} -c ssl=on \
                 -c ssl_cert_file={0}/server.crt -c ssl_key_file={0}/server.key \
                 -c unix_socket_directories={0} -c fsync=off -c max_connections=200",
                server.display()
            );
            let out = as_server_user(&bin.join("pg_ctl"))
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(server.join("log"))
                .args(["-o", &options, "-w", "start"])
                .stdin(Stdio::null())
                .output()
                .expect("pg_ctl start");
            if out.status.success() {
                return Self {
                    port,
                    password,
                    ca_file,
                    bin,
                };
            }
            last_failure = std::fs::read_to_string(server.join("log")).unwrap_or_default();
        }
        panic!("the test PostgreSQL did not start: {last_failure}");
    }

    /// `postgres://roster:PASSWORD@127.0.0.1:PORT/dbname` plus `query` (e.g. `?sslmode=disable`).
    pub fn url(&self, dbname: &str, query: &str) -> String {
        format!(
            "postgres://{USER}:{}@127.0.0.1:{}/{dbname}{query}",
            self.password, self.port
        )
    }

    /// The same without the password.
    pub fn url_without_password(&self, dbname: &str, query: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{dbname}{query}", self.port)
    }

    /// A plain (unencrypted) client, for the tests' own checks.
    pub fn client(&self, dbname: &str) -> postgres::Client {
        postgres::Config::new()
            .user(USER)
            .password(&self.password)
            .host("127.0.0.1")
            .port(self.port)
            .dbname(dbname)
            .connect(postgres::NoTls)
            .expect("test client")
    }

    /// The folder of the server's binaries (`pg_dump`, `pg_restore`, …).
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// `pg_dump --schema-only` of `dbname`.
    pub fn schema_dump(&self, dbname: &str) -> String {
        let out = Command::new(self.bin.join("pg_dump"))
            .args(["--schema-only", "--no-owner", "--no-privileges"])
            .args(["-h", "127.0.0.1", "-U", USER, "-d", dbname])
            .arg(format!("--port={}", self.port))
            .env("PGPASSWORD", &self.password)
            .stdin(Stdio::null())
            .output()
            .expect("pg_dump");
        assert!(
            out.status.success(),
            "pg_dump: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// A test CA and a `localhost` server certificate it signed (webpki refuses a self-signed
/// certificate used as its own CA), written as `server.crt`/`server.key` and the CA's PEM.
fn write_certificates(server: &Path, ca_file: &Path) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Roster test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).unwrap();
    std::fs::write(server.join("server.crt"), leaf.pem()).unwrap();
    std::fs::write(server.join("server.key"), leaf_key.serialize_pem()).unwrap();
    std::fs::write(ca_file, ca.pem()).unwrap();
}

/// A detached shell that waits for this test process to end, then stops the server and removes
/// its folder (statics are never dropped, and a panic must not leave a server running).
#[allow(
    clippy::zombie_processes,
    reason = "the watcher must outlive this process, so it is never waited for"
)]
fn watch_and_clean_up(bin: &Path, data: &Path, dir: &Path) {
    let run_as = if is_root() {
        "runuser -u nobody -- "
    } else {
        ""
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; \
         {run_as}'{pg_ctl}' -D '{data}' -m immediate -w stop >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        pg_ctl = bin.join("pg_ctl").display(),
        data = data.display(),
        dir = dir.display()
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the cluster's watcher");
}
