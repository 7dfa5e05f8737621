//! The invoice as a one-page HTML document a person can read: the utility's page (aggregates
//! only: the verified figures and the invoice lines) and the household's own page, which adds
//! what only the household may see (energy and cost per day and per hour of day, the slots
//! that cost most), drawn from its readings.
//!
//! Both pages are one self-contained file: inline CSS and SVG, no script, no image, font or
//! link, and a Content-Security-Policy of `default-src 'none'` so a browser would refuse to
//! load anything even if something slipped in. Every text from a file (ids, labels) is escaped.

mod chart;

use chrono::{Datelike, TimeZone, Timelike};
use chrono_tz::Tz;
use zkmeter_protocol::charges::Rounding;
use zkmeter_protocol::{BillFigures, Frame, Invoice, Period, Tariff};

use chart::Bar;

/// How many of the costliest slots the household page lists.
pub const TOP_SLOTS: usize = 10;

/// `text` escaped for HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{margin-bottom:.2rem}.sub{color:#555;margin-top:0}
table{border-collapse:collapse;width:100%;margin:1rem 0}
td,th{padding:.35rem .5rem;border-bottom:1px solid #ddd;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:bold;border-top:2px solid #222;border-bottom:none}
.note{color:#555;font-size:.9rem}.warn{color:#a40}
.chart .pos{fill:#3b7dd8}.chart .neg{fill:#2a9d55}.chart .axis{stroke:#444}
.chart .tick{font-size:11px;fill:#444}
section{margin-top:2rem}figure{margin:1rem 0}figcaption{font-weight:600}";

/// What both pages show above the invoice.
pub struct Facts<'a> {
    /// The meter id.
    pub meter_id: &'a str,
    /// The frame.
    pub frame: &'a Frame,
    /// The tariff.
    pub tariff: &'a Tariff,
    /// The public figures.
    pub figures: &'a BillFigures,
}

fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'\">\n<meta name=\"viewport\" content=\"width=device-width, \
         initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}\n</style>\n</head>\n<body>\n",
        escape(title)
    )
}

fn row(label: &str, value: &str) -> String {
    format!(
        "<tr><td>{}</td><td class=\"num\">{}</td></tr>\n",
        escape(label),
        escape(value)
    )
}

fn facts_table(f: &Facts<'_>) -> String {
    let unit = f.figures.unit;
    let mut t = String::from("<table class=\"facts\">\n");
    t += &row("Meter", f.meter_id);
    t += &row(
        "Period (UTC)",
        &format!(
            "{} to {}",
            f.frame.start,
            zkmeter_protocol::UtcTime::from_unix(f.frame.end())
                .map(|t| t.to_string())
                .unwrap_or_default()
        ),
    );
    t += &row(
        "Slots",
        &format!("{} of {} min", f.frame.slots, f.frame.slot_minutes),
    );
    t += &row("Tariff", &f.tariff.tariff_id);
    t += &row(
        "Energy imported",
        &format!(
            "{} kWh",
            unit.format_kwh(u128::from(f.figures.import_energy))
        ),
    );
    if f.frame.size.has_export() {
        t += &row(
            "Energy exported",
            &format!(
                "{} kWh",
                unit.format_kwh(u128::from(f.figures.export_energy))
            ),
        );
    }
    t += &row(
        "Energy bill, exact",
        &format!("{} {}", f.figures.bill_text(), f.tariff.currency),
    );
    t += "</table>\n";
    if f.figures.filled > 0 {
        t += &format!(
            "<p class=\"warn\">{} slot(s) were not measured: the meter filled them with zero and \
             signed how many.</p>\n",
            f.figures.filled
        );
    }
    t
}

fn invoice_table(invoice: &Invoice) -> String {
    let cur = escape(&invoice.currency);
    let mut t = format!(
        "<table class=\"invoice\">\n<tr><th>Charge</th><th class=\"num\">Amount ({cur})</th></tr>\n"
    );
    for line in &invoice.lines {
        t += &row(&line.label, &Invoice::text(line.amount, invoice.decimals));
    }
    t += &format!(
        "<tr class=\"total\"><td>Total</td><td class=\"num\" id=\"total\">{} {cur}</td></tr>\n</table>\n",
        escape(&invoice.total_text())
    );
    t += &format!(
        "<p class=\"note\">Each line is exact, then rounded {} to {} decimal(s); the total is \
         the sum of the rounded lines. {} day(s) billed.</p>\n",
        invoice.rounding, invoice.decimals, invoice.days
    );
    t
}

/// The utility's page: the verified figures and the invoice, no reading.
pub fn utility_page(facts: &Facts<'_>, invoice: &Invoice) -> String {
    let mut html = head(&format!("Invoice {} {}", facts.meter_id, facts.frame.start));
    html += &format!(
        "<h1>Invoice</h1>\n<p class=\"sub\">Meter {} &middot; {} day(s) from {}</p>\n",
        escape(facts.meter_id),
        invoice.days,
        facts.frame.start
    );
    html += "<p class=\"note\">The energy bill was proven over the meter's signed readings and \
             verified; the utility saw no reading. Every figure here is an aggregate.</p>\n";
    html += &facts_table(facts);
    html += &invoice_table(invoice);
    html += "</body>\n</html>\n";
    html
}

/// What the household page adds, from the readings.
struct Breakdown {
    /// (local date, import, export, cost) per day, in the meter's units / bill units.
    days: Vec<(chrono::NaiveDate, u64, u64, i128)>,
    /// (import, cost) per local hour of day.
    hours: [(u64, i128); 24],
    /// (slot, cost) of every slot, costliest first.
    slots: Vec<(u32, i128)>,
}

fn breakdown(period: &Period, tariff: &Tariff, tz: Tz) -> Breakdown {
    let export = period.export.as_deref();
    let credits = tariff.export_prices.as_deref();
    let mut days: Vec<(chrono::NaiveDate, u64, u64, i128)> = vec![];
    let mut hours = [(0u64, 0i128); 24];
    let mut slots = vec![];
    for (i, &imp) in period.import.iter().enumerate() {
        let exp = export.map_or(0, |e| e[i]);
        let credit = credits.map_or(0, |c| c[i]);
        let cost =
            i128::from(tariff.prices[i]) * i128::from(imp) - i128::from(credit) * i128::from(exp);
        let t = tz.from_utc_datetime(
            &period
                .frame
                .start
                .to_datetime()
                .checked_add_signed(chrono::Duration::seconds(
                    i as i64 * period.frame.slot_seconds(),
                ))
                .unwrap_or_default()
                .naive_utc(),
        );
        let date = t.date_naive();
        match days.last_mut() {
            Some(d) if d.0 == date => {
                d.1 += u64::from(imp);
                d.2 += u64::from(exp);
                d.3 += cost;
            }
            _ => days.push((date, u64::from(imp), u64::from(exp), cost)),
        }
        let h = &mut hours[t.hour() as usize];
        h.0 += u64::from(imp);
        h.1 += cost;
        slots.push((i as u32, cost));
    }
    slots.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Breakdown { days, hours, slots }
}

/// The household's page: the invoice, and its readings broken down by day, by hour of day and
/// by slot, in time zone `tz`.
pub fn household_page(period: &Period, facts: &Facts<'_>, invoice: &Invoice, tz: Tz) -> String {
    let unit = period.unit;
    let per_kwh = unit.per_kwh() as f64;
    let bill_scale = 10f64.powi(unit.bill_decimals() as i32);
    // Cost text rounded for display to 4 decimals (the invoice lines are the exact ones).
    let cost4 = |c: i128| {
        Invoice::text(
            Rounding::HalfEven.divide(c, unit.bill_decimals().saturating_sub(4)),
            4,
        )
    };
    let cur = escape(&facts.tariff.currency);
    let b = breakdown(period, facts.tariff, tz);

    let mut html = head(&format!(
        "My invoice {} {}",
        facts.meter_id, facts.frame.start
    ));
    html += &format!(
        "<h1>My invoice</h1>\n<p class=\"sub\">Meter {} &middot; {} day(s) from {} &middot; \
         times in {}</p>\n",
        escape(facts.meter_id),
        invoice.days,
        facts.frame.start,
        escape(tz.name())
    );
    html += "<p class=\"note\">Made on this computer from your own readings: keep it to \
             yourself. The utility computes the same invoice from the proven totals alone and \
             never sees what follows the invoice.</p>\n";
    html += &facts_table(facts);
    html += &invoice_table(invoice);

    #[derive(Clone, Copy, PartialEq)]
    enum DayValue {
        Import,
        Export,
        Cost,
    }
    let day_bars = |what: DayValue| -> Vec<Bar> {
        b.days
            .iter()
            .map(|(d, imp, exp, c)| Bar {
                label: d.day().to_string(),
                value: match what {
                    DayValue::Import => *imp as f64 / per_kwh,
                    DayValue::Export => *exp as f64 / per_kwh,
                    DayValue::Cost => *c as f64 / bill_scale,
                },
                tip: format!(
                    "{d}: {} kWh imported, {} kWh exported, {} {}",
                    unit.format_kwh(u128::from(*imp)),
                    unit.format_kwh(u128::from(*exp)),
                    cost4(*c),
                    facts.tariff.currency
                ),
            })
            .collect()
    };
    let hour_bars = |cost: bool| -> Vec<Bar> {
        b.hours
            .iter()
            .enumerate()
            .map(|(h, (imp, c))| Bar {
                label: format!("{h:02}"),
                value: if cost {
                    *c as f64 / bill_scale
                } else {
                    *imp as f64 / per_kwh
                },
                tip: format!(
                    "{h:02}:00-{h:02}:59: {} kWh imported, {} {}",
                    unit.format_kwh(u128::from(*imp)),
                    cost4(*c),
                    facts.tariff.currency
                ),
            })
            .collect()
    };
    let every = b.days.len().div_ceil(16).max(1);
    html += "<section>\n<h2>Per day</h2>\n";
    html += &chart::bars(
        "Energy imported per day",
        "kWh",
        &day_bars(DayValue::Import),
        every,
    );
    if period.export.is_some() {
        html += &chart::bars(
            "Energy exported per day",
            "kWh",
            &day_bars(DayValue::Export),
            every,
        );
    }
    let cost_title = if period.export.is_some() {
        "Energy cost per day, net of export credit"
    } else {
        "Energy cost per day"
    };
    html += &chart::bars(
        cost_title,
        &facts.tariff.currency,
        &day_bars(DayValue::Cost),
        every,
    );
    html += "</section>\n<section>\n<h2>Per hour of day</h2>\n";
    html += &chart::bars(
        "Energy imported per hour of day",
        "kWh",
        &hour_bars(false),
        2,
    );
    html += &chart::bars(
        "Energy cost per hour of day",
        &facts.tariff.currency,
        &hour_bars(true),
        2,
    );
    html += &format!(
        "</section>\n<section>\n<h2>The {} slots that cost most</h2>\n<table class=\"slots\">\n\
         <tr><th>Slot start ({})</th><th class=\"num\">Imported (kWh)</th>\
         <th class=\"num\">Price ({cur}/kWh)</th><th class=\"num\">Cost ({cur})</th></tr>\n",
        TOP_SLOTS.min(b.slots.len()),
        escape(tz.name())
    );
    for &(i, cost) in b.slots.iter().take(TOP_SLOTS) {
        let start = tz.from_utc_datetime(
            &chrono::DateTime::from_timestamp(period.frame.slot_start(i), 0)
                .unwrap_or_default()
                .naive_utc(),
        );
        html += &format!(
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td></tr>\n",
            start.format("%Y-%m-%d %H:%M"),
            unit.format_kwh(u128::from(period.import[i as usize])),
            zkmeter_protocol::invoice::micro_text(facts.tariff.prices[i as usize]),
            cost4(cost)
        );
    }
    html += "</table>\n<p class=\"note\">Slot costs are shown rounded to 4 decimals; the \
             invoice's energy line is their exact sum, rounded once.</p>\n</section>\n";
    html += "</body>\n</html>\n";
    html
}
