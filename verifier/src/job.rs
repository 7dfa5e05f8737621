//! The utility's batch job: every submission under a directory, verified in batches, each
//! accepted bill recorded once in the [`Ledger`], one report row per file.
//!
//! # Order of work, per chunk of `chunk` files (in byte order of their relative paths)
//!
//! 1. **Cheap checks, in parallel** (rayon): size cap before reading (64 KiB), SHA-256 of the
//!    bytes, envelope decoding, the registry (unknown or revoked meter), the utility's tariff
//!    for exactly this frame, the exact proof length, tariff id and digest, the meter's
//!    signature, then the instance columns. A file that fails any of them never reaches the
//!    proof verifier, so a hostile file costs no more than an honest one of its size.
//! 2. **Resume shortcut**: bytes whose SHA-256 the ledger already recorded were verified when
//!    they were recorded; their proof is not verified again.
//! 3. **Proofs**: per circuit size one [`BatchVerifier`](halo2_proofs::plonk::BatchVerifier)
//!    check over the chunk; bad proofs found by bisection ([`crate::batch`]).
//! 4. **Commit, sequentially in file order, in one transaction per chunk**. For a file whose
//!    checks passed, with key (meter id, period start):
//!    - an earlier file of this run was accepted for the key: `duplicate`;
//!    - the ledger has no bill for the key: recorded, `accepted`;
//!    - the ledger's bill for the key came from the same bytes: `accepted` (idempotent re-run);
//!    - otherwise: `duplicate` (a different submission, e.g. a fresh proof of the same
//!      statement, was billed first).
//!
//!    An accepted file claims its key for the rest of the run (a SQLite temporary table), so a
//!    byte copy later in the same batch is a `duplicate`, not a second accepted bill.
//!
//! Because each run processes every file in the same order and commits in that order, the first
//! valid file by name wins, whatever the parallelism, and a run killed at any point and started
//! again ends with the same ledger and the same report as an uninterrupted run: committed
//! chunks are found in the ledger (and reported `accepted` again), uncommitted ones are redone.
//! The report is streamed to a temporary file and renamed into place at the very end.
//!
//! Memory: one chunk of submissions, the registry, the tariffs, the directory stack of the walk
//! (the entries of the directories on the current path) and the run's claims (a SQLite
//! temporary table, on disk). It does not grow with the number of files.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use thiserror::Error;
use zkmeter_circuits::{
    proof::{proof_len, PublicInputs},
    protocol::{statement_context, Frame, Submission, Tariff, ZkFile},
    CircuitSize, FileError,
};

use crate::batch::{verify_all, BatchItem};
use crate::ledger::{BillRecord, Ledger, LedgerError};
use crate::registry::{Registry, RegistryError};
use crate::report::{write_atomic, AtomicFile, Outcome, Row, Summary};
use crate::{Rejection, Verifier};

/// Default number of files per chunk (one combined check and one transaction each).
pub const DEFAULT_CHUNK: usize = 512;

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
    /// A tariff file of the utility is invalid, or two are for the same frame.
    #[error("tariffs: {0}")]
    Tariffs(String),
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
    /// The parameters or verifying key of a size cannot be loaded.
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
}

/// A named point where the job aborts itself, for crash tests: `ZKMETER_FAULT=POINT:N`.
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
    /// Right after the N-th chunk's transaction committed, say so on stderr and sleep for a
    /// minute: a test then kills the process with a real SIGKILL at a known point.
    PauseAfterCommit(u64),
}

impl Fault {
    /// The environment variable read by [`Fault::from_env`].
    pub const ENV: &'static str = "ZKMETER_FAULT";

    /// Parses `before-commit:N`, `mid-commit:N`, `after-commit:N`, `pause-after-commit:N` or
    /// `before-report-rename`.
    pub fn parse(text: &str) -> Option<Fault> {
        let (point, n) = text.split_once(':').unwrap_or((text, "1"));
        let n: u64 = n.parse().ok().filter(|&n| n >= 1)?;
        match point {
            "before-commit" => Some(Fault::BeforeCommit(n)),
            "mid-commit" => Some(Fault::MidCommit(n)),
            "after-commit" => Some(Fault::AfterCommit(n)),
            "pause-after-commit" => Some(Fault::PauseAfterCommit(n)),
            "before-report-rename" => Some(Fault::BeforeReportRename),
            _ => None,
        }
    }

    /// Reads [`Fault::ENV`]; unset or unparsable gives `None`.
    pub fn from_env() -> Option<Fault> {
        std::env::var(Self::ENV).ok().and_then(|t| Fault::parse(&t))
    }
}

/// Dies like `kill -9` would leave things: no destructors, no flushing.
fn die(point: &str) -> ! {
    eprintln!("fault injection: aborting at {point}");
    std::process::abort()
}

/// What the job reads and writes.
#[derive(Clone, Debug)]
pub struct JobConfig {
    /// Directory of submissions (walked recursively; symbolic links are not followed).
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
    /// Crash-test hook.
    pub fault: Option<Fault>,
}

/// Progress events for a display.
#[derive(Clone, Debug)]
pub enum Progress {
    /// The walk counted this many files.
    Started {
        /// Files to process.
        total: u64,
    },
    /// A chunk was committed.
    Chunk {
        /// Files done so far.
        done: u64,
        /// Counts so far.
        summary: Summary,
    },
    /// A verifier for a size is being prepared (parameters, verifying key).
    LoadingVerifier(CircuitSize),
}

/// CPU time spent per stage, summed over threads (nanoseconds), for the cost breakdown.
#[derive(Debug, Default)]
pub struct StageTimes {
    /// Reading, hashing and decoding files.
    pub read_decode: AtomicU64,
    /// Registry, tariff and the other cheap checks but the signature.
    pub cheap_checks: AtomicU64,
    /// ECDSA signature verification.
    pub signature: AtomicU64,
    /// Building the instance columns.
    pub instances: AtomicU64,
    /// Wall time of the proof checks (combined checks and bisection; halo2 commits the
    /// instance columns inside them).
    pub proofs_wall: AtomicU64,
    /// Wall time of ledger transactions.
    pub ledger_wall: AtomicU64,
    /// Wall time of loading parameters and building verifying keys (once per size).
    pub setup_wall: AtomicU64,
}

impl StageTimes {
    fn add(slot: &AtomicU64, since: Instant) {
        slot.fetch_add(since.elapsed().as_nanos() as u64, Ordering::Relaxed);
    }

    /// `(name, seconds)` per stage.
    pub fn seconds(&self) -> Vec<(&'static str, f64)> {
        let s = |a: &AtomicU64| a.load(Ordering::Relaxed) as f64 / 1e9;
        vec![
            ("read+decode (cpu)", s(&self.read_decode)),
            ("cheap checks (cpu)", s(&self.cheap_checks)),
            ("signature (cpu)", s(&self.signature)),
            ("instance columns (cpu)", s(&self.instances)),
            ("proof verification (wall)", s(&self.proofs_wall)),
            ("ledger (wall)", s(&self.ledger_wall)),
            ("verifier setup (wall)", s(&self.setup_wall)),
        ]
    }
}

/// The result of a job that ran to the end.
#[derive(Debug)]
pub struct JobOutcome {
    /// The summary (also written to the summary file).
    pub summary: Summary,
    /// Per-stage times.
    pub stages: StageTimes,
}

/// The utility's tariffs, by frame.
#[derive(Debug, Default)]
pub struct Tariffs {
    by_frame: HashMap<Frame, (Tariff, [u8; 32])>,
    by_start: HashMap<i64, Frame>,
}

impl Tariffs {
    /// Reads every `*.json` file at the top of `dir`; any invalid file, or two for one frame,
    /// is an error (the utility's own inputs must be right before bills are judged by them).
    pub fn read_dir(dir: &Path) -> Result<Self, JobError> {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| JobError::Tariffs(format!("cannot read {}: {e}", dir.display())))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
            .collect();
        paths.sort();
        let mut t = Tariffs::default();
        for path in paths {
            let tariff = Tariff::read(&path).map_err(|e| JobError::Tariffs(e.to_string()))?;
            t.insert(tariff)
                .map_err(|e| JobError::Tariffs(format!("{}: {e}", path.display())))?;
        }
        Ok(t)
    }

    /// Adds a tariff; refuses a second one for the same frame.
    pub fn insert(&mut self, tariff: Tariff) -> Result<(), String> {
        let frame = tariff.frame;
        if self.by_frame.contains_key(&frame) {
            return Err(format!("a second tariff for frame {frame}"));
        }
        let digest = tariff.digest();
        self.by_start.insert(frame.start.unix(), frame);
        self.by_frame.insert(frame, (tariff, digest));
        Ok(())
    }

    /// The tariff for exactly `frame`, or why there is none.
    fn for_frame(&self, frame: &Frame) -> Result<&(Tariff, [u8; 32]), String> {
        if let Some(t) = self.by_frame.get(frame) {
            return Ok(t);
        }
        match self.by_start.get(&frame.start.unix()) {
            Some(theirs) => Err(Rejection::FrameMismatch {
                submission: *frame,
                tariff: *theirs,
            }
            .to_string()),
            None => Err(format!("no tariff for the period starting {}", frame.start)),
        }
    }

    /// Number of tariffs.
    pub fn len(&self) -> usize {
        self.by_frame.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_frame.is_empty()
    }
}

// ---------------------------------------------------------------------------------------------
// The walk: files in byte order of their relative paths, streaming.

/// One input file found by the walk.
#[derive(Clone, Debug)]
pub struct InputFile {
    /// Absolute (or input-relative) path.
    pub path: PathBuf,
    /// Relative path with `/` separators (lossy UTF-8), as reported.
    pub name: String,
    /// Whether it is a regular file (else: a link or special file, rejected).
    pub regular: bool,
}

/// Walks `root` depth first; entries of each directory are sorted by their name bytes, a
/// directory's name taken with a trailing `/`, which gives exactly the byte order of the full
/// relative paths. Symbolic links are reported, not followed.
pub struct Walk {
    /// Per open directory: its relative prefix, its remaining sorted entries, its path.
    stack: Vec<(String, Entries, PathBuf)>,
}

/// A directory's entries: sort key, name, type.
type Entries = std::vec::IntoIter<(Vec<u8>, OsString, std::fs::FileType)>;

fn name_bytes(name: &std::ffi::OsStr) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        name.as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().as_bytes().to_vec()
    }
}

fn sorted_entries(dir: &Path) -> std::io::Result<Entries> {
    let mut v = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        let name = entry.file_name();
        let mut key = name_bytes(&name);
        if ty.is_dir() {
            key.push(b'/');
        }
        v.push((key, name, ty));
    }
    v.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(v.into_iter())
}

impl Walk {
    /// Starts at `root`.
    pub fn new(root: &Path) -> std::io::Result<Self> {
        Ok(Walk {
            stack: vec![(String::new(), sorted_entries(root)?, root.to_owned())],
        })
    }
}

impl Iterator for Walk {
    type Item = std::io::Result<InputFile>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (prefix, entries, dir) = self.stack.last_mut()?;
            let Some((_, name, ty)) = entries.next() else {
                self.stack.pop();
                continue;
            };
            let path = dir.join(&name);
            let rel = format!("{prefix}{}", name.to_string_lossy());
            if ty.is_dir() {
                match sorted_entries(&path) {
                    Ok(e) => self.stack.push((format!("{rel}/"), e, path)),
                    Err(e) => return Some(Err(e)),
                }
                continue;
            }
            return Some(Ok(InputFile {
                path,
                name: rel,
                regular: ty.is_file(),
            }));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Per-file preparation (parallel).

/// A file after the cheap checks.
enum Prepared {
    /// Refused before the ledger.
    Rejected(Row),
    /// Every cheap check passed; the proof is pending (or known good).
    Ready(Box<Ready>),
}

struct Ready {
    row: Row,
    sha256: [u8; 32],
    submission: Submission,
    item: BatchItem,
    proof: Option<Result<(), Rejection>>,
}

fn rejected(file: &InputFile, sub: Option<&Submission>, reason: String) -> Prepared {
    Prepared::Rejected(Row {
        file: file.name.clone(),
        meter_id: sub.map(|s| s.meter_id.to_string()),
        period_start: sub.map(|s| s.frame.start.to_string()),
        outcome: Outcome::Rejected,
        bill: None,
        energy_wh: None,
        reason,
    })
}

/// The reason for a file that does not decode, without the job's own paths in it.
fn decode_reason(e: &FileError) -> String {
    match e {
        FileError::TooLarge { cap, .. } => {
            format!("larger than the {cap}-byte cap for a submission file")
        }
        FileError::Io { source, .. } => format!("cannot read: {source}"),
        other => other.to_string(),
    }
}

fn prepare(
    file: &InputFile,
    registry: &Registry,
    tariffs: &Tariffs,
    times: &StageTimes,
) -> Prepared {
    let t = Instant::now();
    if !file.regular {
        return rejected(
            file,
            None,
            "not a regular file (links are not followed)".into(),
        );
    }
    let bytes =
        match zkmeter_circuits::protocol::read_capped(&file.path, Submission::CAP, "submission") {
            Ok(b) => b,
            Err(e) => return rejected(file, None, decode_reason(&e)),
        };
    let sha256: [u8; 32] = Sha256::digest(&bytes).into();
    let submission = match Submission::from_bytes(&bytes) {
        Ok(s) => s,
        Err(e) => return rejected(file, None, decode_reason(&e)),
    };
    drop(bytes);
    StageTimes::add(&times.read_decode, t);

    let t = Instant::now();
    let sub = &submission;
    let Some(meter) = registry.get(&sub.meter_id) else {
        return rejected(file, Some(sub), format!("unknown meter {}", sub.meter_id));
    };
    if meter.revoked {
        return rejected(
            file,
            Some(sub),
            format!("meter {} is revoked", sub.meter_id),
        );
    }
    let (tariff, digest) = match tariffs.for_frame(&sub.frame) {
        Ok(t) => t,
        Err(reason) => return rejected(file, Some(sub), reason),
    };
    let size = sub.frame.size;
    let expected = proof_len(size);
    if sub.proof.len() != expected {
        let r = Rejection::ProofLength {
            size,
            found: sub.proof.len(),
            expected,
        };
        return rejected(file, Some(sub), r.to_string());
    }
    if sub.tariff_id != tariff.tariff_id {
        let r = Rejection::TariffIdMismatch {
            submission: sub.tariff_id.clone(),
            tariff: tariff.tariff_id.clone(),
        };
        return rejected(file, Some(sub), r.to_string());
    }
    if &sub.tariff_digest != digest {
        return rejected(file, Some(sub), Rejection::TariffDigestMismatch.to_string());
    }
    StageTimes::add(&times.cheap_checks, t);

    let t = Instant::now();
    if let Err(e) =
        zkmeter_meter::verify_statement(&meter.key, &sub.statement(), &sub.meter_signature)
    {
        return rejected(file, Some(sub), Rejection::Signature(e).to_string());
    }
    StageTimes::add(&times.signature, t);

    let t = Instant::now();
    let commitment = match sub.commitment.to_fp("commitment") {
        Ok(c) => c,
        Err(e) => return rejected(file, Some(sub), e.to_string()),
    };
    let public = PublicInputs {
        size,
        commitment,
        bill: sub.bill,
        energy_wh: sub.energy_wh,
        context: statement_context(&sub.meter_id, &sub.frame, &tariff.tariff_id, digest),
        prices: tariff.prices.clone(),
    };
    let item = match BatchItem::new(public, submission.proof.clone()) {
        Ok(i) => i,
        Err(e) => return rejected(file, Some(sub), e.to_string()),
    };
    StageTimes::add(&times.instances, t);
    let row = Row {
        file: file.name.clone(),
        meter_id: Some(sub.meter_id.to_string()),
        period_start: Some(sub.frame.start.to_string()),
        outcome: Outcome::Accepted,
        bill: Some(sub.bill),
        energy_wh: Some(sub.energy_wh),
        reason: String::new(),
    };
    Prepared::Ready(Box::new(Ready {
        row,
        sha256,
        submission,
        item,
        proof: None,
    }))
}

// ---------------------------------------------------------------------------------------------
// The job.

/// Runs the job. `load_verifier` builds the verifier of a size the first time a submission of
/// that size needs one; `progress` sees each committed chunk.
pub fn run(
    config: &JobConfig,
    load_verifier: &mut dyn FnMut(CircuitSize) -> Result<Verifier, String>,
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
    ledger.ensure_indexes()?;
    ledger.begin_run()?;
    let registry = Registry::read(&config.registry)?;
    let tariffs = Tariffs::read_dir(&config.tariffs)?;
    let input_err = |source| JobError::Input {
        path: config.input.display().to_string(),
        source,
    };
    let total = Walk::new(&config.input).map_err(input_err)?.count() as u64;
    progress(Progress::Started { total });

    let out_err = |what, path: &Path| {
        let path = path.display().to_string();
        move |source| JobError::Output { what, path, source }
    };
    let mut report =
        AtomicFile::create(&config.report).map_err(out_err("report", &config.report))?;
    report
        .write(format!("{}\n", crate::report::HEADER).as_bytes())
        .map_err(out_err("report", &config.report))?;

    let times = StageTimes::default();
    let mut verifiers: HashMap<CircuitSize, Verifier> = HashMap::new();
    let mut summary = Summary::default();
    let mut commits = 0u64;
    let mut done = 0u64;
    let mut walk = Walk::new(&config.input).map_err(input_err)?;
    let chunk_len = config.chunk.max(1);
    loop {
        let mut files = Vec::with_capacity(chunk_len);
        for f in walk.by_ref().take(chunk_len) {
            files.push(f.map_err(input_err)?);
        }
        if files.is_empty() {
            break;
        }
        let mut prepared: Vec<Prepared> = pool.install(|| {
            files
                .par_iter()
                .map(|f| prepare(f, &registry, &tariffs, &times))
                .collect()
        });

        // Resume shortcut, then the proofs, per size.
        let mut by_size: HashMap<CircuitSize, Vec<usize>> = HashMap::new();
        for (i, p) in prepared.iter_mut().enumerate() {
            if let Prepared::Ready(r) = p {
                if ledger.has_submission(&r.sha256)? {
                    r.proof = Some(Ok(()));
                } else {
                    by_size.entry(r.item.public.size).or_default().push(i);
                }
            }
        }
        let mut sizes: Vec<_> = by_size.into_iter().collect();
        sizes.sort_by_key(|(s, _)| *s);
        for (size, indices) in sizes {
            if let std::collections::hash_map::Entry::Vacant(slot) = verifiers.entry(size) {
                progress(Progress::LoadingVerifier(size));
                let t = Instant::now();
                let v =
                    load_verifier(size).map_err(|reason| JobError::Verifier { size, reason })?;
                slot.insert(v);
                StageTimes::add(&times.setup_wall, t);
            }
            let t = Instant::now();
            let verifier = &verifiers[&size];
            let items: Vec<&BatchItem> = indices
                .iter()
                .map(|&i| match &prepared[i] {
                    Prepared::Ready(r) => &r.item,
                    Prepared::Rejected(_) => unreachable!("indices of ready items only"),
                })
                .collect();
            let results = pool.install(|| verify_all(verifier, &items));
            for (i, r) in indices.into_iter().zip(results) {
                if let Prepared::Ready(ready) = &mut prepared[i] {
                    ready.proof = Some(r);
                }
            }
            StageTimes::add(&times.proofs_wall, t);
        }

        // Commit in file order.
        commits += 1;
        if config.fault == Some(Fault::BeforeCommit(commits)) {
            die("before-commit");
        }
        let t = Instant::now();
        let fault = config.fault;
        let rows = ledger.transaction(|tx| {
            let mut rows = Vec::with_capacity(prepared.len());
            for p in prepared {
                rows.push(match p {
                    Prepared::Rejected(row) => row,
                    Prepared::Ready(ready) => commit_one(tx, *ready, &mut summary)?,
                });
            }
            if fault == Some(Fault::MidCommit(commits)) {
                die("mid-commit");
            }
            Ok(rows)
        })?;
        StageTimes::add(&times.ledger_wall, t);
        if config.fault == Some(Fault::AfterCommit(commits)) {
            die("after-commit");
        }
        if config.fault == Some(Fault::PauseAfterCommit(commits)) {
            eprintln!("fault injection: paused after commit {commits}");
            std::thread::sleep(Duration::from_secs(60));
        }
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

    report.sync().map_err(out_err("report", &config.report))?;
    if config.fault == Some(Fault::BeforeReportRename) {
        die("before-report-rename");
    }
    report.commit().map_err(out_err("report", &config.report))?;
    summary.seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    write_atomic(&config.summary, summary.to_json().as_bytes())
        .map_err(out_err("summary", &config.summary))?;
    Ok(JobOutcome {
        summary,
        stages: times,
    })
}

/// Decides one file whose cheap checks passed, inside the chunk's transaction.
fn commit_one(
    tx: &crate::ledger::LedgerTx<'_>,
    ready: Ready,
    summary: &mut Summary,
) -> Result<Row, LedgerError> {
    let Ready {
        mut row,
        sha256,
        submission: sub,
        proof,
        ..
    } = ready;
    // Only a proof known to verify goes on; `None` (never verified) cannot happen, and would
    // be a rejection, never an acceptance.
    let refused = match proof {
        Some(Ok(())) => None,
        Some(Err(e)) => Some(e.to_string()),
        None => Some("proof was not verified".to_owned()),
    };
    if let Some(reason) = refused {
        row.outcome = Outcome::Rejected;
        row.bill = None;
        row.energy_wh = None;
        row.reason = reason;
        return Ok(row);
    }
    let meter = sub.meter_id.as_str();
    let start = sub.frame.start.unix();
    if let Some(first) = tx.claimed_by(meter, start)? {
        row.outcome = Outcome::Duplicate;
        row.reason = format!(
            "meter {meter} period {} is already claimed by {first} earlier in this batch",
            sub.frame.start
        );
        return Ok(row);
    }
    match tx.get(meter, start)? {
        None => {
            tx.insert(&BillRecord {
                meter_id: meter.to_owned(),
                period_start: start,
                slot_minutes: sub.frame.slot_minutes,
                slots: sub.frame.slots,
                size: sub.frame.size.name().to_owned(),
                tariff_id: sub.tariff_id.clone(),
                bill: sub.bill,
                energy_wh: sub.energy_wh,
                submission_sha256: sha256,
                file: row.file.clone(),
            })?;
            summary.newly_recorded += 1;
        }
        Some(existing) if existing.submission_sha256 == sha256 => {}
        Some(existing) => {
            row.outcome = Outcome::Duplicate;
            row.reason = format!(
                "meter {meter} period {} is already billed by another submission (recorded from {})",
                sub.frame.start, existing.file
            );
            return Ok(row);
        }
    }
    // Accepted: later files of this run for the same key are duplicates.
    tx.claim(meter, start, &row.file)?;
    Ok(row)
}

/// Counts elapsed time for display.
pub fn rate(done: u64, elapsed: Duration) -> f64 {
    done as f64 / elapsed.as_secs_f64().max(1e-9)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkmeter_circuits::protocol::UtcTime;

    #[test]
    fn the_walk_gives_byte_order_of_relative_paths_and_reports_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "a-b.bin",
            "a/x.bin",
            "a/b/c.bin",
            "B.bin",
            "a.bin",
            "z/y/x.bin",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b"x").unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("a.bin"), root.join("link.bin")).unwrap();
        let walked: Vec<InputFile> = Walk::new(root).unwrap().map(Result::unwrap).collect();
        let names: Vec<&str> = walked.iter().map(|f| f.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert_eq!(names[..4], ["B.bin", "a-b.bin", "a.bin", "a/b/c.bin"]);
        #[cfg(unix)]
        assert!(walked.iter().any(|f| f.name == "link.bin" && !f.regular));
        assert!(walked
            .iter()
            .filter(|f| f.name != "link.bin")
            .all(|f| f.regular));
    }

    #[test]
    fn a_missing_tariff_and_a_frame_mismatch_have_their_own_reasons() {
        let start = UtcTime::parse("2026-01-01T00:00:00Z").unwrap();
        let frame = Frame::new(start, 60, 24, CircuitSize::Day15Min).unwrap();
        let tariff = Tariff::new("t-1", "GBP", frame, vec![1; 24]).unwrap();
        let mut tariffs = Tariffs::default();
        tariffs.insert(tariff.clone()).unwrap();
        assert_eq!(tariffs.for_frame(&frame).unwrap().0, tariff);
        assert!(tariffs
            .insert(tariff)
            .unwrap_err()
            .contains("second tariff"));

        let quarter = Frame::new(start, 15, 96, CircuitSize::Day15Min).unwrap();
        assert!(tariffs
            .for_frame(&quarter)
            .unwrap_err()
            .contains("frame mismatch"));
        let next = Frame::new(
            UtcTime::from_unix(start.unix() + 86_400).unwrap(),
            60,
            24,
            CircuitSize::Day15Min,
        )
        .unwrap();
        assert_eq!(
            tariffs.for_frame(&next).unwrap_err(),
            "no tariff for the period starting 2026-01-02T00:00:00Z"
        );
    }

    #[test]
    fn fault_points_parse() {
        assert_eq!(Fault::parse("after-commit:3"), Some(Fault::AfterCommit(3)));
        assert_eq!(Fault::parse("mid-commit"), Some(Fault::MidCommit(1)));
        assert_eq!(
            Fault::parse("before-report-rename"),
            Some(Fault::BeforeReportRename)
        );
        assert_eq!(Fault::parse("after-commit:0"), None);
        assert_eq!(Fault::parse("somewhere:1"), None);
    }
}
