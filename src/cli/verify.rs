//! `zkmeter verify`: the utility checks one submission.

use std::path::PathBuf;

use clap::Args;
use zkmeter_protocol::{FileError, MeterPublicKey, Submission, Tariff, ZkFile};
use zkmeter_verifier::{check_submission, Accepted, Checked, UtilityTariff, Verifier};

use super::{describe, load_params, progress::Step, usage, CliError};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bill submission from the consumer's plugin.
    #[arg(long, value_name = "FILE")]
    submission: PathBuf,
    /// The meter's registered public key (SPKI PEM).
    #[arg(long, value_name = "FILE")]
    meter_pub: PathBuf,
    /// The utility's own tariff for the period (JSON).
    #[arg(long, value_name = "FILE")]
    tariff: PathBuf,
}

impl VerifyArgs {
    /// Arguments for one verification.
    pub fn new(submission: PathBuf, meter_pub: PathBuf, tariff: PathBuf) -> Self {
        VerifyArgs {
            submission,
            meter_pub,
            tariff,
        }
    }
}

/// A submission that passed every check but its proof, with the tariff's currency.
pub struct CheckedFiles {
    /// The submission.
    pub submission: Submission,
    /// What its proof must verify against.
    checked: Checked,
    currency: String,
}

impl CheckedFiles {
    /// The tariff's currency.
    pub fn currency(&self) -> &str {
        &self.currency
    }
}

/// Reads the files and runs every check but the proof ([`check_submission`], exactly as the
/// batch job does; no parameters or keys needed).
pub fn check_files(args: &VerifyArgs) -> Result<CheckedFiles, CliError> {
    let meter_key =
        MeterPublicKey::read_pem(&args.meter_pub).map_err(|e| usage("--meter-pub", e))?;
    let tariff = Tariff::read(&args.tariff).map_err(|e| usage("--tariff", e))?;
    // An unreadable file is an I/O error (2), not a rejected bill.
    let submission = Submission::read(&args.submission).map_err(|e| match e {
        e @ FileError::Io { .. } => usage("--submission", e),
        other => CliError::Rejected(format!("submission rejected: {other}")),
    })?;
    let currency = tariff.currency.clone();
    let checked = check_submission(&submission, &meter_key, &UtilityTariff::new(tariff), None)
        .map_err(|e| CliError::Rejected(format!("rejected: {e}")))?;
    Ok(CheckedFiles {
        submission,
        checked,
        currency,
    })
}

/// Loads parameters and builds the verifying key of the utility's tariff the checked
/// submission is under (the tariff is part of the key).
pub fn build_verifier(
    store: &zkmeter_params::ParamStore,
    files: &CheckedFiles,
) -> Result<Verifier, CliError> {
    let tariff = files.checked.tariff();
    let size = tariff.tariff().frame.size;
    let params = load_params(store, size)?;
    let step = Step::start(format!(
        "Building the verifying key ({size}, tariff {})",
        tariff.tariff().tariff_id
    ));
    let verifier = Verifier::new(tariff, params).map_err(|e| usage("key generation", e))?;
    step.finish();
    Ok(verifier)
}

/// Verifies a checked submission's proof (the cheap checks are not run again).
pub fn verify_checked(verifier: &Verifier, files: &CheckedFiles) -> Result<Accepted, CliError> {
    verifier
        .verify_checked(&files.checked)
        .map_err(|e| CliError::Rejected(format!("rejected: {e}")))
}

pub fn run(args: VerifyArgs, store: &zkmeter_params::ParamStore) -> Result<(), CliError> {
    // Every cheap check before loading parameters and keys.
    let checked = check_files(&args)?;
    let verifier = build_verifier(store, &checked)?;
    let accepted = verify_checked(&verifier, &checked)?;
    let submission = &checked.submission;
    println!(
        "accepted: meter {} period {} ({}): {}",
        submission.meter_id,
        submission.frame,
        accepted.figures.unit,
        describe(&accepted.figures, checked.currency())
    );
    Ok(())
}
