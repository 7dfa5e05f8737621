//! Fault injection for crash tests: the job aborts itself, or pauses to be killed, at a named
//! point, as `ZKMETER_FAULT=POINT:N` says; or it waits at a point for a test to change its
//! input files (`wait-before-prepare:N`).
//!
//! Only a build with the `fault-injection` feature has it (the crash tests enable it through
//! the workspace's dev-dependencies); in any other build [`Faults`] is empty, the variable is
//! never read, and the job runs to the end whatever it says.

/// A named point of the job where a fault can be injected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Point {
    /// A chunk's files were walked (listed), none opened yet.
    BeforePrepare,
    /// Right before a chunk's transaction starts (chunk verified, not recorded).
    BeforeCommit,
    /// Inside a chunk's transaction, after its writes, before `COMMIT`.
    MidCommit,
    /// Right after a chunk's transaction committed.
    AfterCommit,
    /// After the report's temporary file is complete, before it is renamed into place.
    BeforeReportRename,
    /// After the report and the summary are in place, before the run is marked finished.
    BeforeRunFinished,
}

/// The faults one run injects (none unless built with `fault-injection` and asked for).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    #[cfg(feature = "fault-injection")]
    fault: Option<Fault>,
}

impl Faults {
    /// No fault.
    pub fn none() -> Self {
        Faults::default()
    }

    /// The fault `ZKMETER_FAULT` names, if this build injects faults; unset or unparsable
    /// gives none.
    pub fn from_env() -> Self {
        #[cfg(feature = "fault-injection")]
        {
            Faults {
                fault: std::env::var(Fault::ENV)
                    .ok()
                    .and_then(|t| Fault::parse(&t)),
            }
        }
        #[cfg(not(feature = "fault-injection"))]
        Faults::default()
    }

    /// Injects the fault planned for `point` of chunk `chunk` (1-based), if any: dies like
    /// `kill -9` would leave things (no destructors, no flushing), or, for
    /// `pause-after-commit`, says so on stderr and sleeps a minute to be killed; for
    /// `wait-before-prepare`, says so on stderr and waits for a line on stdin.
    #[cfg_attr(not(feature = "fault-injection"), inline(always))]
    pub(super) fn at(&self, point: Point, chunk: u64) {
        #[cfg(feature = "fault-injection")]
        if let Some(fault) = self.fault {
            fault.inject(point, chunk);
        }
        #[cfg(not(feature = "fault-injection"))]
        let _ = (point, chunk);
    }
}

/// A named point where the job aborts itself, for crash tests: `ZKMETER_FAULT=POINT:N`.
#[cfg(feature = "fault-injection")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Abort right before the N-th chunk's transaction starts (chunk verified, not recorded).
    BeforeCommit(u64),
    /// Abort inside the N-th chunk's transaction, after its writes, before `COMMIT`.
    MidCommit(u64),
    /// Abort right after the N-th chunk's transaction committed.
    AfterCommit(u64),
    /// Abort after the report's temporary file is complete, before it is renamed into place.
    BeforeReportRename,
    /// Abort after the report and summary are in place, before the run is marked finished.
    BeforeRunFinished,
    /// Right after the N-th chunk's transaction committed, say so on stderr and sleep for a
    /// minute: a test then kills the process with a real SIGKILL at a known point.
    PauseAfterCommit(u64),
    /// After the N-th chunk's files were walked and before any of them is opened, say so on
    /// stderr and wait for a line (or the end) on stdin: a test changes the input files there
    /// (swaps a listed file for a FIFO or a link, removes a directory not yet walked), then
    /// lets the job go on, deterministically.
    WaitBeforePrepare(u64),
}

#[cfg(feature = "fault-injection")]
impl Fault {
    /// The environment variable read by [`Faults::from_env`].
    pub const ENV: &'static str = "ZKMETER_FAULT";

    /// Parses `before-commit:N`, `mid-commit:N`, `after-commit:N`, `pause-after-commit:N`,
    /// `wait-before-prepare:N`, `before-report-rename` or `before-run-finished`.
    pub fn parse(text: &str) -> Option<Fault> {
        let (point, n) = text.split_once(':').unwrap_or((text, "1"));
        let n: u64 = n.parse().ok().filter(|&n| n >= 1)?;
        match point {
            "before-commit" => Some(Fault::BeforeCommit(n)),
            "mid-commit" => Some(Fault::MidCommit(n)),
            "after-commit" => Some(Fault::AfterCommit(n)),
            "pause-after-commit" => Some(Fault::PauseAfterCommit(n)),
            "wait-before-prepare" => Some(Fault::WaitBeforePrepare(n)),
            "before-report-rename" => Some(Fault::BeforeReportRename),
            "before-run-finished" => Some(Fault::BeforeRunFinished),
            _ => None,
        }
    }

    fn inject(self, point: Point, chunk: u64) {
        let die = |name: &str| -> ! {
            eprintln!("fault injection: aborting at {name}");
            std::process::abort()
        };
        match (self, point) {
            (Fault::BeforeCommit(n), Point::BeforeCommit) if n == chunk => die("before-commit"),
            (Fault::MidCommit(n), Point::MidCommit) if n == chunk => die("mid-commit"),
            (Fault::AfterCommit(n), Point::AfterCommit) if n == chunk => die("after-commit"),
            (Fault::BeforeReportRename, Point::BeforeReportRename) => die("before-report-rename"),
            (Fault::BeforeRunFinished, Point::BeforeRunFinished) => die("before-run-finished"),
            (Fault::PauseAfterCommit(n), Point::AfterCommit) if n == chunk => {
                eprintln!("fault injection: paused after commit {chunk}");
                std::thread::sleep(std::time::Duration::from_secs(60));
            }
            (Fault::WaitBeforePrepare(n), Point::BeforePrepare) if n == chunk => {
                eprintln!("fault injection: waiting before prepare {chunk}");
                let _ = std::io::stdin().read_line(&mut String::new());
            }
            _ => {}
        }
    }
}

#[cfg(all(test, feature = "fault-injection"))]
mod tests {
    use super::*;

    #[test]
    fn fault_points_parse() {
        assert_eq!(Fault::parse("after-commit:3"), Some(Fault::AfterCommit(3)));
        assert_eq!(Fault::parse("mid-commit"), Some(Fault::MidCommit(1)));
        assert_eq!(
            Fault::parse("wait-before-prepare:2"),
            Some(Fault::WaitBeforePrepare(2))
        );
        assert_eq!(
            Fault::parse("before-report-rename"),
            Some(Fault::BeforeReportRename)
        );
        assert_eq!(
            Fault::parse("before-run-finished"),
            Some(Fault::BeforeRunFinished)
        );
        assert_eq!(Fault::parse("after-commit:0"), None);
        assert_eq!(Fault::parse("somewhere:1"), None);
    }
}
