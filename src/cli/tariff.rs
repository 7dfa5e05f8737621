//! `zkmeter tariff ...`: tariff files.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use zkmeter_import::decimal::Decimal;
use zkmeter_import::tariffs::{
    agile::read_agile,
    entsoe::{read_entsoe, Resolution},
    prices_for_frame, to_micro,
    urdb::{read_urdb, PER_KWH_SHIFT},
};
use zkmeter_meter::{demo_tariff_in, DEMO_CURRENCY};
use zkmeter_protocol::encoding::format_micro;
use zkmeter_protocol::fs::write_atomic;
use zkmeter_protocol::ids::check_currency;
use zkmeter_protocol::{Frame, PlanId, Tariff};

use zkmeter_protocol::charges::{Charges, Rounding};
use zkmeter_protocol::invoice::micro_text;

use super::{charges::ChargeArgs, meter::FrameArgs, usage, CliError};

const IMPORT_HELP: &str = "\
Prices become micro-currency per kWh (docs/protocol.md, \"Importing readings and prices\"):
exact where the decimal allows, else rounded half to even; |price| <= 2147.483647 per kWh.
A price longer than the frame's slot (hourly on 15-minute slots) is repeated over its slots;
a shorter one is refused. A slot without a price is refused with its timestamp.

Examples:
  zkmeter tariff import agile --file agile.csv --start 2020-03-01T00:00:00Z \\
      --slot-minutes 30 --size month-30min --out tariff.json
  zkmeter tariff import entsoe --file BE.xml --adder 0.12 --start 2024-10-07T22:00:00Z \\
      --slot-minutes 15 --size day-15min --out tariff.json
  zkmeter tariff import entsoe --file DE-LU.xml --resolution PT15M \\
      --start 2025-10-01T22:00:00Z --slot-minutes 15 --size day-15min --out tariff.json
  zkmeter tariff import urdb --file rate.json --tz America/Los_Angeles \\
      --start 2016-07-01T07:00:00Z --slot-minutes 60 --size day-15min --slots 24 --out tariff.json";

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
        /// Currency code written into the tariff: 3 upper-case letters (ISO 4217 style, e.g.
        /// EUR). The prices are the same numbers in any currency.
        #[arg(long, value_name = "CODE", default_value = DEMO_CURRENCY, value_parser = parse_currency)]
        currency: String,
        /// The utility's rate plan the tariff belongs to (docs/batch.md "Rate plans"; default:
        /// none written, the default plan).
        #[arg(long, value_name = "PLAN", value_parser = parse_plan)]
        plan: Option<PlanId>,
        #[command(flatten)]
        charges: ChargeArgs,
        /// Where to write the tariff file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Import a published tariff for a frame: Octopus Agile, ENTSO-E or OpenEI URDB.
    ///
    /// The frame flags (--start, --slot-minutes, --size, --slots) say which slots to price;
    /// the file must cover every one of them.
    #[command(subcommand, after_long_help = IMPORT_HELP)]
    Import(ImportCommand),
}

/// The flags every import takes.
#[derive(Debug, Args)]
pub struct ImportCommon {
    /// The published file.
    #[arg(long, value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    frame: FrameArgs,
    /// The tariff id written into the file (1-64 of A-Z a-z 0-9 . _ -); a default names the
    /// source and the frame's start.
    #[arg(long, value_name = "ID")]
    tariff_id: Option<String>,
    /// The utility's rate plan the tariff belongs to (docs/batch.md "Rate plans"; default:
    /// none written, the default plan).
    #[arg(long, value_name = "PLAN", value_parser = parse_plan)]
    plan: Option<PlanId>,
    /// For a size with an export register (`-ie`): credit each exported kWh at the slot's
    /// import price (retail net metering). Required with an `-ie` size.
    #[arg(long)]
    export_same: bool,
    #[command(flatten)]
    charges: ChargeArgs,
    /// Where to write the tariff file.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Octopus Agile half-hourly unit rates (CSV, p/kWh incl. VAT).
    ///
    /// With --vat (5 for a domestic supply) the prices are divided by 1 + VAT and VAT becomes
    /// its own invoice line; add Octopus's --standing-charge (per day, before VAT).
    ///
    /// As republished by energy-stats.uk: `2020-01-01T00:00:00Z,00:00,A,Eastern_England,9.4815`.
    /// The first field is the UTC start, the last the price; each lasts 30 minutes.
    /// 1 p/kWh = 10000 micro-GBP/kWh; negative prices are kept. Use 30- or 15-minute slots.
    Agile(#[command(flatten)] ImportCommon),
    /// ENTSO-E day-ahead prices (A44 Publication_MarketDocument XML, EUR/MWh).
    ///
    /// Resolutions PT15M, PT30M and PT60M; with curveType A03 a missing position repeats the
    /// last price. 1 EUR/MWh = 1000 micro-EUR/kWh. Hourly prices on 15-minute slots repeat.
    /// A document with series of two resolutions for the same hours (DE-LU: PT60M and PT15M)
    /// is refused unless --resolution picks one.
    Entsoe {
        #[command(flatten)]
        common: ImportCommon,
        /// Keep only the document's series of this resolution (PT15M, PT30M or PT60M); needed
        /// when it has two for the same hours. Hours the kept series does not cover are
        /// missing prices.
        #[arg(long, value_name = "PT15M|PT30M|PT60M")]
        resolution: Option<Resolution>,
        /// A fixed network/levy charge added to every slot, in currency per kWh (e.g. 0.12).
        #[arg(long, value_name = "PER_KWH", allow_hyphen_values = true)]
        adder: Option<String>,
    },
    /// OpenEI URDB time-of-use rate record (JSON, $/kWh).
    ///
    /// A bare record or an API response with one item. Energy rates (rate + adj) on
    /// weekday/weekend 12x24 schedules in the utility's local time (--tz), mapped onto the
    /// UTC frame across DST. Tiers (kWh per month) become tier adders on the month's energy
    /// where the rate splits into a time-of-use price plus tiers (else refused, naming the
    /// periods; tiers need a frame of one local month); the fixed charge
    /// (fixedchargefirstmeter/fixedmonthlycharge) and minimum charge become invoice charges,
    /// a $/month amount prorated by days on a shorter frame. Demand charges are not modelled.
    /// A rate is refused for a frame with a local day before its `startdate` or after its
    /// `enddate` (both inclusive).
    Urdb {
        #[command(flatten)]
        common: ImportCommon,
        /// The utility's time zone (IANA name, e.g. America/Los_Angeles); needed unless the
        /// record has a `timezone` field.
        #[arg(long, value_name = "ZONE")]
        tz: Option<String>,
        /// Currency of the rates: 3 upper-case letters (ISO 4217 style).
        #[arg(long, value_name = "CODE", default_value = "USD", value_parser = parse_currency)]
        currency: String,
    },
}

fn parse_plan(text: &str) -> Result<PlanId, String> {
    PlanId::new(text).map_err(|e| e.to_string())
}

/// A currency code as the protocol takes it ([`check_currency`]).
fn parse_currency(text: &str) -> Result<String, String> {
    check_currency(text)
        .map(|()| text.to_owned())
        .map_err(|e| format!("{e}: 3 upper-case letters (ISO 4217 style, e.g. EUR)"))
}

fn rejected(common: &ImportCommon, e: impl std::fmt::Display) -> CliError {
    CliError::Rejected(format!("{}: {e}", common.file.display()))
}

fn default_id(source: &str, frame: &Frame) -> String {
    format!(
        "{source}-{}",
        frame.start.to_datetime().format("%Y%m%dT%H%MZ")
    )
}

fn write_tariff(
    common: &ImportCommon,
    source: &str,
    currency: &str,
    frame: Frame,
    prices: Vec<i64>,
    base: Charges,
    note: &str,
) -> Result<(), CliError> {
    let id = common
        .tariff_id
        .clone()
        .unwrap_or_else(|| default_id(source, &frame));
    let export = match (frame.size.has_export(), common.export_same) {
        (true, true) => Some(prices.clone()),
        (false, false) => None,
        (true, false) => {
            return Err(usage(
                "--export-same",
                format!(
                    "size {} has an export register: its tariff needs export credits; pass \
                     --export-same to credit exports at the import price (net metering)",
                    frame.size
                ),
            ))
        }
        (false, true) => {
            return Err(usage(
                "--export-same",
                format!("size {} has no export register", frame.size),
            ))
        }
    };
    let charges = common.charges.apply(base)?;
    let tariff = Tariff::with_registers(&id, currency, frame, prices, export)
        .and_then(|t| t.with_charges(Some(charges)))
        .map_err(|e| CliError::Rejected(e.to_string()))?
        .with_plan(common.plan.clone());
    write_atomic(&common.out, tariff.to_json().as_bytes(), false).map_err(|e| usage("--out", e))?;
    summary(&tariff, &common.out);
    if !note.is_empty() {
        println!("  {note}");
    }
    Ok(())
}

fn summary(tariff: &Tariff, out: &std::path::Path) {
    let min = tariff.prices.iter().min().copied().unwrap_or(0);
    let max = tariff.prices.iter().max().copied().unwrap_or(0);
    let negative = tariff.prices.iter().filter(|&&p| p < 0).count();
    println!(
        "tariff {} (plan {}, {}): {} prices from {} to {} {}/kWh, {} negative; written to {}",
        tariff.tariff_id,
        tariff.plan_id(),
        tariff.frame,
        tariff.prices.len(),
        format_micro(min),
        format_micro(max),
        tariff.currency,
        negative,
        out.display()
    );
    if let Some(c) = &tariff.charges {
        println!("  charges: {}", charges_summary(c, &tariff.currency));
    }
}

/// One line naming every charge of a tariff.
fn charges_summary(c: &Charges, currency: &str) -> String {
    let mut parts = vec![];
    if let Some(s) = c.standing_charge_per_day {
        parts.push(format!("standing charge {}/day", micro_text(s)));
    }
    if let Some(f) = c.fixed_charge_per_period {
        parts.push(format!("fixed charge {}/period", micro_text(f)));
    }
    for l in &c.levies {
        parts.push(format!("{} {}/kWh", l.label, micro_text(l.per_kwh)));
    }
    for t in &c.tiers {
        parts.push(format!(
            "tier above {} kWh {}/kWh",
            t.above_kwh,
            micro_text(t.adder_per_kwh)
        ));
    }
    if let Some(m) = c.minimum_charge {
        parts.push(format!("minimum charge {}", micro_text(m)));
    }
    for t in &c.taxes {
        parts.push(format!("{} {} %", t.label, t.percent));
    }
    parts.push(format!(
        "amounts in {currency} rounded {} to {} decimal(s) per line",
        c.rounding,
        c.minor_unit(currency)
    ));
    parts.join(", ")
}

fn rounded_note(rounded: usize) -> String {
    if rounded == 0 {
        String::new()
    } else {
        format!(
            "{rounded} price(s) in the file had sub-micro precision and were rounded half to even"
        )
    }
}

pub fn run(command: TariffCommand) -> Result<(), CliError> {
    match command {
        TariffCommand::Demo {
            frame,
            seed,
            currency,
            plan,
            charges,
            out,
        } => {
            let frame = frame.frame()?;
            let charges = charges.apply(Charges::default())?;
            let tariff = demo_tariff_in(&frame, seed, &currency)
                .map_err(|e| usage("tariff demo", e))?
                .with_plan(plan)
                .with_charges(Some(charges))
                .map_err(|e| usage("tariff demo", e))?;
            write_atomic(&out, tariff.to_json().as_bytes(), false)
                .map_err(|e| usage("--out", e))?;
            summary(&tariff, &out);
            Ok(())
        }
        TariffCommand::Import(ImportCommand::Agile(common)) => {
            let frame = common.frame.frame()?;
            let agile = read_agile(&common.file).map_err(|e| rejected(&common, e))?;
            let mut prices =
                prices_for_frame(&agile.prices, &frame).map_err(|e| rejected(&common, e))?;
            let mut note = rounded_note(agile.rounded);
            // Agile's published prices include VAT: with --vat it becomes its own line, so the
            // slot prices are the prices before it.
            if let Some(vat) = common.charges.vat_percent()? {
                let divisor = 1_000_000 + i128::from(vat.millionths());
                for p in &mut prices {
                    *p = Rounding::HalfEven.divide_by(i128::from(*p) * 1_000_000, divisor) as i64;
                }
                note = format!(
                    "{note}{}prices include VAT: divided by 1 + {vat} % (rounded half to even \
                     to micro-GBP/kWh); VAT is its own invoice line",
                    if note.is_empty() { "" } else { "; " }
                );
            }
            write_tariff(
                &common,
                "agile",
                "GBP",
                frame,
                prices,
                Charges::default(),
                &note,
            )
        }
        TariffCommand::Import(ImportCommand::Entsoe {
            common,
            resolution,
            adder,
        }) => {
            let frame = common.frame.frame()?;
            let doc = read_entsoe(&common.file, resolution).map_err(|e| rejected(&common, e))?;
            let mut prices =
                prices_for_frame(&doc.prices, &frame).map_err(|e| rejected(&common, e))?;
            let mut note = rounded_note(doc.rounded);
            if let Some(r) = resolution {
                note = format!(
                    "{note}{}only the document's {r} series kept",
                    if note.is_empty() { "" } else { "; " }
                );
            }
            if let Some(text) = adder {
                let d = Decimal::parse(&text).map_err(|e| usage("--adder", e))?;
                let add = to_micro(&d, PER_KWH_SHIFT, "--adder", "adder")
                    .map_err(|e| usage("--adder", e))?;
                if add.rounded {
                    return Err(usage(
                        "--adder",
                        format!("{text} has more than 6 decimals of a currency unit per kWh"),
                    ));
                }
                for p in &mut prices {
                    *p += add.micro_per_kwh;
                }
                note = format!(
                    "{note}{}adder {} {}/kWh included in every price",
                    if note.is_empty() { "" } else { "; " },
                    format_micro(add.micro_per_kwh),
                    doc.currency
                );
            }
            write_tariff(
                &common,
                "entsoe",
                &doc.currency,
                frame,
                prices,
                Charges::default(),
                &note,
            )
        }
        TariffCommand::Import(ImportCommand::Urdb {
            common,
            tz,
            currency,
        }) => {
            let frame = common.frame.frame()?;
            let rate = read_urdb(&common.file).map_err(|e| rejected(&common, e))?;
            let zone = rate.zone(tz.as_deref()).map_err(|e| rejected(&common, e))?;
            let prices = rate
                .prices_for_frame(&frame, zone)
                .map_err(|e| rejected(&common, e))?;
            let mut note = format!(
                "URDB {} ({}), {} period(s), local time {zone}; holidays not modelled",
                rate.name.as_deref().unwrap_or("rate"),
                rate.label.as_deref().unwrap_or("no label"),
                rate.period_prices.len()
            );
            let r = rounded_note(rate.rounded);
            if !r.is_empty() {
                note = format!("{note}; {r}");
            }
            let (base, notes) = rate
                .charges_for_frame(&frame, zone)
                .map_err(|e| rejected(&common, e))?;
            for n in notes {
                note = format!("{note}; {n}");
            }
            write_tariff(&common, "urdb", &currency, frame, prices, base, &note)
        }
    }
}
