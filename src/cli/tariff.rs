//! `zkmeter tariff ...`: tariff files.

use std::path::PathBuf;

use clap::Subcommand;
use zkmeter_circuits::{encoding::format_micro, protocol::write_atomic};
use zkmeter_meter::demo_tariff;

use super::{meter::FrameArgs, usage, CliError};

#[derive(Debug, Subcommand)]
pub enum TariffCommand {
    /// Write a demo dynamic tariff (half-hourly-market shape, some negative prices) for a frame.
    ///
    /// The file is JSON in the documented tariff format (docs/protocol.md "Tariff file"): one
    /// price per slot in micro-currency per kWh (150000 = 0.15 per kWh).
    Demo {
        #[command(flatten)]
        frame: FrameArgs,
        /// Seed of the price series.
        #[arg(long, value_name = "N", default_value_t = 1)]
        seed: u64,
        /// Where to write the tariff file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

pub fn run(command: TariffCommand) -> Result<(), CliError> {
    match command {
        TariffCommand::Demo { frame, seed, out } => {
            let frame = frame.frame()?;
            let tariff = demo_tariff(&frame, seed).map_err(|e| usage("tariff demo", e))?;
            write_atomic(&out, tariff.to_json().as_bytes()).map_err(|e| usage("--out", e))?;
            let min = tariff.prices.iter().min().copied().unwrap_or(0);
            let max = tariff.prices.iter().max().copied().unwrap_or(0);
            let negative = tariff.prices.iter().filter(|&&p| p < 0).count();
            println!(
                "tariff {} ({}): {} prices from {} to {} {}/kWh, {} negative; written to {}",
                tariff.tariff_id,
                frame,
                tariff.prices.len(),
                format_micro(min),
                format_micro(max),
                tariff.currency,
                negative,
                out.display()
            );
            Ok(())
        }
    }
}
