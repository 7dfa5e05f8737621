//! The cost of an invoice: `Invoice::compute` for one bill under a month tariff with every
//! kind of charge (standing charge, two levies, three tiers, a minimum charge, two taxes), as
//! the batch job computes it for every accepted row and the plugin before proving.
//!
//! `cargo bench --bench invoice`. Results go to BENCHMARKS.md ("Invoices").

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use zkmeter_protocol::charges::{Charges, Kwh, Levy, LineKind, Percent, Tax, Tier};
use zkmeter_protocol::{BillFigures, CircuitSize, EnergyUnit, Frame, Invoice, Tariff, UtcTime};

fn tariff() -> Tariff {
    let frame = Frame::natural(
        UtcTime::parse("2026-01-01T00:00:00Z").unwrap(),
        15,
        CircuitSize::Month15MinIe,
    )
    .unwrap();
    let slots = frame.slots as usize;
    let prices: Vec<i64> = (0..slots as i64)
        .map(|i| 100_000 + (i * 7919) % 250_000)
        .collect();
    let charges = Charges {
        standing_charge_per_day: Some(604_200),
        levies: vec![
            Levy {
                label: "Climate levy".into(),
                per_kwh: 12_300,
            },
            Levy {
                label: "Grid fee".into(),
                per_kwh: 95_000,
            },
        ],
        tiers: ["100", "300", "1000"]
            .iter()
            .zip([10_000, 20_000, 30_000])
            .map(|(kwh, adder)| Tier {
                above_kwh: Kwh::parse(kwh).unwrap(),
                adder_per_kwh: adder,
            })
            .collect(),
        minimum_charge: Some(10_000_000),
        taxes: vec![
            Tax {
                label: "VAT".into(),
                percent: Percent::parse("20").unwrap(),
                on: None,
            },
            Tax {
                label: "Local tax".into(),
                percent: Percent::parse("1.5").unwrap(),
                on: Some(vec![LineKind::Energy, LineKind::StandingCharge]),
            },
        ],
        ..Charges::default()
    };
    Tariff::with_registers("bench", "GBP", frame, prices, Some(vec![150_000; slots]))
        .unwrap()
        .with_charges(Some(charges))
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let t = tariff();
    let figures = BillFigures {
        unit: EnergyUnit::MILLI_WH,
        bill: 95_811_919_600_123,
        import_energy: 381_420_123,
        export_energy: 120_000_456,
        filled: 0,
    };
    // Energy, export credit, standing charge, 2 levies, 3 tiers, 2 taxes (the minimum is met).
    assert_eq!(Invoice::compute(&t, &figures).lines.len(), 10);
    c.bench_function("invoice/compute month-15min-ie, every charge", |b| {
        b.iter(|| Invoice::compute(black_box(&t), black_box(&figures)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
