//! Real headless Chromium over WebDriver (Debian `chromium` + `chromium-driver`): chromedriver on
//! loopback, one fresh browser profile per test, and a screenshot of every step under
//! `target/browser-screenshots/<test>/`.

mod add_user;
mod cross_site;
mod forgot_password;
pub(crate) mod import_flow;
mod keyboard;
mod mail_gate;
mod mail_settings;
mod phone;
mod set_password_links;

use std::future::Future;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::eventually::eventually_async;

/// One browser at a time: two Chromiums on a 2-core CI machine only slow each other down.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
/// How long a page may take to show what a step waits for.
const PATIENCE: Duration = Duration::from_secs(30);

/// Runs an async browser test on its own runtime (the server under test has its own thread),
/// one browser test at a time.
pub fn run<F: Future>(test: F) -> F::Output {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(test)
}

/// `var` if set, else Debian's path; a clear failure when the package is missing.
fn program(var: &str, debian_path: &str) -> PathBuf {
    let path = std::env::var_os(var).map_or_else(|| PathBuf::from(debian_path), PathBuf::from);
    assert!(
        path.exists(),
        "{} not found. The browser tests need Debian's Chromium and ChromeDriver: \
         `sudo apt-get install -y chromium chromium-driver` (.ci/run does this), \
         or set {var} to another build.",
        path.display()
    );
    path
}

/// The port chromedriver announces once it listens (started with `--port=0`, it picks a free one
/// itself), or what it said before it exited without listening. Keeps draining its output
/// afterwards, so it never blocks on a full pipe.
fn announced_port(stdout: ChildStdout) -> Result<u16, Vec<String>> {
    const STARTED: &str = "ChromeDriver was started successfully on port ";
    let mut lines = std::io::BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let port = loop {
        let Some(Ok(line)) = lines.next() else {
            return Err(seen);
        };
        if let Some(rest) = line.split(STARTED).nth(1) {
            break rest
                .trim_end_matches('.')
                .parse()
                .expect("chromedriver's port");
        }
        seen.push(line);
    };
    std::thread::spawn(move || lines.for_each(drop));
    Ok(port)
}

/// Starts chromedriver and waits until it listens. Its own choice of a free port can lose a race
/// with another process ("IPv4 port not available", seen on a busy machine), so that is retried.
fn start_driver(chromedriver: &Path) -> (Driver, u16) {
    let mut said = Vec::new();
    for _attempt in 0..3 {
        let mut command = Command::new(chromedriver);
        command
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut driver = Driver(command.spawn().expect("start chromedriver"));
        match announced_port(driver.0.stdout.take().expect("chromedriver's stdout")) {
            Ok(port) => return (driver, port),
            Err(lines) => said.push(lines),
        }
    }
    panic!("chromedriver exited three times before it listened; it said: {said:?}");
}

/// chromedriver in its own process group, so the browsers it starts go down with it.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.wait();
    }
}

/// A Chromium session on a fresh profile.
pub struct Browser {
    pub client: Client,
    /// Where downloads land.
    pub downloads: PathBuf,
    shots: PathBuf,
    step: u32,
    _profile: tempfile::TempDir,
    _driver: Driver,
}

impl Browser {
    /// Starts chromedriver and headless Chromium; `test` names the screenshot folder.
    pub async fn start(test: &str) -> Browser {
        // fantoccini's rustls connector needs a process-wide crypto provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let chromium = program("ROSTER_CHROMIUM", "/usr/bin/chromium");
        let chromedriver = program("ROSTER_CHROMEDRIVER", "/usr/bin/chromedriver");
        let (driver, port) = start_driver(&chromedriver);
        let profile = tempfile::tempdir().expect("profile dir");
        let downloads = profile.path().join("downloads");
        std::fs::create_dir_all(&downloads).expect("downloads dir");
        let client = connect(port, &chromium, profile.path(), &downloads).await;
        let shots = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/browser-screenshots")
            .join(test);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).expect("screenshot dir");
        Browser {
            client,
            downloads,
            shots,
            step: 0,
            _profile: profile,
            _driver: driver,
        }
    }

    /// Saves a screenshot named after the step, numbered in order.
    pub async fn shot(&mut self, label: &str) {
        self.step += 1;
        let png = self.client.screenshot().await.expect("screenshot");
        let path = self.shots.join(format!("{:02}-{label}.png", self.step));
        std::fs::write(&path, png).expect("write screenshot");
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    /// Waits for the element `css` to exist.
    pub async fn find(&self, css: &str) -> Element {
        let found = self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(element) => element,
            Err(e) => panic!("{css} never appeared on {}: {e}", self.url().await),
        }
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("element text")
    }

    /// Clears the field `css` and types `value` into it.
    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear field");
        field.send_keys(value).await.expect("type into field");
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("click");
    }

    /// Clicks `css` and waits until the next page has loaded, so no step reads the old one.
    pub async fn click_to_navigate(&self, css: &str) {
        self.mark_page().await;
        self.click(css).await;
        self.wait_for_new_page().await;
    }

    /// Presses `key` and waits until the page it leads to has loaded.
    pub async fn press_to_navigate(&self, key: Key) {
        self.mark_page().await;
        self.press(key).await;
        self.wait_for_new_page().await;
    }

    async fn mark_page(&self) {
        self.script("window.rosterOldPage = true; return null;", vec![])
            .await;
    }

    async fn wait_for_new_page(&self) {
        const LOADED: &str =
            "return window.rosterOldPage === undefined && document.readyState === 'complete';";
        self.wait_until("the next page", || async {
            // While the old page unloads a script may fail; that only means "not yet".
            let loaded = self.client.execute(LOADED, vec![]).await;
            matches!(loaded, Ok(Value::Bool(true)))
        })
        .await;
    }

    /// The current path and query, e.g. `/users/import`.
    pub async fn url(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Presses and releases `key` on whatever has the focus, as a keyboard would.
    pub async fn press(&self, key: Key) {
        let value: char = key.into();
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value })
            .then(KeyAction::Up { value });
        self.client.perform_actions(keys).await.expect("key press");
    }

    /// Types `text` on the keyboard into whatever has the focus.
    pub async fn type_text(&self, text: &str) {
        let mut keys = KeyActions::new("keyboard".into());
        for value in text.chars() {
            keys = keys
                .then(KeyAction::Down { value })
                .then(KeyAction::Up { value });
        }
        self.client.perform_actions(keys).await.expect("typing");
    }

    /// Runs `script` in the page with `args`, returning its value.
    pub async fn script(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.expect("script ran")
    }

    /// Polls `ready` until it holds; panics with `what` after `PATIENCE`.
    pub async fn wait_until<F, Fut>(&self, what: &str, mut ready: F)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = bool>,
    {
        eventually_async(what, PATIENCE, || {
            let ready = ready();
            async move { ready.await.then_some(()) }
        })
        .await
    }

    /// Logs in on the login page at `login_url`.
    pub async fn log_in(&self, login_url: &str, username: &str, password: &str) {
        self.goto(login_url).await;
        self.fill("#username", username).await;
        self.fill("#password", password).await;
        self.click_to_navigate("form[action='/login'] button[type=submit]")
            .await;
    }

    /// Ends the WebDriver session cleanly.
    pub async fn finish(self) {
        let Browser { client, .. } = self;
        client.close().await.expect("close the browser");
    }
}

async fn connect(port: u16, chromium: &Path, profile: &Path, downloads: &Path) -> Client {
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,900",
    ];
    let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": args,
            "prefs": {
                "download.default_directory": downloads,
                "download.prompt_for_download": false,
                "safebrowsing.enabled": false,
            },
        },
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!("a JSON object literal")
    };
    let webdriver = format!("http://127.0.0.1:{port}");
    let mut builder = ClientBuilder::rustls().expect("rustls connector");
    builder.capabilities(capabilities);
    match builder.connect(&webdriver).await {
        Ok(client) => client,
        Err(e) => panic!("could not start Chromium through chromedriver: {e}"),
    }
}
