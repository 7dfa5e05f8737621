//! Shared helpers of the CLI integration tests: run the `zkmeter` binary, assert that it never
//! panicked or died by a signal, and check exit codes and `error:` lines.

#![allow(dead_code)] // each test crate uses its own subset

pub mod report;

use std::ffi::OsStr;
use std::process::Command;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_zkmeter");

/// One finished run of the binary.
pub struct Run {
    /// The arguments, for messages.
    pub args: String,
    /// Exit code (-1 if none).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`zkmeter {}` exited {}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.args, self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `zkmeter ARGS`; asserts it exited normally (no signal) and never panicked.
pub fn zkmeter<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let shown = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let out = Command::new(BIN)
        .args(&args)
        .output()
        .unwrap_or_else(|e| panic!("cannot start {BIN}: {e}"));
    let run = Run {
        args: shown,
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        out.status.code().is_some(),
        "killed by a signal ({:?}): {run}",
        out.status
    );
    assert!(
        !run.stderr.contains("panicked") && !run.stdout.contains("panicked"),
        "the binary panicked: {run}"
    );
    run
}

/// Asserts success (exit 0).
#[track_caller]
pub fn assert_ok(run: &Run) {
    assert_eq!(run.code, 0, "expected success: {run}");
}

/// Asserts a failure with `code` whose `error:` line on stderr contains `reason`.
#[track_caller]
pub fn assert_fails(run: &Run, code: i32, reason: &str) {
    assert_eq!(
        run.code, code,
        "expected exit {code} with '{reason}': {run}"
    );
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with("error:") && l.contains(reason)),
        "expected an 'error:' line containing '{reason}': {run}"
    );
}

/// Best effort: removes directories under the test temp dir whose name starts with `prefix`
/// and that are over an hour old. Shared fixtures live in statics, which are never dropped;
/// a concurrent run keeps its own (younger) ones.
pub fn remove_stale_dirs(prefix: &str) {
    let Ok(entries) = std::fs::read_dir(env!("CARGO_TARGET_TMPDIR")) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_secs(3600));
        if stale && entry.file_name().to_string_lossy().starts_with(prefix) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
