//! `zkmeter verify`: the utility checks one submission.

use std::path::PathBuf;

use clap::Args;
use zkmeter_circuits::protocol::{Submission, Tariff, ZkFile};
use zkmeter_meter::MeterPublicKey;
use zkmeter_verifier::{Accepted, Verifier};

use super::{
    format_bill, format_kwh, load_params, progress::Step, prove::file_error, usage, CliError,
};

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

/// Verifies the files; `Ok(Accepted)` or a rejection / usage error.
pub fn verify_files(
    args: &VerifyArgs,
    store: &zkmeter_params::ParamStore,
) -> Result<(Submission, Accepted, String), CliError> {
    let meter_key =
        MeterPublicKey::read_pem(&args.meter_pub).map_err(|e| usage("--meter-pub", e))?;
    let tariff = Tariff::read(&args.tariff).map_err(|e| usage("--tariff", e))?;
    let submission =
        Submission::read(&args.submission).map_err(|e| file_error("submission rejected", e))?;
    // Every cheap check before loading parameters and keys.
    zkmeter_verifier::check_statement(&submission, &meter_key, &tariff)
        .map_err(|e| CliError::Rejected(format!("rejected: {e}")))?;
    let size = submission.frame.size;
    let params = load_params(store, size)?;
    let step = Step::start(format!("Building the verifying key ({size})"));
    let verifier = Verifier::new(size, params).map_err(|e| usage("key generation", e))?;
    step.finish();
    let accepted = verifier
        .verify(&submission, &meter_key, &tariff)
        .map_err(|e| CliError::Rejected(format!("rejected: {e}")))?;
    Ok((submission, accepted, tariff.currency))
}

pub fn run(args: VerifyArgs, store: &zkmeter_params::ParamStore) -> Result<(), CliError> {
    let (submission, accepted, currency) = verify_files(&args, store)?;
    println!(
        "accepted: meter {} period {}: bill {}, energy {} kWh",
        submission.meter_id,
        submission.frame,
        format_bill(accepted.bill, &currency),
        format_kwh(accepted.energy_wh)
    );
    Ok(())
}
