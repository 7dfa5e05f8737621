//! `zkmeter meter ...`: the meter simulator.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use zkmeter_import::readings::fit_registers_to_frame;
use zkmeter_import::readings::{
    csv::read_readings_csv, green_button::read_green_button, p1::read_p1,
};
use zkmeter_import::{Fill, Interval};
use zkmeter_meter::{keygen_to_dir, record, synthetic_measured, Measured, MeterSigningKey};
use zkmeter_protocol::{CircuitSize, EnergyUnit, Frame, MeterId, UtcTime, ZkFile};

use super::{usage, CliError};

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
    /// Circuit size: day-15min, month-30min or month-15min for an import register alone, or
    /// day-15min-ie, month-30min-ie or month-15min-ie for import and export registers (a
    /// household with solar panels; the tariff then has export credits). `zkmeter
    /// circuit-info` lists their capacities; the slot count must fit.
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
#[command(group(clap::ArgGroup::new("source").required(true).args(["readings", "green_button", "p1", "synthetic"])))]
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
    /// (unit Wh or kWh) rows, or `timestamp,import_wh,export_wh` for both registers (the
    /// header decides), one per slot start (RFC 3339), any order; BOM, CRLF and quoted
    /// thousands separators ("1,234.5") are accepted. Values are kept exact: whole Wh, or
    /// mWh when a value has decimals (up to 3 for Wh). Rows outside the frame are ignored.
    #[arg(long, value_name = "FILE.csv")]
    readings: Option<PathBuf>,
    /// Read the readings from a Green Button (ESPI) XML download: IntervalReadings in Wh at
    /// any powerOfTenMultiplier, kept exact (10^-3 Wh files are recorded in mWh), delivered
    /// (import) and, for an `-ie` size, received (export, flowDirection 19) blocks, any order.
    /// --start and the slot count select the period; 15-minute readings may fill 30- or
    /// 60-minute slots (summed exactly), longer readings are refused.
    #[arg(long, value_name = "FILE.xml")]
    green_button: Option<PathBuf>,
    /// Read import and export readings from a file of P1 telegrams (DSMR / e-MUCS, the meter's
    /// own port in NL, BE, LU): each slot's reading is the register delta between the
    /// telegrams at its start and end (tariff 1 and 2 registers summed; CRC checked). A
    /// one-register size bills the import register only.
    #[arg(long, value_name = "FILE")]
    p1: Option<PathBuf>,
    /// What to do with slots that have no reading (CSV, Green Button or P1): by default the
    /// file is refused, naming the first missing slot; `zero` bills them as 0 and the meter
    /// signs how many slots it filled, which the utility sees (`verify`, batch report).
    #[arg(long, value_name = "RULE", value_parser = ["zero"])]
    fill_missing: Option<String>,
    /// Generate a deterministic synthetic household from this seed instead (with rooftop
    /// solar for an `-ie` size).
    #[arg(long, value_name = "SEED")]
    synthetic: Option<u64>,
    /// The unit of the synthetic readings: Wh (default) or mWh (10^-3 Wh, as North American
    /// meters count). Imported files keep the unit they count in.
    #[arg(long, value_name = "UNIT", value_parser = parse_unit, requires = "synthetic")]
    unit: Option<EnergyUnit>,
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
            p1: None,
            fill_missing: None,
            synthetic: Some(seed),
            unit: None,
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
            let measured = read_measured(&args, &frame, fill)?;
            let filled = measured.filled;
            let mut rng = rand_core::UnwrapErr(rand::rngs::SysRng);
            let period = record(&key, meter_id, frame, measured, &mut rng)
                .map_err(|e| CliError::Rejected(e.to_string()))?;
            if filled > 0 {
                println!(
                    "filled {filled} slot(s) that had no reading with 0; the meter signed the \
                     count, so the utility sees it"
                );
            }
            period.write(&args.out).map_err(|e| usage("--out", e))?;
            let sum = |r: &[u32]| r.iter().map(|&v| u128::from(v)).sum::<u128>();
            let export = period.export.as_deref().map_or_else(String::new, |e| {
                format!(", export {} kWh", period.unit.format_kwh(sum(e)))
            });
            println!(
                "recorded {} slots ({}) in {}: import {} kWh{export}, signed; period file: {}",
                frame.slots,
                frame,
                period.unit,
                period.unit.format_kwh(sum(&period.import)),
                args.out.display()
            );
            Ok(())
        }
    }
}

/// `Wh`, `mWh` (case-insensitive), or an exponent `0`, `-1`, `-2`, `-3`.
fn parse_unit(text: &str) -> Result<EnergyUnit, String> {
    let exponent = match text.to_ascii_lowercase().as_str() {
        "wh" | "0" => 0,
        "mwh" | "-3" => -3,
        "-1" => -1,
        "-2" => -2,
        _ => {
            return Err(format!(
                "'{text}' is not a unit: Wh, mWh, or an exponent of 10 from -3 to 0"
            ))
        }
    };
    EnergyUnit::new(exponent).map_err(|e| e.to_string())
}

/// The readings of `meter record`'s source, fitted to `frame`.
fn read_measured(args: &RecordArgs, frame: &Frame, fill: Fill) -> Result<Measured, CliError> {
    let rejected = |path: &PathBuf, e: zkmeter_import::ImportError| {
        CliError::Rejected(format!("{}: {e}", path.display()))
    };
    let fit = |path: &PathBuf, import: &[Interval], export: Option<&[Interval]>| {
        let fitted =
            fit_registers_to_frame(import, export, frame, fill).map_err(|e| rejected(path, e))?;
        Ok::<_, CliError>(Measured {
            unit: fitted.unit,
            import: fitted.import,
            export: fitted.export,
            filled: u32::try_from(fitted.filled.len()).unwrap_or(u32::MAX),
        })
    };
    match (&args.readings, &args.green_button, &args.p1, args.synthetic) {
        (Some(csv), ..) => {
            let rows = read_readings_csv(csv, frame).map_err(|e| rejected(csv, e))?;
            let export = export_for_size(frame, csv, rows.export.as_deref())?;
            fit(csv, &rows.import, export)
        }
        (None, Some(xml), ..) => {
            let gb = read_green_button(xml).map_err(|e| rejected(xml, e))?;
            println!(
                "Green Button: {} import reading(s) in {} IntervalBlock(s), {} export reading(s) \
                 in {} block(s){}",
                gb.import.len(),
                gb.blocks,
                gb.export.len(),
                gb.export_blocks,
                if gb.skipped_blocks > 0 {
                    format!(
                        " ({} block(s) of other units or flows skipped)",
                        gb.skipped_blocks
                    )
                } else {
                    String::new()
                }
            );
            // A file without received blocks has no export register (not one with gaps).
            let export = (gb.export_blocks > 0).then_some(&gb.export[..]);
            let export = export_for_size(frame, xml, export)?;
            fit(xml, &gb.import, export)
        }
        (None, None, Some(p1), _) => {
            let telegrams = read_p1(p1, frame).map_err(|e| rejected(p1, e))?;
            println!(
                "P1: {} telegram(s), {} of the frame's {} slot boundaries found",
                telegrams.telegrams,
                telegrams.boundaries,
                frame.slots + 1
            );
            let export = export_for_size(frame, p1, Some(&telegrams.export[..]))?;
            fit(p1, &telegrams.import, export)
        }
        (None, None, None, Some(seed)) => {
            synthetic_measured(frame, seed, args.unit.unwrap_or_default())
                .map_err(|e| usage("--synthetic", e))
        }
        (None, None, None, None) => unreachable!("clap requires one source"),
    }
}

/// The export intervals to bill at `frame`'s size: a two-register size needs them (a source
/// without them is refused); a one-register size bills import only (and says so when the
/// source had export readings).
fn export_for_size<'a>(
    frame: &Frame,
    path: &std::path::Path,
    export: Option<&'a [Interval]>,
) -> Result<Option<&'a [Interval]>, CliError> {
    match (frame.size.has_export(), export) {
        (true, Some(e)) => Ok(Some(e)),
        (true, None) => Err(CliError::Rejected(format!(
            "{}: this source holds the import register only; size {} needs an export register \
             too (use {}, or a source with both: a CSV `timestamp,import_wh,export_wh`, a Green \
             Button file with received (flowDirection 19) blocks, P1 telegrams)",
            path.display(),
            frame.size,
            frame.size.with_export(false)
        ))),
        (false, Some(e)) => {
            if !e.is_empty() {
                println!(
                    "note: the export register is not billed with size {} (use {} to bill it)",
                    frame.size,
                    frame.size.with_export(true)
                );
            }
            Ok(None)
        }
        (false, None) => Ok(None),
    }
}
