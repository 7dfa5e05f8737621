//! The utility's batch job: every submission under a directory, verified in batches, each
//! accepted bill recorded once in the [`Ledger`], one report row per file.
//!
//! # Order of work, per chunk of `chunk` files (in byte order of their relative paths)
//!
//! 0. **Walk** ([`Walk`]): the chunk's files in byte order of their relative paths; a link,
//!    a special file, a directory that cannot be read or one deeper than [`MAX_DEPTH`] is an
//!    item of its own, rejected without being opened. Nothing under the input directory ends
//!    the job.
//! 1. **Cheap checks, in parallel** (rayon, `prepare`): the file opened only if it is still a
//!    regular file, never waiting on a FIFO; size cap before reading (64 KiB), SHA-256 of the
//!    bytes, envelope decoding, the registry (unknown or revoked meter, its rate plan), the
//!    tariff of the meter's plan for the submission's period ([`Tariffs`]; a tariff of another
//!    plan is a plan mismatch), then [`check_submission`](crate::check_submission), the same
//!    checks single verification makes (exact proof length, frame, tariff id and digest, the
//!    meter's signature, the instance column). A file that fails any of them never reaches the
//!    proof verifier, so a hostile file costs no more than an honest one of its size.
//! 2. **Settle, sequentially in file order** (`settle`): each file that passed is decided
//!    against the run's claims and the ledger by its meter and period (the interval
//!    `[start, end)` its frame covers), before any proof is verified: an overlap with a period
//!    claimed earlier in the run is a `duplicate`; an overlap with a recorded bill is
//!    `already-recorded` (these very bytes, recorded by an earlier run), `accepted` (these
//!    bytes, recorded by this run before it was killed) or a `duplicate` (other bytes);
//!    otherwise the file claims its period for the rest of the run, now. Only these claimants
//!    go on, so a run verifies at most one proof per (meter, period), whatever the copies.
//! 3. **Proofs** (`verify`): per verifying key (one per size and tariff: the tariff's prices
//!    are fixed columns of the circuit) one combined check
//!    ([`BatchValidator`](zkmeter_circuit::BatchValidator)) over the chunk's claimants; bad
//!    proofs found by bisection ([`crate::batch`]). A tariff's key is built from the utility's
//!    own tariff the first time a chunk needs it (a chunk's new keys in parallel) and kept for
//!    the run.
//! 4. **Commit** (`commit`), **in file order, in one transaction per chunk**: a claimant whose
//!    proof verified is recorded (`accepted`, with this run's number), one whose proof failed
//!    is `rejected` and keeps its claim for the run (the ledger stays free for a later run).
//!
//! The run: [`Ledger::begin_run`] continues the ledger's unfinished run or starts the next; the
//! run is marked finished only after the report and summary are in place. Because each run
//! processes every file in the same order and settles in that order, the first file by name
//! wins, whatever the parallelism, and a run killed at any point and started again ends with
//! the same ledger and the same report as an uninterrupted run: committed chunks are found in
//! the ledger as this run's (and reported `accepted` again), uncommitted ones are redone, and
//! the claims are rebuilt in the same order. Bills of earlier, finished runs are
//! `already-recorded` and not counted, so the summaries of successive runs add up. The report
//! is streamed to a temporary file and renamed into place at the very end.
//!
//! Crash tests inject faults at named points of this order ([`Faults`]; only in a build with
//! the `fault-injection` feature). Per-stage times and the proofs verified: [`StageTimes`].
//!
//! Memory: one chunk of submissions, the registry, the tariffs, the directory stack of the walk
//! (the entries of the directories on the current path, [`MAX_DEPTH`] + 1 at most) and the run's claims (a SQLite
//! temporary table, on disk). It does not grow with the number of files.

mod commit;
mod fault;
mod prepare;
mod settle;
mod stages;
mod tariffs;
mod verify;
mod walk;

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use thiserror::Error;
use zkmeter_fs::AtomicFile;
use zkmeter_protocol::CircuitSize;

#[cfg(feature = "fault-injection")]
pub use fault::Fault;
pub use fault::Faults;
pub use stages::StageTimes;
pub use tariffs::{Tariffs, TariffsError};
pub use verify::LoadParams;
pub use walk::{Found, InputFile, Walk, MAX_DEPTH};

use crate::check::add_elapsed;
use crate::ledger::{Ledger, LedgerError};
use crate::registry::{Registry, RegistryError};
use crate::report::Summary;
use commit::commit_chunk;
use fault::Point;
use prepare::{prepare, Prepared};
use settle::settle_chunk;
use verify::Verifiers;

/// Default number of files per chunk (one combined check and one transaction each).
pub const DEFAULT_CHUNK: usize = 2048;

/// Why the job could not run (as opposed to a file being rejected, which is a result).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum JobError {
    /// The registry cannot be read or is invalid.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The ledger is locked, corrupt or cannot be written.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A tariff file of the utility is invalid, a plan mixes kinds of frames, or two tariffs
    /// of one plan overlap.
    #[error("tariffs: {0}")]
    Tariffs(#[from] TariffsError),
    /// The input directory cannot be read.
    #[error("cannot read input directory {path}: {source}")]
    Input {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The report or summary cannot be written.
    #[error("cannot write {what} {path}: {source}")]
    Output {
        /// Report or summary.
        what: &'static str,
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The parameters of a size cannot be loaded, or a tariff's verifying key cannot be built.
    #[error("verifier for size {size}: {reason}")]
    Verifier {
        /// The size.
        size: CircuitSize,
        /// Why.
        reason: String,
    },
    /// The thread pool cannot be built.
    #[error("thread pool: {0}")]
    Threads(String),
    /// The (resumed) run recorded bills that this report does not accept: it was resumed with
    /// other inputs than it started with. The run stays unfinished.
    #[error(
        "run {run} recorded {recorded} bills in the ledger but this report accepts {accepted}: \
         resume it with the inputs it started with (docs/batch.md, \"Runs\")"
    )]
    RunMismatch {
        /// The run.
        run: u64,
        /// Bills of the run in the ledger.
        recorded: u64,
        /// Accepted rows of the report.
        accepted: u64,
    },
}

/// What the job reads and writes.
#[derive(Clone, Debug)]
pub struct JobConfig {
    /// Directory of submissions (walked recursively, [`MAX_DEPTH`] levels at most; symbolic
    /// links are not followed; [`Walk`]).
    pub input: PathBuf,
    /// Meter registry file ([`crate::registry`]).
    pub registry: PathBuf,
    /// Directory of the utility's tariff files (`*.json`, top level).
    pub tariffs: PathBuf,
    /// The SQLite ledger.
    pub ledger: PathBuf,
    /// The CSV report.
    pub report: PathBuf,
    /// The JSON summary.
    pub summary: PathBuf,
    /// Worker threads (`None`: all cores).
    pub threads: Option<usize>,
    /// Files per chunk.
    pub chunk: usize,
    /// Crash-test faults ([`Faults::none`] outside tests).
    pub faults: Faults,
}

/// Progress events for a display.
#[derive(Clone, Debug)]
pub enum Progress {
    /// The walk counted this many files.
    Started {
        /// Files to process (report rows), as counted by a first walk: for display only, the
        /// real walk differs if the input directory changes meanwhile.
        total: u64,
    },
    /// A chunk was committed.
    Chunk {
        /// Files done so far.
        done: u64,
        /// Counts so far.
        summary: Summary,
    },
    /// The parameters of a size are being loaded (once per size).
    LoadingParams(CircuitSize),
    /// Verifying keys are being built for this many tariffs met for the first time (in
    /// parallel; about a second of CPU each at the month sizes).
    BuildingKeys {
        /// Number of tariffs.
        tariffs: u64,
    },
}

/// The result of a job that ran to the end.
#[derive(Debug)]
pub struct JobOutcome {
    /// The summary (also written to the summary file).
    pub summary: Summary,
    /// Per-stage times.
    pub stages: StageTimes,
}

// ---------------------------------------------------------------------------------------------
// The job.

/// Runs the job. `load_params` loads the IPA parameters of a size the first time a submission
/// of that size needs a verifying key; `progress` sees each committed chunk.
pub fn run<'a>(
    config: &JobConfig,
    load_params: &'a mut LoadParams<'a>,
    progress: &mut dyn FnMut(Progress),
) -> Result<JobOutcome, JobError> {
    let started = Instant::now();
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = config.threads {
        pool = pool.num_threads(n.max(1));
    }
    let pool = pool.build().map_err(|e| JobError::Threads(e.to_string()))?;

    // The job's own inputs first: any problem here means the job cannot run.
    let mut ledger = Ledger::open(&config.ledger)?;
    let registry = Registry::read(&config.registry)?;
    let tariffs = Tariffs::read_dir(&config.tariffs)?;
    let run = ledger.begin_run()?;
    let input_err = |source| JobError::Input {
        path: config.input.display().to_string(),
        source,
    };
    // For the progress display only: the real walk may differ if the directory changes.
    let total = Walk::new(&config.input).map_err(input_err)?.count() as u64;
    progress(Progress::Started { total });

    let out_err = |what, path: &Path| {
        let path = path.display().to_string();
        move |source| JobError::Output { what, path, source }
    };
    let mut report =
        AtomicFile::create(&config.report, false).map_err(out_err("report", &config.report))?;
    report
        .write(format!("{}\n", crate::report::HEADER).as_bytes())
        .map_err(out_err("report", &config.report))?;

    let times = StageTimes::default();
    let mut verifiers = Verifiers::new(load_params, pool.current_num_threads())?;
    let mut summary = Summary {
        run,
        ..Summary::default()
    };
    let mut commits = 0u64;
    let mut done = 0u64;
    let mut walk = Walk::new(&config.input).map_err(input_err)?;
    let chunk_len = config.chunk.max(1);
    loop {
        let files: Vec<InputFile> = walk.by_ref().take(chunk_len).collect();
        if files.is_empty() {
            break;
        }
        config.faults.at(Point::BeforePrepare, commits + 1);
        let prepared: Vec<Prepared> = pool.install(|| {
            files
                .par_iter()
                .map(|f| prepare(f, &registry, &tariffs, &times))
                .collect()
        });

        // Settle in file order; only the claimants' proofs are verified.
        let settle::SettledChunk {
            settled,
            mut claimants,
        } = settle_chunk(&mut ledger, run, prepared, &times)?;
        times
            .proofs
            .fetch_add(claimants.len() as u64, Ordering::Relaxed);
        verifiers.verify_chunk(&mut claimants, &pool, &times, progress)?;

        // Commit in file order.
        commits += 1;
        config.faults.at(Point::BeforeCommit, commits);
        let t = Instant::now();
        let rows = commit_chunk(
            &mut ledger,
            run,
            settled,
            claimants,
            &mut summary,
            config.faults,
            commits,
        )?;
        add_elapsed(&times.ledger_wall, t);
        config.faults.at(Point::AfterCommit, commits);
        for row in &rows {
            summary.add(row);
            report
                .write(row.to_csv().as_bytes())
                .map_err(out_err("report", &config.report))?;
        }
        done += rows.len() as u64;
        progress(Progress::Chunk {
            done,
            summary: summary.clone(),
        });
    }

    // Every bill of the run must be an accepted row of this report, or the run's totals would
    // miss it (a run resumed with other inputs); the run then stays unfinished.
    let recorded = ledger.bills_of_run(run)?;
    if recorded != summary.accepted {
        return Err(JobError::RunMismatch {
            run,
            recorded,
            accepted: summary.accepted,
        });
    }
    report.sync().map_err(out_err("report", &config.report))?;
    config.faults.at(Point::BeforeReportRename, 0);
    report.commit().map_err(out_err("report", &config.report))?;
    summary.proofs_verified = times.proofs_verified();
    summary.seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    zkmeter_fs::write_atomic(&config.summary, summary.to_json().as_bytes(), false)
        .map_err(out_err("summary", &config.summary))?;
    // Only now is the run over: a job killed before this line continues it.
    config.faults.at(Point::BeforeRunFinished, 0);
    ledger.finish_run(run)?;
    Ok(JobOutcome {
        summary,
        stages: times,
    })
}

/// Files per second, for display.
pub fn rate(done: u64, elapsed: Duration) -> f64 {
    done as f64 / elapsed.as_secs_f64().max(1e-9)
}
