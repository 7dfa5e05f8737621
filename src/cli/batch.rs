//! `zkmeter batch-verify`: the utility's batch job (library: `zkmeter_verifier::job`).
//!
//! Exit 0 when the job ran to the end, whatever the files' outcomes (rejections are results,
//! in the report); exit 2 with one reason when the job itself cannot run (unreadable registry
//! or tariffs, ledger locked by another job, unwritable report).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use zkmeter_verifier::job::{self, Faults, JobConfig, Progress, DEFAULT_CHUNK};

use super::{load_params, usage, CliError};

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Directory of submissions (walked recursively; links are not followed).
    #[arg(long = "in", value_name = "DIR")]
    input: PathBuf,
    /// Meter registry (zkmeter-registry JSON Lines: meter id, SPKI PEM key, revoked flag,
    /// optional rate plan).
    #[arg(long, value_name = "REGISTRY")]
    meters: PathBuf,
    /// Directory of the utility's tariff files (*.json), grouped by rate plan.
    #[arg(long, value_name = "DIR")]
    tariffs: PathBuf,
    /// SQLite ledger of accepted bills (created if missing; locked while the job runs).
    #[arg(long, value_name = "FILE")]
    ledger: PathBuf,
    /// CSV report, one row per file (written atomically at the end).
    #[arg(long, value_name = "FILE")]
    report: PathBuf,
    /// JSON summary (written atomically at the end).
    #[arg(long, value_name = "FILE")]
    summary: PathBuf,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Files per chunk: one combined proof check and one ledger transaction each.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CHUNK)]
    chunk: usize,
}

/// Progress: a bar with rate and ETA on a terminal, a log line every few seconds otherwise.
struct Display {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
    last_log: Instant,
    total: u64,
}

impl Display {
    fn new() -> Self {
        Display {
            bar: None,
            started: Instant::now(),
            last_log: Instant::now(),
            total: 0,
        }
    }

    fn event(&mut self, event: Progress) {
        match event {
            Progress::Started { total } => {
                self.total = total;
                self.started = Instant::now();
                if std::io::stderr().is_terminal() {
                    let bar = indicatif::ProgressBar::new(total);
                    if let Ok(style) = indicatif::ProgressStyle::with_template(
                        "{bar:40} {pos}/{len} files [{elapsed} < {eta}, {per_sec}] {msg}",
                    ) {
                        bar.set_style(style);
                    }
                    self.bar = Some(bar);
                } else {
                    eprintln!("batch-verify: {total} files");
                }
            }
            Progress::LoadingParams(size) => {
                self.note(format!("loading the {size} parameters"));
            }
            Progress::BuildingKeys { tariffs } => {
                self.note(format!(
                    "building the verifying keys of {tariffs} tariff(s) (about a second each)"
                ));
            }
            Progress::Chunk { done, summary } => {
                let counts = format!(
                    "accepted {}, already recorded {}, duplicate {}, rejected {}",
                    summary.accepted, summary.already_recorded, summary.duplicate, summary.rejected
                );
                match &self.bar {
                    Some(bar) => {
                        bar.set_position(done);
                        bar.set_message(counts);
                    }
                    None => {
                        if self.last_log.elapsed().as_secs_f64() >= 2.0 || done == self.total {
                            self.last_log = Instant::now();
                            eprintln!(
                                "batch-verify: {done}/{} files, {counts}, {:.1} files/s",
                                self.total,
                                job::rate(done, self.started.elapsed())
                            );
                        }
                    }
                }
            }
        }
    }

    /// A setup step: on the bar's message line, or as a log line.
    fn note(&self, message: String) {
        match &self.bar {
            Some(bar) => bar.set_message(message),
            None => eprintln!("batch-verify: {message}"),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}

pub fn run(args: BatchArgs, store: &zkmeter_params::ParamStore) -> Result<(), CliError> {
    let config = JobConfig {
        input: args.input,
        registry: args.meters,
        tariffs: args.tariffs,
        ledger: args.ledger,
        report: args.report,
        summary: args.summary,
        threads: args.threads,
        chunk: args.chunk,
        faults: Faults::from_env(),
    };
    let mut display = Display::new();
    let outcome = job::run(
        &config,
        &mut |size| load_params(store, size).map_err(|e| e.to_string()),
        &mut |event| display.event(event),
    )
    .map_err(|e| usage("batch-verify", e))?;
    display.finish();
    let s = &outcome.summary;
    println!(
        "batch-verify: run {}, {} files: {} accepted ({} newly recorded), {} already recorded, \
         {} duplicate, {} rejected; {} proofs verified; bill total {}, import {} kWh, export {} \
         kWh, {} unmeasured slot(s); {:.2} s ({:.1} files/s)",
        s.run,
        s.files,
        s.accepted,
        s.newly_recorded,
        s.already_recorded,
        s.duplicate,
        s.rejected,
        s.proofs_verified,
        zkmeter_protocol::figures::pico_text(s.bill_total_pico),
        zkmeter_protocol::figures::mwh_as_kwh(s.import_mwh_total),
        zkmeter_protocol::figures::mwh_as_kwh(s.export_mwh_total),
        s.filled_slots_total,
        s.seconds,
        s.files as f64 / s.seconds.max(1e-9)
    );
    eprintln!("stage times (cpu summed over threads, or wall where noted):");
    for (name, secs) in outcome.stages.seconds() {
        eprintln!("  {name:<28} {secs:>9.3} s");
    }
    eprintln!(
        "  verifying keys built         {:>9} (one per tariff met)",
        outcome
            .stages
            .keys_built
            .load(std::sync::atomic::Ordering::Relaxed)
    );
    Ok(())
}
