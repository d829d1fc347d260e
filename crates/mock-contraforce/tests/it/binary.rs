//! The `mock-contraforce` binary starts from its environment, logs its URLs and
//! answers.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test]
async fn binary_starts_logs_its_url_and_answers() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mock-contraforce"))
        .env("PORT", "0")
        .env("BIND", "127.0.0.1")
        .env(
            "MOCK_CF_WORKSPACE_ID",
            "22222222-2222-4222-8222-222222222222",
        )
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");

    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut base = None;
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) {
        if let Some((_, url)) = line.split_once("listening on ") {
            base = Some(url.trim().to_owned());
            break;
        }
    }
    let base = base.expect("the binary logs its URL");

    let state: serde_json::Value = reqwest::get(format!("{base}/_admin/state"))
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(state["workspaceId"], "22222222-2222-4222-8222-222222222222");
}
