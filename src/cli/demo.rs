//! `zkmeter demo`: meter -> privacy plugin -> utility on built-in data, then a tampered bill.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use zkmeter_import::readings::green_button::parse_green_button;
use zkmeter_import::tariffs::{agile::parse_agile, prices_for_frame};
use zkmeter_import::{fit_to_frame, Fill};
use zkmeter_meter::MeterSigningKey;
use zkmeter_protocol::fs::write_atomic;
use zkmeter_protocol::{CircuitSize, Frame, MeterId, Tariff, UtcTime, ZkFile};

use super::{
    charges::ChargeArgs,
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
    /// Real data instead of synthetic: a day of the OpenESPI Green Button 15-minute profile
    /// (US, March 2012) billed half-hourly under the real Octopus Agile region A prices of the
    /// same weekday in 2020 (the profile is shifted by whole weeks; the output says so).
    /// Ignores --size, --slot-minutes and --start.
    #[arg(long)]
    real: bool,
}

/// The built-in Green Button profile (a byte-exact copy; see its PROVENANCE.txt).
const REAL_PROFILE: &[u8] =
    include_bytes!("../../import/tests/fixtures/gb-openespi-15min/test_usage_data.xml");
/// The built-in Agile prices (a byte-exact excerpt; see its PROVENANCE.txt).
const REAL_AGILE: &[u8] = include_bytes!(
    "../../import/tests/fixtures/agile-prices-energy-stats-A/csv_agile_A_Eastern_England__2020_excerpt.csv"
);
/// The profile day billed: Tuesday 2012-03-06 (UTC).
const REAL_PROFILE_DAY: &str = "2012-03-06T00:00:00Z";
/// Whole weeks the profile is shifted by: 2012-03-06 + 417 weeks = Tuesday 2020-03-03.
const REAL_SHIFT_WEEKS: i64 = 417;
/// The real frame's slot length: Agile prices are half-hourly.
const REAL_SLOT_MINUTES: u16 = 30;
/// One UTC day of half-hours.
const REAL_SLOTS: u32 = 48;

/// Records the real profile's day (shifted onto 2020) and imports the Agile tariff for it.
fn real_inputs(keys: &Path, period: &Path, tariff_path: &Path) -> Result<(), CliError> {
    let shift = REAL_SHIFT_WEEKS * 7 * 86_400;
    let profile_start = UtcTime::parse(REAL_PROFILE_DAY).map_err(|e| usage("demo", e))?;
    let start = UtcTime::from_unix(profile_start.unix() + shift).map_err(|e| usage("demo", e))?;
    let size = CircuitSize::smallest_fitting(REAL_SLOTS as usize, 1)
        .ok_or_else(|| usage("demo", "no circuit size holds a day of half-hours"))?;
    let frame =
        Frame::new(start, REAL_SLOT_MINUTES, REAL_SLOTS, size).map_err(|e| usage("demo", e))?;

    println!(
        "\n[2/5] meter: record and sign a day of a real Green Button profile\n  \
         OpenESPI sample (test_usage_data.xml, 15-minute Wh readings, US Eastern, March 2012)\n  \
         profile day {profile_start} shifted by {REAL_SHIFT_WEEKS} whole weeks onto {start} \
         (same weekday) to meet the 2020 prices"
    );
    let mut gb = parse_green_button(REAL_PROFILE).map_err(|e| usage("built-in profile", e))?;
    for iv in &mut gb.import {
        iv.start += shift;
    }
    let fitted =
        fit_to_frame(&gb.import, &frame, Fill::Reject).map_err(|e| usage("built-in profile", e))?;
    if fitted.unit != zkmeter_protocol::EnergyUnit::WH {
        return Err(usage(
            "built-in profile",
            format!("readings in {} are not supported yet", fitted.unit),
        ));
    }
    let readings = fitted.readings;
    let key = MeterSigningKey::read_pem(&keys.join("meter.key")).map_err(|e| usage("key", e))?;
    let meter_id = MeterId::new("demo-meter-real").map_err(|e| usage("demo", e))?;
    let mut rng = rand_core::UnwrapErr(rand::rngs::SysRng);
    let measured = zkmeter_meter::Measured::import_wh(readings);
    let p = zkmeter_meter::record(&key, meter_id, frame, measured, &mut rng)
        .map_err(|e| CliError::Rejected(e.to_string()))?;
    p.write(period).map_err(|e| usage("write", e))?;
    let energy: u128 = p.import.iter().map(|&r| u128::from(r)).sum();
    println!(
        "recorded {} slots ({frame}), 15-minute readings summed into half-hours, {} kWh, signed",
        frame.slots,
        p.unit.format_kwh(energy)
    );

    println!(
        "\n[3/5] utility: publish the period's tariff: Octopus Agile region A (Eastern England), \
         p/kWh incl. VAT, 2020"
    );
    let agile = parse_agile(REAL_AGILE).map_err(|e| usage("built-in Agile prices", e))?;
    let prices =
        prices_for_frame(&agile.prices, &frame).map_err(|e| usage("built-in Agile prices", e))?;
    let negative = prices.iter().filter(|&&p| p < 0).count();
    let tariff = Tariff::new("agile-A-20200303", "GBP", frame, prices)
        .map_err(|e| CliError::Rejected(e.to_string()))?;
    write_atomic(tariff_path, tariff.to_json().as_bytes(), false).map_err(|e| usage("write", e))?;
    println!(
        "tariff {}: {} half-hourly prices, {} negative; 1 p/kWh = 10000 micro-GBP/kWh, exact",
        tariff.tariff_id,
        tariff.prices.len(),
        negative
    );
    Ok(())
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
    let mut timed = |name: &'static str, f: &mut dyn FnMut() -> Result<(), CliError>| {
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

    let period = dir.join("period.bin");
    let tariff_path = dir.join("tariff.json");
    if args.real {
        timed("real inputs", &mut || {
            real_inputs(&keys, &period, &tariff_path)
        })?;
    } else {
        synthetic_inputs(&args, &keys, &period, &tariff_path, &mut timed)?;
    }

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
    let verifier = build_verifier(store, &checked)?;
    let accepted = verify_checked(&verifier, &checked)?;
    timings.push(("utility total", started.elapsed().as_secs_f64()));
    let (sub, currency) = (&checked.submission, checked.currency());
    println!(
        "ACCEPTED: meter {} period {}\n  {}",
        sub.meter_id,
        sub.frame,
        super::describe(&accepted.figures, currency)
    );
    let invoice = zkmeter_protocol::Invoice::compute(checked.tariff(), &accepted.figures);
    print!(
        "  the utility's invoice (the same as the plugin's preview):\n{}",
        invoice.to_text()
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

/// A step runner that times each named step.
type Timed<'a> =
    dyn FnMut(&'static str, &mut dyn FnMut() -> Result<(), CliError>) -> Result<(), CliError> + 'a;

/// Records a synthetic period and writes the demo tariff (the default demo).
fn synthetic_inputs(
    args: &DemoArgs,
    keys: &Path,
    period: &Path,
    tariff_path: &Path,
    timed: &mut Timed<'_>,
) -> Result<(), CliError> {
    println!("\n[2/5] meter: record and sign a period of synthetic household readings");
    timed("meter record", &mut || {
        meter::run(MeterCommand::Record(Box::new(RecordArgs::new(
            keys.join("meter.key"),
            "demo-meter-0001",
            &args.start,
            args.slot_minutes,
            args.size,
            7,
            period.to_path_buf(),
        ))))
    })?;

    println!("\n[3/5] utility: publish the period's dynamic tariff");
    timed("tariff", &mut || {
        tariff::run(TariffCommand::Demo {
            frame: FrameArgs::natural(&args.start, args.slot_minutes, args.size),
            seed: 2026,
            currency: zkmeter_meter::DEMO_CURRENCY.to_owned(),
            plan: None,
            // A household invoice: a daily standing charge and 5 % VAT on every line.
            charges: ChargeArgs {
                standing_charge: Some("0.6042".into()),
                vat: Some("5".into()),
                ..ChargeArgs::default()
            },
            out: tariff_path.to_path_buf(),
        })
    })?;
    Ok(())
}
