//! No input panics an importer: every truncation point and many deterministic random byte
//! changes of small real files go through each parser (and the frame fitting), which must
//! return `Ok` or a typed error. The honest file is checked to parse first.

use std::path::Path;

use zkmeter_import::readings::csv::parse_readings_csv;
use zkmeter_import::readings::green_button::parse_green_button;
use zkmeter_import::readings::p1::{parse_p1, parse_p1_telegrams};
use zkmeter_import::tariffs::agile::parse_agile;
use zkmeter_import::tariffs::entsoe::{parse_entsoe, Resolution};
use zkmeter_import::tariffs::prices_for_frame;
use zkmeter_import::tariffs::urdb::parse_urdb;
use zkmeter_import::{fit_registers_to_frame, fit_to_frame, Fill};
use zkmeter_protocol::CircuitSize;
use zkmeter_protocol::{Frame, UtcTime};

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(rel),
    )
    .unwrap()
}

/// xorshift64*: a deterministic stream of pseudo-random numbers.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Truncations at `steps` points and `flips` random single-byte changes (bytes chosen to
/// matter: digits, '<', '>', '"', ',', '-', 0xFF), each handed to `check`.
fn mutate(honest: &[u8], steps: usize, flips: usize, check: &dyn Fn(&[u8])) {
    check(honest);
    for i in 0..steps {
        check(&honest[..honest.len() * i / steps]);
    }
    let alphabet = b"0123456789<>\",-./:e\xff \n";
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..flips {
        let mut v = honest.to_vec();
        let at = (rng.next() % v.len() as u64) as usize;
        v[at] = alphabet[(rng.next() % alphabet.len() as u64) as usize];
        check(&v);
    }
}

fn frame(start: &str, minutes: u16, slots: u32) -> Frame {
    let size = CircuitSize::smallest_fitting(slots as usize, 1).unwrap();
    Frame::new(UtcTime::parse(start).unwrap(), minutes, slots, size).unwrap()
}

#[test]
fn green_button_never_panics() {
    let honest = read("gb-gba-sample-hourly-daily/electric_containerized_abridged.xml");
    assert!(parse_green_button(&honest).is_ok());
    let f = frame("2011-01-01T08:00:00Z", 60, 16);
    mutate(&honest, 300, 1500, &|b| {
        if let Ok(gb) = parse_green_button(b) {
            let _ = fit_to_frame(&gb.import, &f, Fill::Zero);
            let _ = fit_to_frame(&gb.import, &f, Fill::Reject);
        }
    });
}

#[test]
fn green_button_with_two_registers_never_panics() {
    let honest = read("gb-pge-hourly-mwh-export/pge_electricity_forward_reverse.xml");
    assert!(parse_green_button(&honest).is_ok());
    let f = frame("2016-03-21T07:00:00Z", 60, 24);
    mutate(&honest, 200, 1000, &|b| {
        if let Ok(gb) = parse_green_button(b) {
            let _ = fit_registers_to_frame(&gb.import, Some(&gb.export), &f, Fill::Zero);
            let _ = fit_registers_to_frame(&gb.import, Some(&gb.export), &f, Fill::Reject);
        }
    });
}

#[test]
fn entsoe_never_panics() {
    let honest = read("entsoe-dayahead-xml/BE_60M.xml");
    assert!(parse_entsoe(&honest, None).is_ok());
    let f = frame("2024-10-07T22:00:00Z", 15, 96);
    mutate(&honest, 300, 1500, &|b| {
        if let Ok(e) = parse_entsoe(b, None) {
            let _ = prices_for_frame(&e.prices, &f);
        }
    });
    // The derived two-series document, with no resolution chosen and with each one.
    let two = read("entsoe-dayahead-xml-derived/BE_60M_and_PT15M.xml");
    assert!(parse_entsoe(&two, Some(Resolution::Pt15m)).is_ok());
    mutate(&two, 300, 1500, &|b| {
        for pick in [None, Some(Resolution::Pt15m), Some(Resolution::Pt60m)] {
            if let Ok(e) = parse_entsoe(b, pick) {
                let _ = prices_for_frame(&e.prices, &f);
            }
        }
    });
}

#[test]
fn urdb_never_panics() {
    let honest = read("urdb-rates/REopt_API__Run6c15335f__SCE_TOU-8_OptionB_2016__urdb.json");
    assert!(parse_urdb(&honest).is_ok());
    let f = frame("2016-03-13T08:00:00Z", 15, 92);
    mutate(&honest, 300, 1500, &|b| {
        if let Ok(r) = parse_urdb(b) {
            if let Ok(tz) = r.zone(Some("America/Los_Angeles")) {
                let _ = r.prices_for_frame(&f, tz);
            }
        }
    });
}

#[test]
fn csv_importers_never_panic() {
    let agile = read("agile-prices-energy-stats-A/csv_agile_A_Eastern_England__2020_excerpt.csv");
    let head = &agile[..agile
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .nth(49)
        .unwrap()
        .0
        + 1];
    assert!(parse_agile(head).is_ok());
    let f = frame("2020-01-01T00:00:00Z", 30, 48);
    mutate(head, 300, 1500, &|b| {
        if let Ok(a) = parse_agile(b) {
            let _ = prices_for_frame(&a.prices, &f);
        }
    });
    let readings = b"\xef\xbb\xbftimestamp,value,unit\n2026-01-01T00:00:00Z,\"1,234.5\",kWh\n2026-01-01T01:00:00Z,7,Wh\n";
    let f = frame("2026-01-01T00:00:00Z", 60, 2);
    assert!(parse_readings_csv(readings, &f).is_ok());
    let check = |b: &[u8]| {
        if let Ok(csv) = parse_readings_csv(b, &f) {
            let _ = fit_registers_to_frame(&csv.import, csv.export.as_deref(), &f, Fill::Zero);
        }
    };
    mutate(readings, 90, 3000, &check);
    let two = b"timestamp,import_wh,export_wh\n2026-01-01T00:00:00Z,\"1,067.3\",0.001\n2026-01-01T01:00:00Z,7,0\n";
    assert!(parse_readings_csv(two, &f).is_ok_and(|csv| csv.export.is_some()));
    mutate(two, 90, 3000, &check);
}

#[test]
fn p1_never_panics() {
    // Three consecutive real telegrams (lines 17..121 of the capture: 14:05:19Z..14:05:21Z).
    let capture = read("p1/dsmr-tools/ttyUSB0-raw.txt");
    let lines: Vec<&[u8]> = capture.split_inclusive(|&b| b == b'\n').collect();
    let honest = lines[16..16 + 3 * 35].concat();
    assert_eq!(parse_p1_telegrams(&honest).map(|t| t.len()).ok(), Some(3));
    let f = frame("2019-03-24T14:00:00Z", 15, 1);
    mutate(&honest, 300, 3000, &|b| {
        let _ = parse_p1_telegrams(b);
        if let Ok(r) = parse_p1(b, &f) {
            let _ = fit_to_frame(&r.import, &f, Fill::Zero);
        }
    });
}
