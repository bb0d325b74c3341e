//! Access to the API over real HTTP on loopback: the key on every route and every method,
//! `/health` per `health_public`, CORS from the allow-list only, key rotation through the running
//! daemon, and the rolling log file (no key in it).

mod support;

use support::daemon::{self, Daemon};
use support::Env;

/// Status code of a request (2xx included), with the response headers we look at.
fn send(req: ureq::Request) -> (u16, Option<String>, Option<String>) {
    let r = match req.call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    (
        r.status(),
        r.header("access-control-allow-origin").map(str::to_string),
        r.header("www-authenticate").map(str::to_string),
    )
}

fn status_of(req: ureq::Request) -> u16 {
    send(req).0
}

const CHECKSUM: [(&str, &str); 1] = [("ZOPILOT_PIPELINE", "checksum")];

#[test]
fn every_route_needs_the_key_in_one_of_two_forms() {
    let env = Env::new();
    let d = daemon::start_with(&env, &CHECKSUM);
    let routes = [
        ("GET", "/status"),
        ("GET", "/documents"),
        ("GET", "/documents/1"),
        ("GET", "/sources"),
        ("POST", "/pause"),
        ("POST", "/resume"),
        ("POST", "/prompt"),
        ("POST", "/key/rotate"),
    ];
    let wrong = "0".repeat(64);
    for (method, path) in routes {
        let url = format!("{}{path}", d.base);
        let r = || ureq::request(method, &url);
        // No key; a wrong key in both forms; the right key in wrong formats.
        for (what, req) in [
            ("no key", r()),
            (
                "wrong bearer",
                r().set("Authorization", &format!("Bearer {wrong}")),
            ),
            ("wrong x-api-key", r().set("X-API-Key", &wrong)),
            ("no scheme", r().set("Authorization", &d.key)),
            (
                "basic scheme",
                r().set("Authorization", &format!("Basic {}", d.key)),
            ),
            (
                "token in query",
                ureq::request(method, &format!("{url}?api_key={}", d.key)),
            ),
            ("other header", r().set("Api-Key", &d.key)),
        ] {
            let (code, _, challenge) = send(req);
            assert_eq!(code, 401, "{method} {path} with {what}");
            assert_eq!(
                challenge.as_deref(),
                Some("Bearer"),
                "{method} {path} with {what}"
            );
        }
    }
    // The right key, both forms (read-only routes).
    for path in ["/status", "/documents", "/sources"] {
        let url = format!("{}{path}", d.base);
        assert_eq!(status_of(ureq::get(&url).set("X-API-Key", &d.key)), 200);
        assert_eq!(
            status_of(ureq::get(&url).set("Authorization", &format!("bearer {}", d.key))),
            200
        );
    }
    // Public health by default.
    assert_eq!(status_of(ureq::get(&format!("{}/health", d.base))), 200);
}

#[test]
fn health_is_private_when_configured() {
    let env = Env::new();
    let d = daemon::start_with(
        &env,
        &[
            ("ZOPILOT_PIPELINE", "checksum"),
            ("ZOPILOT_HEALTH_PUBLIC", "false"),
        ],
    );
    let url = format!("{}/health", d.base);
    assert_eq!(status_of(ureq::get(&url)), 401);
    assert_eq!(status_of(ureq::get(&url).set("X-API-Key", &d.key)), 200);
}

#[test]
fn cors_answers_listed_origins_and_refuses_others() {
    let env = Env::new();
    let d = daemon::start_with(
        &env,
        &[
            ("ZOPILOT_PIPELINE", "checksum"),
            (
                "ZOPILOT_CORS_ORIGINS",
                "http://localhost:3000,https://app.example.com",
            ),
        ],
    );
    let url = format!("{}/status", d.base);
    let preflight = |origin: &str| {
        ureq::request("OPTIONS", &url)
            .set("Origin", origin)
            .set("Access-Control-Request-Method", "GET")
            .set("Access-Control-Request-Headers", "authorization")
    };
    // Listed: the preflight is answered (no key needed for it) and names the origin.
    let (code, allow, _) = send(preflight("http://localhost:3000"));
    assert!((200..300).contains(&code), "{code}");
    assert_eq!(allow.as_deref(), Some("http://localhost:3000"));
    let (code, allow, _) = send(
        ureq::get(&url)
            .set("Origin", "https://app.example.com")
            .set("X-API-Key", &d.key),
    );
    assert_eq!(
        (code, allow.as_deref()),
        (200, Some("https://app.example.com"))
    );

    // Not listed: refused, preflight or not, key or not, and never an allow-origin header.
    for origin in ["http://evil.example", "http://localhost:3001", "null"] {
        let (code, allow, _) = send(preflight(origin));
        assert_eq!((code, allow), (403, None), "preflight from {origin}");
        let (code, allow, _) = send(
            ureq::get(&url)
                .set("Origin", origin)
                .set("X-API-Key", &d.key),
        );
        assert_eq!((code, allow), (403, None), "GET from {origin}");
        let (code, _, _) = send(
            ureq::post(&format!("{}/pause", d.base))
                .set("Origin", origin)
                .set("X-API-Key", &d.key),
        );
        assert_eq!(code, 403, "POST from {origin}");
    }
    assert_eq!(
        d.get("/status")["paused"],
        false,
        "a refused POST /pause changed nothing"
    );
}

#[test]
fn a_wildcard_origin_is_refused_at_start() {
    let env = Env::new();
    let out = env
        .command(&support::profile("taylors-store.toml"))
        .env("ZOPILOT_CORS_ORIGINS", "*")
        .arg("config")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("wildcards are not allowed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read_key(env: &Env) -> String {
    std::fs::read_to_string(env.path("config/api_key"))
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn rotation_through_the_running_daemon_retires_the_old_key_at_once() {
    let env = Env::new();
    let mut d: Daemon = daemon::start_with(&env, &CHECKSUM);
    let url = format!("{}/status", d.base);
    let old = d.key.clone();

    // The CLI finds the daemon on its port and asks it to rotate.
    let port = d.base.rsplit(':').next().unwrap().to_string();
    let out = env
        .command(&support::profile("taylors-store.toml"))
        .env("ZOPILOT_LISTEN", format!("127.0.0.1:{port}"))
        .args(["key", "rotate"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "the key is printed only with --print"
    );
    let new = read_key(&env);
    assert_ne!(new, old);
    assert_eq!(new.len(), 64);
    assert_eq!(status_of(ureq::get(&url).set("X-API-Key", &old)), 401);
    assert_eq!(status_of(ureq::get(&url).set("X-API-Key", &new)), 200);

    // And through the API itself.
    d.key = new.clone();
    let (code, body) = d.post("/key/rotate", serde_json::json!({}));
    assert_eq!(code, 200, "{body}");
    assert!(body.get("key").is_none(), "the reply never carries the key");
    let newer = read_key(&env);
    assert_ne!(newer, new);
    assert_eq!(status_of(ureq::get(&url).set("X-API-Key", &new)), 401);
    assert_eq!(status_of(ureq::get(&url).set("X-API-Key", &newer)), 200);

    // `key show` prints what the daemon accepts.
    let out = env
        .command(&support::profile("taylors-store.toml"))
        .args(["key", "show"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), newer);
    d.stop();
}

#[test]
fn the_daemon_logs_to_a_daily_file_without_secrets_and_warns_off_loopback() {
    let env = Env::new();
    let d = daemon::start_with(&env, &CHECKSUM);
    let key = d.key.clone();
    // A document goes through, so there is something to log.
    std::fs::create_dir_all(env.drop_folder()).unwrap();
    std::fs::write(
        env.drop_folder().join("receipt.txt"),
        "SECRET-CONTENT total 12.00",
    )
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while d.get("/status")["done"] != 1 {
        assert!(std::time::Instant::now() < deadline, "{}", d.get("/status"));
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    d.stop();

    let out = env
        .command(&support::profile("taylors-store.toml"))
        .arg("logs")
        .output()
        .unwrap();
    let dir = std::path::PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert_eq!(dir, env.path("data/logs"));
    let files = zopilot::logging::log_files(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_str().unwrap().to_string();
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(name, format!("zopilot.{today}.log"));
    let log = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        log.contains("serving") && log.contains("enqueued") && log.contains("processing"),
        "{log}"
    );
    assert!(
        log.contains("stopping"),
        "the shutdown is flushed to the file: {log}"
    );
    assert!(!log.contains(&key), "the API key is never logged");
    assert!(
        !log.contains("SECRET-CONTENT"),
        "document text is not logged at info"
    );
    assert!(!log.contains('\u{1b}'), "no terminal colours in the file");

    // Off loopback (allowed, with an explicit key source): the daemon warns.
    let env = Env::new();
    let port = daemon::free_port();
    let d = daemon::start_with(
        &env,
        &[
            ("ZOPILOT_PIPELINE", "checksum"),
            ("ZOPILOT_LISTEN", &format!("0.0.0.0:{port}")),
            ("ZOPILOT_ALLOW_REMOTE", "true"),
            ("ZOPILOT_API_KEY", &"7".repeat(64)),
        ],
    );
    d.stop();
    let log =
        std::fs::read_to_string(&zopilot::logging::log_files(&env.path("data/logs"))[0]).unwrap();
    assert!(log.contains("beyond this machine"), "{log}");
}

/// Status and parsed JSON body of a request with the key; panics when the body is not JSON.
fn json_of(d: &Daemon, req: ureq::Request, body: Option<&[u8]>) -> (u16, serde_json::Value) {
    let req = req.set("Authorization", &format!("Bearer {}", d.key));
    let r = match body {
        Some(b) => req.set("Content-Type", "application/json").send_bytes(b),
        None => req.call(),
    };
    let r = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let code = r.status();
    let ct = r.header("content-type").unwrap_or("").to_string();
    let text = r.into_string().unwrap();
    assert!(ct.starts_with("application/json"), "{code} {ct}: {text}");
    (code, serde_json::from_str(&text).unwrap())
}

/// POST /prompt announcing a body of `len` bytes: the daemon answers before reading it (as a
/// client such as curl sees it); status and JSON body.
fn announced_body(d: &Daemon, len: usize) -> (u16, serde_json::Value) {
    use std::io::{Read, Write};
    let addr = d.base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST /prompt HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {len}\r\n\r\n{{",
        d.key
    )
    .unwrap();
    // The body goes out from another thread (the daemon may answer and close before it ends).
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = vec![b' '; 64 * 1024];
        for _ in 0..len / chunk.len() {
            if w.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    // Read until the headers and the whole (small) JSON body have arrived.
    loop {
        let n = s.read(&mut chunk).unwrap_or(0);
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(i) = text.find("\r\n\r\n") {
            if text[i..].contains('}') {
                break;
            }
        }
    }
    let _ = writer.join();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let code: u16 = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    let head = &text[..text.find("\r\n\r\n").unwrap()].to_ascii_lowercase();
    assert!(head.contains("content-type: application/json"), "{text}");
    let body = &text[text.find("\r\n\r\n").unwrap() + 4..];
    (code, serde_json::from_str(body.trim()).unwrap())
}

#[test]
fn errors_come_in_one_json_shape_with_the_right_status() {
    let env = Env::new();
    let d = daemon::start_with(&env, &CHECKSUM);
    let url = |p: &str| format!("{}{p}", d.base);
    let cases: Vec<(&str, u16, (u16, serde_json::Value))> = vec![
        ("10 MB body", 413, announced_body(&d, 10 * 1024 * 1024)),
        (
            "malformed JSON",
            400,
            json_of(&d, ureq::post(&url("/prompt")), Some(b"{nope")),
        ),
        (
            "bad query value",
            400,
            json_of(&d, ureq::get(&url("/documents?limit=abc")), None),
        ),
        (
            "bad path id",
            400,
            json_of(&d, ureq::get(&url("/documents/abc")), None),
        ),
        (
            "unknown route",
            404,
            json_of(&d, ureq::get(&url("/no/such/route")), None),
        ),
        (
            "wrong method",
            405,
            json_of(&d, ureq::delete(&url("/status")), None),
        ),
        (
            "no such document",
            404,
            json_of(&d, ureq::get(&url("/documents/999999")), None),
        ),
    ];
    for (what, want, (code, body)) in cases {
        assert_eq!(code, want, "{what}: {body}");
        assert_eq!(body["success"], false, "{what}: {body}");
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{what}: {body}"
        );
    }
    // The public /health names no paths.
    let h: serde_json::Value = ureq::get(&url("/health"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(h["status"], "ok");
    assert!(!h.to_string().contains('/'), "{h}");
}
