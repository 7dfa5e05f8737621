//! `zkmeter demo`: meter -> privacy plugin -> utility on built-in data, then a tampered bill.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use zkmeter_circuits::{protocol::ZkFile, CircuitSize};

use super::{
    meter::{self, FrameArgs, MeterCommand, RecordArgs},
    prove::{prove_files, ProveArgs},
    tariff::{self, TariffCommand},
    usage,
    verify::{build_verifier, check_files, verify_checked, VerifyArgs},
    CliError,
};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Circuit size to demonstrate (a month of 15-minute readings by default).
    #[arg(long, value_name = "NAME", value_parser = super::parse_size, default_value = "month-15min")]
    size: CircuitSize,
    /// Slot length in minutes.
    #[arg(long, value_name = "M", default_value_t = 15)]
    slot_minutes: u16,
    /// Period start (the default is a 31-day month, filling month-15min exactly).
    #[arg(long, value_name = "RFC3339", default_value = "2026-01-01T00:00:00Z")]
    start: String,
    /// Keep the files in this directory instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
}

pub fn run(args: DemoArgs, store: &zkmeter_params::ParamStore) -> Result<(), CliError> {
    let tmp;
    let dir: &Path = match &args.keep {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|e| usage(d.display(), e))?;
            d
        }
        None => {
            tmp = tempfile::tempdir().map_err(|e| usage("temporary directory", e))?;
            tmp.path()
        }
    };
    println!("zkmeter demo in {}", dir.display());
    let mut timings: Vec<(&str, f64)> = vec![];
    let mut timed = |name, f: &mut dyn FnMut() -> Result<(), CliError>| {
        let started = Instant::now();
        let r = f();
        timings.push((name, started.elapsed().as_secs_f64()));
        r
    };

    println!("\n[1/5] meter: generate the signing key");
    let keys = dir.join("keys");
    timed("meter keygen", &mut || {
        meter::run(MeterCommand::Keygen { out: keys.clone() })
    })?;

    println!("\n[2/5] meter: record and sign a period of synthetic household readings");
    let period = dir.join("period.bin");
    timed("meter record", &mut || {
        meter::run(MeterCommand::Record(RecordArgs::new(
            keys.join("meter.key"),
            "demo-meter-0001",
            &args.start,
            args.slot_minutes,
            args.size,
            7,
            period.clone(),
        )))
    })?;

    println!("\n[3/5] utility: publish the period's dynamic tariff");
    let tariff_path = dir.join("tariff.json");
    timed("tariff", &mut || {
        tariff::run(TariffCommand::Demo {
            frame: FrameArgs {
                start: args.start.clone(),
                slot_minutes: args.slot_minutes,
                size: args.size,
                slots: None,
            },
            seed: 2026,
            out: tariff_path.clone(),
        })
    })?;

    println!("\n[4/5] privacy plugin: check the period, compute the bill, prove it");
    let submission = dir.join("submission.bin");
    let prove_args = ProveArgs::new(period.clone(), tariff_path.clone(), submission.clone());
    let started = Instant::now();
    let (keygen, prove) = prove_files(&prove_args, store)?;
    timings.push(("plugin total", started.elapsed().as_secs_f64()));

    println!("\n[5/5] utility: verify the submission (never sees a reading)");
    let verify_args = VerifyArgs::new(
        submission.clone(),
        keys.join("meter.pub"),
        tariff_path.clone(),
    );
    let started = Instant::now();
    let checked = check_files(&verify_args)?;
    let verifier = build_verifier(store, checked.submission.frame.size)?;
    let accepted = verify_checked(&verifier, &checked)?;
    timings.push(("utility total", started.elapsed().as_secs_f64()));
    let (sub, currency) = (&checked.submission, checked.currency());
    println!(
        "ACCEPTED: meter {} period {}\n  bill   {}\n  energy {} kWh",
        sub.meter_id,
        sub.frame,
        super::format_bill(accepted.bill, currency),
        super::format_kwh(accepted.energy_wh)
    );

    println!("\nTimings:");
    for (name, secs) in &timings {
        println!("  {name:<16} {secs:>8.2} s");
    }
    println!(
        "  of which: proving key {:.2} s, proving {:.2} s",
        keygen.as_secs_f64(),
        prove.as_secs_f64()
    );

    println!("\nTampering: the consumer lowers the bill by 1 nano-unit and resubmits");
    let mut forged = sub.clone();
    forged.bill -= 1;
    let forged_path = dir.join("forged-submission.bin");
    forged.write(&forged_path).map_err(|e| usage("write", e))?;
    let forged_args = VerifyArgs::new(forged_path, keys.join("meter.pub"), tariff_path);
    match check_files(&forged_args).and_then(|c| verify_checked(&verifier, &c)) {
        Err(CliError::Rejected(reason)) => println!("REJECTED as expected: {reason}"),
        Err(e) => return Err(e),
        Ok(_) => {
            return Err(CliError::Usage(
                "the forged submission was accepted: this is a bug".into(),
            ))
        }
    }
    Ok(())
}
