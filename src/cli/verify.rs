//! `zkmeter verify`: the utility checks one submission.

use std::path::PathBuf;

use clap::Args;
use zkmeter_circuits::{
    proof::PublicInputs,
    protocol::{Submission, Tariff, ZkFile},
    CircuitSize, FileError,
};
use zkmeter_meter::MeterPublicKey;
use zkmeter_verifier::{Accepted, Verifier};

use super::{format_bill, format_kwh, load_params, progress::Step, usage, CliError};

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

/// A submission with the meter key and tariff it is checked against, all cheap checks passed.
pub struct Checked {
    /// The submission.
    pub submission: Submission,
    /// The public inputs its proof must verify against.
    public: PublicInputs,
    currency: String,
}

impl Checked {
    /// The tariff's currency.
    pub fn currency(&self) -> &str {
        &self.currency
    }
}

/// Reads the files and runs every check but the proof (no parameters or keys needed).
pub fn check_files(args: &VerifyArgs) -> Result<Checked, CliError> {
    let meter_key =
        MeterPublicKey::read_pem(&args.meter_pub).map_err(|e| usage("--meter-pub", e))?;
    let tariff = Tariff::read(&args.tariff).map_err(|e| usage("--tariff", e))?;
    // An unreadable file is an I/O error (2), not a rejected bill.
    let submission = Submission::read(&args.submission).map_err(|e| match e {
        e @ FileError::Io { .. } => usage("--submission", e),
        other => CliError::Rejected(format!("submission rejected: {other}")),
    })?;
    let public = zkmeter_verifier::check_statement(&submission, &meter_key, &tariff)
        .map_err(|e| CliError::Rejected(format!("rejected: {e}")))?;
    Ok(Checked {
        submission,
        public,
        currency: tariff.currency,
    })
}

/// Loads parameters and builds the verifying key for `size`.
pub fn build_verifier(
    store: &zkmeter_params::ParamStore,
    size: CircuitSize,
) -> Result<Verifier, CliError> {
    let params = load_params(store, size)?;
    let step = Step::start(format!("Building the verifying key ({size})"));
    let verifier = Verifier::new(size, params).map_err(|e| usage("key generation", e))?;
    step.finish();
    Ok(verifier)
}

/// Verifies a checked submission's proof (the cheap checks are not run again).
pub fn verify_checked(verifier: &Verifier, checked: &Checked) -> Result<Accepted, CliError> {
    verifier
        .verify_proof_for(&checked.public, &checked.submission.proof)
        .map_err(|e| CliError::Rejected(format!("rejected: {e}")))?;
    Ok(Accepted {
        bill: checked.public.bill,
        energy_wh: checked.public.energy_wh,
    })
}

pub fn run(args: VerifyArgs, store: &zkmeter_params::ParamStore) -> Result<(), CliError> {
    // Every cheap check before loading parameters and keys.
    let checked = check_files(&args)?;
    let verifier = build_verifier(store, checked.submission.frame.size)?;
    let accepted = verify_checked(&verifier, &checked)?;
    let submission = &checked.submission;
    println!(
        "accepted: meter {} period {}: bill {}, energy {} kWh",
        submission.meter_id,
        submission.frame,
        format_bill(accepted.bill, checked.currency()),
        format_kwh(accepted.energy_wh)
    );
    Ok(())
}
