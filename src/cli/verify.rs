//! `zkmeter verify`: the utility checks one submission.

use std::path::PathBuf;

use clap::Args;
use zkmeter_protocol::{FileError, Invoice, MeterPublicKey, Submission, Tariff, ZkFile};
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
    /// Print the accepted bill as one JSON object on stdout (meter, period, figures and the
    /// invoice: `invoice: {currency, lines: [{label, amount}], total}`, decimal strings)
    /// instead of text. A rejection is still one line on stderr and exit code 1.
    #[arg(long)]
    json: bool,
}

impl VerifyArgs {
    /// Arguments for one verification.
    pub fn new(submission: PathBuf, meter_pub: PathBuf, tariff: PathBuf) -> Self {
        VerifyArgs {
            submission,
            meter_pub,
            tariff,
            json: false,
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

    /// The utility's tariff the submission was checked against.
    pub fn tariff(&self) -> &Tariff {
        self.checked.tariff().tariff()
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

/// `verify --json`: the accepted bill, fields in this order.
#[derive(serde::Serialize)]
struct VerifiedJson<'a> {
    outcome: &'static str,
    meter_id: &'a str,
    period_start: String,
    slots: u32,
    slot_minutes: u16,
    tariff_id: &'a str,
    unit: &'static str,
    bill: String,
    import_kwh: String,
    export_kwh: String,
    filled_slots: u32,
    invoice: zkmeter_protocol::invoice::InvoiceJson,
}

pub fn run(args: VerifyArgs, store: &zkmeter_params::ParamStore) -> Result<(), CliError> {
    // Every cheap check before loading parameters and keys.
    let checked = check_files(&args)?;
    let verifier = build_verifier(store, &checked)?;
    let accepted = verify_checked(&verifier, &checked)?;
    let submission = &checked.submission;
    let figures = &accepted.figures;
    let invoice = Invoice::compute(checked.tariff(), figures);
    if args.json {
        let unit = figures.unit;
        let value = VerifiedJson {
            outcome: "accepted",
            meter_id: submission.meter_id.as_str(),
            period_start: submission.frame.start.to_string(),
            slots: submission.frame.slots,
            slot_minutes: submission.frame.slot_minutes,
            tariff_id: &checked.tariff().tariff_id,
            unit: unit.name(),
            bill: figures.bill_text(),
            import_kwh: unit.format_kwh(u128::from(figures.import_energy)),
            export_kwh: unit.format_kwh(u128::from(figures.export_energy)),
            filled_slots: figures.filled,
            invoice: invoice.to_json(),
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&value).expect("in-memory encoding cannot fail")
        );
        return Ok(());
    }
    println!(
        "accepted: meter {} period {} ({}): {}",
        submission.meter_id,
        submission.frame,
        figures.unit,
        describe(figures, checked.currency())
    );
    print!("invoice ({} days):\n{}", invoice.days, invoice.to_text());
    Ok(())
}
