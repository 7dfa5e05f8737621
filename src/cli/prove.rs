//! `zkmeter prove`: the privacy plugin.

use std::path::PathBuf;

use clap::Args;
use zkmeter_protocol::MeterPublicKey;
use zkmeter_protocol::{Period, Tariff, ZkFile};
use zkmeter_prover::{Plugin, ProverError};

use super::{describe, load_params, progress::Step, usage, CliError};

#[derive(Debug, Args)]
pub struct ProveArgs {
    /// The period file from the meter.
    #[arg(long, value_name = "FILE")]
    period: PathBuf,
    /// The utility's tariff for the period's frame (JSON).
    #[arg(long, value_name = "FILE")]
    tariff: PathBuf,
    /// Where to write the submission for the utility.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Pin the meter's public key (SPKI PEM): refuse a period signed by any other key.
    #[arg(long, value_name = "FILE")]
    meter_pub: Option<PathBuf>,
}

impl ProveArgs {
    /// Arguments without a pinned meter key.
    pub fn new(period: PathBuf, tariff: PathBuf, out: PathBuf) -> Self {
        ProveArgs {
            period,
            tariff,
            out,
            meter_pub: None,
        }
    }
}

/// Proves `period` under `tariff`; returns the plugin's timings (keygen, prove).
pub fn prove_files(
    args: &ProveArgs,
    store: &zkmeter_params::ParamStore,
) -> Result<(std::time::Duration, std::time::Duration), CliError> {
    let period = Period::read(&args.period).map_err(|e| file_error("--period", e))?;
    let tariff = Tariff::read(&args.tariff).map_err(|e| file_error("--tariff", e))?;
    let pinned = match &args.meter_pub {
        Some(p) => Some(MeterPublicKey::read_pem(p).map_err(|e| usage("--meter-pub", e))?),
        None => None,
    };
    // Cheap checks before loading anything heavy: fail early with the reason.
    let checked = zkmeter_prover::check(&period, &tariff, pinned.as_ref()).map_err(rejected)?;
    // What the household will pay, before anything is proved or sent.
    let invoice = checked.invoice();
    print!(
        "{}\ninvoice preview (the utility computes the same from the proven figures):\n{}",
        describe(&checked.figures(), &tariff.currency),
        invoice.to_text()
    );

    let size = period.frame.size;
    let params = load_params(store, size)?;
    let step = Step::start(format!("Building the proving key ({size})"));
    let plugin = Plugin::new(&tariff, params).map_err(|e| usage("key generation", e))?;
    let keygen = step.finish();
    let step = Step::start(format!(
        "Proving the bill of {} slots ({} threads)",
        period.frame.slots,
        rayon_threads()
    ));
    let rng = rand_core::UnwrapErr(rand::rngs::SysRng);
    let submission = plugin.prove_checked(&checked, rng).map_err(rejected)?;
    let prove = step.finish();
    submission.write(&args.out).map_err(|e| usage("--out", e))?;
    println!(
        "{} under tariff {}; submission ({} bytes, proof {} bytes): {}",
        describe(&submission.figures(), &tariff.currency),
        tariff.tariff_id,
        submission.to_bytes().len(),
        submission.proof.len(),
        args.out.display()
    );
    Ok((keygen, prove))
}

pub fn run(args: ProveArgs, store: &zkmeter_params::ParamStore) -> Result<(), CliError> {
    prove_files(&args, store).map(|_| ())
}

fn rejected(e: ProverError) -> CliError {
    match e {
        ProverError::Proof(e) => CliError::Usage(format!("proving failed: {e}")),
        other => CliError::Rejected(other.to_string()),
    }
}

/// A file that cannot be read is an I/O error (2); one that is read but refused is rejected (1).
pub fn file_error(flag: &str, e: zkmeter_protocol::FileError) -> CliError {
    match e {
        zkmeter_protocol::FileError::Io { .. } => usage(flag, e),
        other => CliError::Rejected(format!("{flag}: {other}")),
    }
}

/// Threads halo2 will use (its rayon pool honours RAYON_NUM_THREADS).
pub fn rayon_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}
