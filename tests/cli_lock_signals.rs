//! Issue 18: an interrupted `lock` leaves no temporary file behind (they are
//! megabytes, and `git add -A` would commit them). The real binary is held
//! inside its write by `ABSTRAKT_LSP_DEBUG_WRITE_PAUSE_MS` and sent SIGTERM.
#![cfg(unix)]

mod cli_support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cli_support::Tree;

fn temporary_files(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with(".abstrakt-tmp-"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn sigterm_during_a_lock_write_removes_the_temporary_file() {
    let tree = Tree::new(&[("app.ts", b"abstrakt.run('flux-dev');\n")]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_abstrakt-lsp"))
        .args(["lock", "."])
        .current_dir(tree.path())
        .env("ABSTRAKT_LSP_DEBUG_WRITE_PAUSE_MS", "60000")
        .env("ABSTRAKT_OFFLINE", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn abstrakt-lsp lock");
    // Wait until the write is under way: its temporary file exists.
    let deadline = Instant::now() + Duration::from_secs(30);
    while temporary_files(tree.path()).is_empty() {
        assert!(Instant::now() < deadline, "no temporary file appeared");
        assert!(
            child.try_wait().expect("wait").is_none(),
            "lock ended early"
        );
        // A poll interval for a file to appear, not a timing assumption.
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = i32::try_from(child.id()).expect("pid");
    // SAFETY: sends a signal to the child process this test spawned.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = child.wait().expect("wait");
    // 128 + SIGTERM, as a shell reports a process ended by it.
    assert_eq!(status.code(), Some(143));
    assert_eq!(temporary_files(tree.path()), Vec::<String>::new());
    assert!(!tree.path().join("abstrakt.lock").exists());
}
