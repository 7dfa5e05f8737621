//! Command-line interface: argument definitions and dispatch. One module per command group.

mod batch;
mod charges;
mod corpus;
mod demo;
mod info;
mod inspect;
mod invoice;
mod meter;
mod progress;
mod prove;
mod tariff;
mod verify;
mod web;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use zkmeter_protocol::{BillFigures, CircuitSize};

/// A command's failure, turned into one line on stderr and an exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The input was read but refused (exit 1).
    #[error("{0}")]
    Rejected(String),
    /// Usage, I/O or environment problem (exit 2).
    #[error("{0}")]
    Usage(String),
}

impl CliError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Rejected(_) => 1,
            CliError::Usage(_) => 2,
        }
    }
}

/// Shorthand for a usage / I/O error with context.
pub fn usage(context: impl std::fmt::Display, e: impl std::fmt::Display) -> CliError {
    CliError::Usage(format!("{context}: {e}"))
}

const WORKFLOW: &str = "\
A billing period by hand:
  zkmeter meter keygen --out keys
  zkmeter meter record --key keys/meter.key --meter-id m-1 --start 2026-01-01T00:00:00Z \\
      --slot-minutes 15 --size month-15min --synthetic 7 --out period.bin
  zkmeter tariff demo --start 2026-01-01T00:00:00Z --slot-minutes 15 --size month-15min \\
      --seed 1 --out tariff.json
  zkmeter prove --period period.bin --tariff tariff.json --out submission.bin
  zkmeter verify --submission submission.bin --meter-pub keys/meter.pub --tariff tariff.json

Units: readings in Wh per slot; prices in micro-currency per kWh (150000 = 0.15/kWh); bills
exact in nano-currency. Protocol, encodings and threat model: docs/protocol.md.";

/// zkmeter: bill smart-meter readings exactly without revealing them.
///
/// The meter signs a commitment to a period's readings; the consumer's privacy plugin computes
/// the bill under the utility's tariff and proves it with one halo2 proof; the utility verifies
/// the bill without seeing a single reading. Try `zkmeter demo` for the whole flow.
#[derive(Debug, Parser)]
#[command(name = "zkmeter", version, about, long_about, after_long_help = WORKFLOW)]
pub struct Cli {
    /// Directory of the IPA parameter files (default: $ZKMETER_PARAMS_DIR, else params/ipa in
    /// a source checkout, else ~/.cache/zkmeter/params). Missing files are generated once.
    #[arg(long, global = true, value_name = "DIR")]
    params_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The meter: key generation and period recording.
    #[command(subcommand)]
    Meter(meter::MeterCommand),
    /// Tariffs (the utility's per-slot prices).
    #[command(subcommand)]
    Tariff(Box<tariff::TariffCommand>),
    /// Privacy plugin: check a period, compute its bill under a tariff and prove it.
    Prove(prove::ProveArgs),
    /// Utility: verify one bill submission against a meter key and the utility's tariff.
    ///
    /// Exit 0: accepted (prints bill and energy). Exit 1: rejected (one-line reason on
    /// stderr). Exit 2: usage or I/O error.
    Verify(verify::VerifyArgs),
    /// Write a bill's invoice as a one-page HTML document: the utility's (from a verified
    /// submission, aggregates only) or the household's own (from its period file, with its
    /// energy and cost per day and hour).
    Invoice(invoice::InvoiceArgs),
    /// Utility: verify every submission under a directory in batches, record each accepted
    /// bill once in the ledger, write a CSV report and a JSON summary.
    ///
    /// Exit 0 when the job ran to the end (rejections are results, in the report); exit 2 with
    /// the reason when it could not run (unreadable registry, ledger locked, ...).
    BatchVerify(batch::BatchArgs),
    /// Generate a corpus for batch-verify: DIR/meters (registry), DIR/tariffs/,
    /// DIR/submissions/, optionally with duplicate, tampered, revoked and hostile files.
    Corpus(corpus::CorpusArgs),
    /// Print a JSON view of any zkmeter file (period, tariff or submission).
    Inspect(inspect::InspectArgs),
    /// Circuit facts per size: k, rows used, columns, proof bytes, key generation time.
    CircuitInfo(info::InfoArgs),
    /// The whole flow on built-in data in a temporary directory: keygen, record a month of
    /// 15-minute readings, publish a tariff, prove, verify, then show a tampered bill rejected.
    Demo(demo::DemoArgs),
    /// The privacy plugin in the browser: serve its page (built by `scripts/web.sh build`)
    /// on 127.0.0.1. Readings never leave the page; it loads nothing but its own files.
    Web(web::WebArgs),
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> Result<(), CliError> {
    let store = match &cli.params_dir {
        Some(dir) => zkmeter_params::ParamStore::new(dir),
        None => zkmeter_params::ParamStore::default_store(),
    };
    match cli.command {
        Command::Meter(c) => meter::run(c),
        Command::Tariff(c) => tariff::run(*c),
        Command::Prove(a) => prove::run(a, &store),
        Command::Verify(a) => verify::run(a, &store),
        Command::Invoice(a) => invoice::run(a, &store),
        Command::BatchVerify(a) => batch::run(a, &store),
        Command::Corpus(a) => corpus::run(a, &store),
        Command::Inspect(a) => inspect::run(a),
        Command::CircuitInfo(a) => info::run(a, &store),
        Command::Demo(a) => demo::run(a, &store),
        Command::Web(a) => web::run(a, &store),
    }
}

/// Parses a size name for clap.
pub fn parse_size(s: &str) -> Result<CircuitSize, String> {
    s.parse()
        .map_err(|e: zkmeter_circuit::size::UnknownSize| e.to_string())
}

/// Loads the parameters for `size`, showing progress (generation can take a minute).
pub fn load_params(
    store: &zkmeter_params::ParamStore,
    size: CircuitSize,
) -> Result<zkmeter_circuit::IpaParams, CliError> {
    let k = size.k();
    let step = progress::Step::start(format!("Loading IPA parameters (k = {k})"));
    let params = store
        .load(k, |event| {
            if let zkmeter_params::Event::Generating { refused_existing } = event {
                let why = if refused_existing {
                    "stored file failed its hash check"
                } else {
                    "first use"
                };
                step.set_message(format!(
                    "Generating IPA parameters (k = {k}; {why}; once, up to a minute)"
                ));
            }
        })
        .map_err(|e| usage("IPA parameters", e))?;
    step.finish();
    Ok(params)
}

/// Formats a bill as `CUR 12.34` (rounded half away from zero to cents) with the exact
/// figure beside it, every digit of its unit.
pub fn format_bill(figures: &BillFigures, currency: &str) -> String {
    let pico = figures.bill_pico();
    let cents = (pico.unsigned_abs() + 5_000_000_000) / 10_000_000_000;
    let sign = if pico < 0 { "-" } else { "" };
    format!(
        "{currency} {sign}{}.{:02} (exactly {} {currency})",
        cents / 100,
        cents % 100,
        zkmeter_protocol::encoding::format_bill(figures.bill, figures.unit)
    )
}

/// A bill's public figures in words: bill, import and export energy (exact kWh) and, when the
/// meter filled slots it did not measure, how many.
pub fn describe(figures: &BillFigures, currency: &str) -> String {
    let unit = figures.unit;
    let mut text = format!(
        "bill {}, import {} kWh",
        format_bill(figures, currency),
        unit.format_kwh(u128::from(figures.import_energy))
    );
    if figures.export_energy > 0 {
        text += &format!(
            ", export {} kWh",
            unit.format_kwh(u128::from(figures.export_energy))
        );
    }
    if figures.filled > 0 {
        text += &format!(
            "; {} slot(s) NOT MEASURED (filled with 0 by the meter)",
            figures.filled
        );
    }
    text
}
