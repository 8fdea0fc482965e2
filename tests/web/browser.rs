//! A headless Chromium for one test, driven through WebDriver: its own `chromedriver` on a free
//! port, its own throwaway profile, a phone-size or a desktop-size window, screenshots of each key
//! step under `target/test-artifacts/screenshots/<test>/`, and waits with a deadline instead of
//! sleeps. It knows the page ids of the web plan (`/tmp/plan/web.md`, kept in the tests), never the
//! host's internals.
//!
//! Debian's packages are expected: `chromium` (`/usr/bin/chromium`) and `chromium-driver`
//! (`/usr/bin/chromedriver`); `cargo xtask test` and `.ci/run` install them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::helpers::TestApp;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long a page, an element or the driver may take on a busy two-core CI machine.
const DEADLINE: Duration = Duration::from_secs(30);
/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(50);

/// The window a test browses in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// A phone held upright (390×844 CSS pixels, touch, the page's viewport meta tag honoured).
    Phone,
    /// A laptop screen.
    Desktop,
}

impl Window {
    pub fn name(self) -> &'static str {
        match self {
            Window::Phone => "phone",
            Window::Desktop => "desktop",
        }
    }

    /// Chromium's options for this window.
    fn chrome_options(self, profile: &Path) -> Value {
        let mut args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-dev-shm-usage".into(),
            "--lang=zh-CN".into(),
            format!("--user-data-dir={}", profile.display()),
        ];
        let mut options = json!({ "binary": CHROMIUM });
        match self {
            Window::Phone => {
                args.push("--window-size=390,844".into());
                options["mobileEmulation"] = json!({
                    "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 1.0, "mobile": true, "touch": true }
                });
            }
            Window::Desktop => args.push("--window-size=1280,900".into()),
        }
        options["args"] = json!(args);
        options["prefs"] = json!({ "intl.accept_languages": "zh-CN,zh" });
        options
    }
}

/// A browser session on one test app, with the chromedriver that runs it.
pub struct Browser {
    pub client: Client,
    /// `http://127.0.0.1:<port>` of the app under test.
    base: String,
    shots: Screenshots,
    pub window: Window,
    /// Dropped after the client: stops chromedriver and the browser it started.
    _driver: Driver,
}

impl Browser {
    /// A fresh browser (no cookies) for `app`; screenshots go to `screenshots/<test>-<window>/`.
    pub async fn open(app: &TestApp, test: &str, window: Window) -> Browser {
        let driver = Driver::start().await;
        let profile = tempfile::Builder::new()
            .prefix("yiwang-web-profile-")
            .tempdir()
            .expect("creating the browser profile");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            window.chrome_options(profile.path()),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url())
            .await
            .unwrap_or_else(|e| panic!("starting Chromium through chromedriver: {e}"));
        Browser {
            client,
            base: app.address.clone(),
            shots: Screenshots::new(&format!("{test}-{}", window.name())),
            window,
            _driver: driver.with_profile(profile),
        }
    }

    /// Ends the session (closing Chromium); the driver stops when the browser is dropped.
    pub async fn close(self) {
        self.client.close().await.expect("closing the browser");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Opens `path` of the app and waits for it to load.
    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&self.url(path))
            .await
            .unwrap_or_else(|e| panic!("opening {path}: {e}"));
    }

    /// The path (and query) of the page shown now.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("the current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// The element `css` matches, waiting for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(DEADLINE)
            .every(POLL)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => {
                let path = self.path().await;
                panic!("no `{css}` on {path} within {DEADLINE:?}: {e}")
            }
        }
    }

    /// Every element `css` matches on the page as it is (which has finished loading).
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("looking for `{css}`: {e}"))
    }

    /// Whether the loaded page has an element `css` matches.
    pub async fn has(&self, css: &str) -> bool {
        !self.find_all(css).await.is_empty()
    }

    /// The rendered text of `css`, trimmed.
    pub async fn text(&self, css: &str) -> String {
        self.find(css)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("reading the text of `{css}`: {e}"))
            .trim()
            .to_string()
    }

    /// An attribute of `css`.
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.find(css)
            .await
            .attr(name)
            .await
            .unwrap_or_else(|e| panic!("reading {name} of `{css}`: {e}"))
    }

    /// Types `text` into the field `css`, replacing what it held.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field
            .clear()
            .await
            .unwrap_or_else(|e| panic!("clearing `{css}`: {e}"));
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("typing into `{css}`: {e}"));
    }

    /// Ticks or unticks the checkbox `css`.
    pub async fn set_checked(&self, css: &str, checked: bool) {
        let checkbox = self.find(css).await;
        let now = checkbox
            .is_selected()
            .await
            .unwrap_or_else(|e| panic!("reading `{css}`: {e}"));
        if now != checked {
            checkbox
                .click()
                .await
                .unwrap_or_else(|e| panic!("clicking `{css}`: {e}"));
        }
    }

    /// Clicks `css`, which leaves the page (a link, a form's submit button), and waits until the
    /// next page has replaced this one and finished loading.
    pub async fn click_and_wait(&self, css: &str) {
        let target = self.find(css).await;
        self.mark_page().await;
        target
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking `{css}`: {e}"));
        self.wait_for_next_page(&format!("the page after clicking `{css}`"))
            .await;
    }

    /// Presses `key` on the keyboard, as a person would: it goes to whatever has the focus.
    pub async fn press(&self, key: Key) {
        let keyboard = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key.into() })
            .then(KeyAction::Up { value: key.into() });
        self.client
            .perform_actions(keyboard)
            .await
            .unwrap_or_else(|e| panic!("pressing {key:?}: {e}"));
    }

    /// Presses `key`, which leaves the page (Enter on a form's button), and waits until the next
    /// page has replaced this one and finished loading.
    pub async fn press_and_wait(&self, key: Key) {
        self.mark_page().await;
        self.press(key).await;
        self.wait_for_next_page(&format!("the page after pressing {key:?}"))
            .await;
    }

    /// What has the keyboard focus now: its `id`, or else its tag and classes (`A.skip-link`).
    pub async fn focused(&self) -> String {
        let found = self
            .client
            .execute(
                "const e = document.activeElement; \
                 return e.id || (e.tagName + (e.className ? '.' + e.className : ''));",
                vec![],
            )
            .await
            .expect("reading the focused element");
        found.as_str().unwrap_or_default().to_string()
    }

    /// A mark on this page's window object: the next page starts without it.
    async fn mark_page(&self) {
        self.client
            .execute("window.yiwangPageBeforeClick = true", vec![])
            .await
            .expect("marking the page");
    }

    /// Waits until a page without [`Browser::mark_page`]'s mark has finished loading.
    async fn wait_for_next_page(&self, what: &str) {
        self.wait_until(what, async |browser| {
            browser
                .client
                .execute(
                    "return window.yiwangPageBeforeClick === undefined \
                     && document.readyState === 'complete'",
                    vec![],
                )
                .await
                .map(|next| next == true)
        })
        .await;
    }

    /// Polls `ready` until it says yes, or fails the test after the deadline, naming `what`.
    pub async fn wait_until(
        &self,
        what: &str,
        ready: impl AsyncFn(&Browser) -> Result<bool, CmdError>,
    ) {
        let deadline = Instant::now() + DEADLINE;
        loop {
            match ready(self).await {
                Ok(true) => return,
                Ok(false) | Err(_) if Instant::now() < deadline => tokio::time::sleep(POLL).await,
                Ok(false) => panic!("waited {DEADLINE:?} for {what}"),
                Err(e) => panic!("waiting for {what}: {e}"),
            }
        }
    }

    /// Saves what the window shows now as `<nn>-<step>.png`.
    pub async fn screenshot(&mut self, step: &str) {
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("taking the screenshot {step}: {e}"));
        self.shots.save(step, &png);
    }

    /// Logs in on `/login` as `login` and waits for the page `next` leads to.
    pub async fn log_in(&mut self, login: &str, password: &str, next: &str) {
        self.goto(&format!("/login?next={}", encode_query(next)))
            .await;
        self.fill("#login", login).await;
        self.fill("#password", password).await;
        self.screenshot(&format!("login-{login}")).await;
        self.click_and_wait("#login-submit").await;
        assert_eq!(
            self.path().await,
            next,
            "logging in as {login} leads on to {next}"
        );
    }
}

/// `text` as a URL query value.
fn encode_query(text: &str) -> String {
    let mut url = reqwest::Url::parse("http://localhost/").expect("a URL");
    url.query_pairs_mut().append_pair("q", text);
    url.query().expect("a query")[2..].to_string()
}

/// The screenshots of one test, numbered in the order they were taken.
struct Screenshots {
    dir: PathBuf,
    taken: u32,
}

impl Screenshots {
    /// An empty folder for this test's screenshots (a previous run's are removed).
    fn new(test: &str) -> Screenshots {
        let dir = artifacts_dir().join("screenshots").join(test);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("creating the screenshots folder");
        Screenshots { dir, taken: 0 }
    }

    fn save(&mut self, step: &str, png: &[u8]) {
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n"),
            "a screenshot is a PNG"
        );
        self.taken += 1;
        let path = self.dir.join(format!("{:02}-{step}.png", self.taken));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }
}

/// `target/test-artifacts` of the workspace.
pub fn artifacts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the host crate is in the workspace")
        .join("target/test-artifacts")
}

/// A `chromedriver` process of this test, listening on a free loopback port.
struct Driver {
    child: Child,
    port: u16,
    /// The browser's profile, removed once the browser is gone.
    profile: Option<TempDir>,
}

impl Driver {
    /// Starts chromedriver and waits until it answers.
    async fn start() -> Driver {
        assert!(
            Path::new(CHROMEDRIVER).is_file() && Path::new(CHROMIUM).is_file(),
            "the browser tests need {CHROMIUM} and {CHROMEDRIVER}: \
             apt-get install chromium chromium-driver (cargo xtask test does it as root)"
        );
        let port = free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {CHROMEDRIVER}: {e}"));
        let mut driver = Driver {
            child,
            port,
            profile: None,
        };
        driver.wait_until_ready().await;
        driver
    }

    fn with_profile(mut self, profile: TempDir) -> Driver {
        self.profile = Some(profile);
        self
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Polls `GET /status` until chromedriver says it is ready.
    async fn wait_until_ready(&mut self) {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("checking on chromedriver") {
                panic!("chromedriver exited at start ({status})");
            }
            if self
                .request("GET", "/status")
                .is_some_and(|body| body.contains("\"ready\":true"))
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver on port {} was not ready within {DEADLINE:?}",
                self.port
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// A plain blocking HTTP request to the driver, on a connection of its own; the body, if it
    /// answered.
    fn request(&self, method: &str, path: &str) -> Option<String> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(1)).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .ok()?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        // chromedriver keeps the connection open: read the headers, then Content-Length bytes.
        let mut reader = BufReader::new(stream);
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).ok()?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().ok()?;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        String::from_utf8(body).ok()
    }
}

impl Drop for Driver {
    /// Asks chromedriver to quit (it then ends the browsers it started, also those of a test that
    /// failed before closing its session), and kills it if it does not.
    fn drop(&mut self) {
        let _ = self.request("GET", "/shutdown");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(POLL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("finding a free port")
        .port()
}
