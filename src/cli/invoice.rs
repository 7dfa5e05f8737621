//! `zkmeter invoice`: the invoice as a one-page HTML document.

use std::path::PathBuf;

use chrono_tz::Tz;
use clap::Args;
use zkmeter_protocol::fs::write_atomic;
use zkmeter_protocol::{Invoice, MeterPublicKey, Period, Tariff, ZkFile};

use super::prove::file_error;
use super::verify::{build_verifier, check_files, verify_checked, VerifyArgs};
use super::{usage, CliError};
use crate::page::{household_page, utility_page, Facts};

const INVOICE_HELP: &str = "\
The utility's invoice (the submission is verified first; the page holds aggregates only):
  zkmeter invoice --submission submission.bin --meter-pub keys/meter.pub \\
      --tariff tariff.json --out invoice.html

The household's own view (from the period file: adds energy and cost per day and per hour of
day and the costliest slots; never send it to anyone):
  zkmeter invoice --period period.bin --tariff tariff.json --tz Europe/London --out mine.html

Both pages are single files that load nothing from the network (inline CSS and SVG, no script;
a Content-Security-Policy of default-src 'none').";

#[derive(Debug, Args)]
#[command(after_long_help = INVOICE_HELP)]
pub struct InvoiceArgs {
    /// The utility's view: a submission, verified before its invoice is written (needs
    /// --meter-pub).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "period",
        required_unless_present = "period",
        requires = "meter_pub"
    )]
    submission: Option<PathBuf>,
    /// The household's view: the period file from the meter (its signature and commitment are
    /// checked as `prove` checks them).
    #[arg(long, value_name = "FILE")]
    period: Option<PathBuf>,
    /// The tariff (JSON) with its charges.
    #[arg(long, value_name = "FILE")]
    tariff: PathBuf,
    /// The meter's public key (SPKI PEM): needed with --submission; with --period, pins the
    /// key the period must be signed with.
    #[arg(long, value_name = "FILE")]
    meter_pub: Option<PathBuf>,
    /// Time zone of the household page's days and hours (IANA name, e.g. Europe/London).
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    tz: String,
    /// Where to write the HTML page.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

pub fn run(args: InvoiceArgs, store: &zkmeter_params::ParamStore) -> Result<(), CliError> {
    let (html, invoice) = match (&args.submission, &args.period) {
        (Some(submission), None) => {
            let meter_pub = args.meter_pub.clone().ok_or_else(|| {
                usage(
                    "--meter-pub",
                    "needed with --submission: only a verified bill is invoiced",
                )
            })?;
            let verify = VerifyArgs::new(submission.clone(), meter_pub, args.tariff.clone());
            let checked = check_files(&verify)?;
            let verifier = build_verifier(store, &checked)?;
            let accepted = verify_checked(&verifier, &checked)?;
            let tariff = checked.tariff();
            let invoice = Invoice::compute(tariff, &accepted.figures);
            let facts = Facts {
                meter_id: checked.submission.meter_id.as_str(),
                frame: &checked.submission.frame,
                tariff,
                figures: &accepted.figures,
            };
            (utility_page(&facts, &invoice), invoice)
        }
        (None, Some(period_path)) => {
            let tz: Tz = args
                .tz
                .parse()
                .map_err(|_| usage("--tz", format!("'{}' is not an IANA time zone", args.tz)))?;
            let period = Period::read(period_path).map_err(|e| file_error("--period", e))?;
            let tariff = Tariff::read(&args.tariff).map_err(|e| file_error("--tariff", e))?;
            let pinned = match &args.meter_pub {
                Some(p) => Some(MeterPublicKey::read_pem(p).map_err(|e| usage("--meter-pub", e))?),
                None => None,
            };
            let checked = zkmeter_prover::check(&period, &tariff, pinned.as_ref())
                .map_err(|e| CliError::Rejected(e.to_string()))?;
            let (figures, invoice) = (checked.figures(), checked.invoice());
            let facts = Facts {
                meter_id: period.meter_id.as_str(),
                frame: &period.frame,
                tariff: &tariff,
                figures: &figures,
            };
            (household_page(&period, &facts, &invoice, tz), invoice)
        }
        _ => return Err(usage("invoice", "give --submission or --period")),
    };
    write_atomic(&args.out, html.as_bytes(), false).map_err(|e| usage("--out", e))?;
    print!("{}", invoice.to_text());
    println!("invoice written to {}", args.out.display());
    Ok(())
}
