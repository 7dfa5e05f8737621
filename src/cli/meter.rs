//! `zkmeter meter ...`: the meter simulator.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use zkmeter_import::readings::{csv::read_readings_csv, green_button::read_green_button};
use zkmeter_import::{fit_to_frame, Fill, FrameReadings};
use zkmeter_meter::{keygen_to_dir, record, synthetic_readings, MeterSigningKey};
use zkmeter_protocol::{CircuitSize, EnergyUnit, Frame, MeterId, UtcTime, ZkFile};

use super::{format_kwh, usage, CliError};

#[derive(Debug, Subcommand)]
pub enum MeterCommand {
    /// Generate a meter key pair: DIR/meter.key (PKCS#8 PEM, private) and DIR/meter.pub (SPKI
    /// PEM, to register with the utility). Existing files are never overwritten.
    Keygen {
        /// Directory to write the keys into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Record and sign one billing period: readings, blinding value, commitment, signature.
    ///
    /// The period file stays on the consumer's side (it holds the readings).
    Record(Box<RecordArgs>),
}

/// The frame flags shared by `meter record` and `tariff demo|import`.
#[derive(Debug, Args)]
pub struct FrameArgs {
    /// Start of the period, RFC 3339 (e.g. 2026-01-01T00:00:00Z), aligned to the slot length.
    #[arg(long, value_name = "RFC3339", required_unless_present = "local_day")]
    pub start: Option<String>,
    /// Instead of --start/--slots: one local calendar day (YYYY-MM-DD) in --local-tz, from
    /// local midnight to the next, with its real slot count (a DST day has 23 or 25 hours:
    /// 92 or 100 quarter-hours).
    #[arg(long, value_name = "DATE", requires = "local_tz", conflicts_with_all = ["start", "slots"])]
    pub local_day: Option<String>,
    /// The time zone of --local-day (IANA name, e.g. Europe/London).
    #[arg(long, value_name = "ZONE", requires = "local_day")]
    pub local_tz: Option<String>,
    /// Slot length in minutes: 15, 30 or 60.
    #[arg(long, value_name = "M")]
    pub slot_minutes: u16,
    /// Circuit size: day-15min, month-30min or month-15min (`zkmeter circuit-info` lists their
    /// capacities); the slot count must fit.
    #[arg(long, value_name = "NAME", value_parser = super::parse_size)]
    pub size: CircuitSize,
    /// Number of slots. Default: one UTC day for day sizes, one calendar month for month sizes
    /// (so a 28-day February has 2688 quarter-hours).
    #[arg(long, value_name = "N")]
    pub slots: Option<u32>,
}

impl FrameArgs {
    /// Frame flags for `start` with the natural slot count.
    pub fn natural(start: &str, slot_minutes: u16, size: CircuitSize) -> Self {
        FrameArgs {
            start: Some(start.into()),
            local_day: None,
            local_tz: None,
            slot_minutes,
            size,
            slots: None,
        }
    }

    /// The frame these flags describe.
    pub fn frame(&self) -> Result<Frame, CliError> {
        if let (Some(day), Some(tz)) = (&self.local_day, &self.local_tz) {
            return zkmeter_import::local::local_day_frame(
                day,
                tz,
                self.slot_minutes,
                Some(self.size),
            )
            .map_err(|e| usage("--local-day", e));
        }
        let text = self
            .start
            .as_deref()
            .ok_or_else(|| usage("frame", "--start or --local-day is required"))?;
        let start = UtcTime::parse(text).map_err(|e| usage("--start", e))?;
        match self.slots {
            Some(n) => Frame::new(start, self.slot_minutes, n, self.size),
            None => Frame::natural(start, self.slot_minutes, self.size),
        }
        .map_err(|e| usage("frame", e))
    }
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["readings", "green_button", "synthetic"])))]
pub struct RecordArgs {
    /// The meter's private key (PKCS#8 PEM).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The meter id registered with the utility (1-64 of A-Z a-z 0-9 . _ -).
    #[arg(long, value_name = "ID")]
    meter_id: String,
    #[command(flatten)]
    frame: FrameArgs,
    /// Read the readings from a CSV: `timestamp,wh`, `timestamp,kwh` or `timestamp,value,unit`
    /// (unit Wh or kWh) rows, one per slot start (RFC 3339), any order; an optional header,
    /// BOM, CRLF and quoted thousands separators ("1,234.5") are accepted. Values are converted
    /// to Wh exactly (a fraction of a Wh is refused). Rows outside the frame are ignored.
    #[arg(long, value_name = "FILE.csv")]
    readings: Option<PathBuf>,
    /// Read the readings from a Green Button (ESPI) XML download: IntervalReadings of the
    /// ReadingType in Wh (scaled by powerOfTenMultiplier), any order, any number of
    /// IntervalBlocks. --start and the slot count select the period; 15-minute readings may
    /// fill 30- or 60-minute slots (summed exactly), longer readings are refused.
    #[arg(long, value_name = "FILE.xml")]
    green_button: Option<PathBuf>,
    /// What to do with slots that have no reading (CSV or Green Button): by default the file
    /// is refused, naming the first missing slot; `zero` bills them as 0 Wh and records
    /// `fill: "zero-N-slots"` in the period file.
    #[arg(long, value_name = "RULE", value_parser = ["zero"])]
    fill_missing: Option<String>,
    /// Generate a deterministic synthetic household from this seed instead.
    #[arg(long, value_name = "SEED")]
    synthetic: Option<u64>,
    /// Where to write the period file.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

impl RecordArgs {
    /// Arguments for a synthetic period with the natural slot count.
    pub fn new(
        key: PathBuf,
        meter_id: &str,
        start: &str,
        slot_minutes: u16,
        size: CircuitSize,
        seed: u64,
        out: PathBuf,
    ) -> Self {
        RecordArgs {
            key,
            meter_id: meter_id.into(),
            frame: FrameArgs::natural(start, slot_minutes, size),
            readings: None,
            green_button: None,
            fill_missing: None,
            synthetic: Some(seed),
            out,
        }
    }
}

pub fn run(command: MeterCommand) -> Result<(), CliError> {
    match command {
        MeterCommand::Keygen { out } => {
            std::fs::create_dir_all(&out).map_err(|e| usage(out.display(), e))?;
            let (key, public) = keygen_to_dir(&out).map_err(|e| usage("meter keygen", e))?;
            println!("private key: {}", key.display());
            println!(
                "public key:  {}  (register this with the utility)",
                public.display()
            );
            Ok(())
        }
        MeterCommand::Record(args) => {
            let key = MeterSigningKey::read_pem(&args.key).map_err(|e| usage("--key", e))?;
            let meter_id = MeterId::new(&args.meter_id).map_err(|e| usage("--meter-id", e))?;
            let frame = args.frame.frame()?;
            let fill = match args.fill_missing.as_deref() {
                Some("zero") => Fill::Zero,
                _ => Fill::Reject,
            };
            let rejected = |path: &PathBuf, e: zkmeter_import::ImportError| {
                CliError::Rejected(format!("{}: {e}", path.display()))
            };
            let (readings, filled) = match (&args.readings, &args.green_button, args.synthetic) {
                (Some(csv), _, _) => {
                    let read = read_readings_csv(csv, &frame).map_err(|e| rejected(csv, e))?;
                    if read.export.is_some() {
                        return Err(CliError::Rejected(format!(
                            "{}: an export register (timestamp,import_wh,export_wh) is not \
                             supported yet",
                            csv.display()
                        )));
                    }
                    let r =
                        fit_to_frame(&read.import, &frame, fill).map_err(|e| rejected(csv, e))?;
                    whole_wh(r, &frame, csv)?
                }
                (None, Some(xml), _) => {
                    let gb = read_green_button(xml).map_err(|e| rejected(xml, e))?;
                    println!(
                        "Green Button: {} Wh readings in {} IntervalBlock(s){}{}",
                        gb.import.len(),
                        gb.blocks,
                        if gb.skipped_blocks > 0 {
                            format!(" ({} non-Wh block(s) skipped)", gb.skipped_blocks)
                        } else {
                            String::new()
                        },
                        if gb.export_blocks > 0 {
                            format!(
                                " ({} export block(s) ignored: export registers are not \
                                 supported yet)",
                                gb.export_blocks
                            )
                        } else {
                            String::new()
                        }
                    );
                    let r = fit_to_frame(&gb.import, &frame, fill).map_err(|e| rejected(xml, e))?;
                    whole_wh(r, &frame, xml)?
                }
                (None, None, Some(seed)) => (
                    synthetic_readings(&frame, seed).map_err(|e| usage("--synthetic", e))?,
                    vec![],
                ),
                (None, None, None) => unreachable!("clap requires one source"),
            };
            let mut rng = rand_core::UnwrapErr(rand::rngs::SysRng);
            let mut period = record(&key, meter_id, frame, readings, &mut rng)
                .map_err(|e| CliError::Rejected(e.to_string()))?;
            // The fill rule is not part of the signed statement: it tells the consumer how the
            // readings were completed, and travels with them in the (private) period file.
            period.fill = fill.record_name(filled.len());
            if let Some(&first) = filled.first() {
                let first =
                    UtcTime::from_unix(first).map_or_else(|_| first.to_string(), |t| t.to_string());
                println!(
                    "filled {} slot(s) with no reading with 0 Wh (first: {first}); recorded as fill '{}'",
                    filled.len(),
                    period.fill.as_deref().unwrap_or_default()
                );
            }
            period.write(&args.out).map_err(|e| usage("--out", e))?;
            let energy: u64 = period.readings.iter().map(|&r| u64::from(r)).sum();
            println!(
                "recorded {} slots ({}), {} kWh, signed; period file: {}",
                frame.slots,
                frame,
                format_kwh(energy),
                args.out.display()
            );
            Ok(())
        }
    }
}

/// The readings in whole Wh, as the period file holds them until it carries a unit: readings
/// imported in a finer unit are converted when every slot is a whole number of Wh, else
/// refused (units finer than Wh are not supported yet).
fn whole_wh(
    r: FrameReadings,
    frame: &Frame,
    path: &Path,
) -> Result<(Vec<u32>, Vec<i64>), CliError> {
    let from = i32::from(r.unit.exponent());
    let mut wh = Vec::with_capacity(r.readings.len());
    for (i, &v) in r.readings.iter().enumerate() {
        let whole = EnergyUnit::WH
            .rescale(u64::from(v), from)
            .and_then(|w| u32::try_from(w).ok());
        match whole {
            Some(w) => wh.push(w),
            None => {
                let start = frame.slot_start(i as u32);
                let start =
                    UtcTime::from_unix(start).map_or_else(|_| start.to_string(), |t| t.to_string());
                return Err(CliError::Rejected(format!(
                    "{}: the slot starting {start} holds {v} {} (not a whole number of Wh): \
                     readings in {} are not supported yet",
                    path.display(),
                    r.unit,
                    r.unit
                )));
            }
        }
    }
    Ok((wh, r.filled))
}
