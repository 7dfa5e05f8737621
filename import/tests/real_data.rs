//! Every third-party data file in `tests/fixtures/` (byte-exact copies of the shared `data/` folder beside the repository,
//! each folder with its PROVENANCE.txt; `gb-pge-hourly-mwh-export/` is taken from a public
//! repository, see its README.md) imported, with figures computed independently of the
//! importer. How each figure was computed is written above it:
//!
//! * PG&E Green Button (import and export in 10^-3 Wh, `ns0:` prefixes): `pge.py FILE LO HI`,
//!   the one-liner quoted above its test, which splits the file at each `flowDirection` and
//!   sums the readings after it.
//! * Green Button: `python3 gb.py FILE [LO HI]` where gb.py is
//!   `re.findall(r'<IntervalReading>.*?<start>(\d+)</start>.*?<value>(\d+)</value>', text, re.S)`
//!   then count / sum / first / last (window: starts in `[LO, HI)`, sorted).
//! * Agile: `wc -l`, `awk -F, '$5<0' FILE | wc -l`, and Python `decimal.Decimal(field5) * 10000`
//!   summed over the window (every price has at most 4 decimals, so this is exact).
//! * ENTSO-E: `grep -o '<position>..\|<price.amount>..' | paste - - | awk '{s+=$2*1000}'`.
//!   The derived two-series document (`entsoe-dayahead-xml-derived/`, see its PROVENANCE.txt):
//!   per `<TimeSeries>`, Python `re.findall(r'<position>(\d+)</position>\s*<price.amount>([^<]+)<')`,
//!   gaps filled with the previous price (A03), `decimal.Decimal(price) * 1000`, each hourly
//!   price repeated four times on a quarter-hour frame, then sum / first five / last.
//! * URDB: the schedules and rates read off the JSON with `python3 -c 'json.load(...)'`.
//!   Dates: `date -u -d @N` of `startdate` / `enddate`: SCE TOU-8 B 1451610000 =
//!   2016-01-01T01:00Z and 1483146000 = 2016-12-31T01:00Z, Georgia 1546304400 = 2019-01-01T01:00Z,
//!   NIPSCO 1525042800 = 2018-04-29T23:00Z (nearest midnight: 2018-04-30), SCE TOU-8 D
//!   1727762400 = 2024-10-01T06:00Z.
//!
//! Frames are sized with `CircuitSize::smallest_fitting`, never a hard-coded capacity.

use std::path::{Path, PathBuf};

use zkmeter_import::readings::green_button::{parse_green_button, read_green_button};
use zkmeter_import::tariffs::agile::read_agile;
use zkmeter_import::tariffs::entsoe::{parse_entsoe, read_entsoe, Resolution};
use zkmeter_import::tariffs::prices_for_frame;
use zkmeter_import::tariffs::urdb::{parse_urdb, read_urdb};
use zkmeter_import::{fit_registers_to_frame, fit_to_frame, Fill, ImportError};
use zkmeter_protocol::CircuitSize;
use zkmeter_protocol::EnergyUnit;
use zkmeter_protocol::{Frame, UtcTime};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn frame(start: &str, minutes: u16, slots: u32) -> Frame {
    let size = CircuitSize::smallest_fitting(slots as usize, 1).expect("fits some size");
    Frame::new(UtcTime::parse(start).unwrap(), minutes, slots, size).unwrap()
}

fn sum(v: &[u32]) -> u64 {
    v.iter().map(|&x| u64::from(x)).sum()
}

// ------------------------------------------------------------------------------ Green Button

const OPENESPI: &str = "gb-openespi-15min/test_usage_data.xml";
const OPENESPI_2013: &str = "gb-openespi-15min/15minLP_15Days.xml";
const UTILITYAPI: &str = "gb-utilityapi-hourly-reverse/intervals_APUC000000_electric.xml";
const DESERT: &str =
    "gb-gba-sample-hourly-daily/Desert_Single_Family_Jan_1_2011_to_Jan_1_2012_RetailCustomer_7.xml";
const COASTAL: &str =
    "gb-gba-sample-hourly-daily/Coastal_Multi_Family_Jan_1_2011_to_Jan_1_2012_RetailCustomer_5.xml";
const NINE_DAYS: &str = "gb-gba-sample-hourly-daily/TestGBDataHourlyNineDaysBinnedDaily.xml";
const YEAR_DAILY: &str = "gb-gba-sample-hourly-daily/TestGBDataOneYearDailyBinnedMonthly.xml";
const ABRIDGED: &str = "gb-gba-sample-hourly-daily/electric_containerized_abridged.xml";

#[test]
fn openespi_15min_whole_file_and_its_92_slot_dst_day() {
    for (file, total, first, last) in [
        (OPENESPI, 1_391_666, 282, 940),
        (OPENESPI_2013, 1_397_734, 324, 967),
    ] {
        let gb = read_green_button(&fixture(file)).unwrap();
        // gb.py: 1340 readings in 14 blocks.
        assert_eq!(gb.import.len(), 1340, "{file}");
        assert_eq!(gb.blocks, 14, "{file}");
        // 2012-03-01T05:00Z .. 2012-03-15T04:00Z is 1340 quarter-hours (the DST day has 92).
        let f = frame("2012-03-01T05:00:00Z", 15, 1340);
        let r = fit_to_frame(&gb.import, &f, Fill::Reject).unwrap();
        assert_eq!(sum(&r.readings), total, "{file}");
        assert_eq!((r.readings[0], r.readings[1339]), (first, last), "{file}");
        assert!(r.filled.is_empty());
    }
    // The US Eastern spring-forward day: local midnight 2012-03-11 = 05:00Z, next local
    // midnight 04:00Z: 23 hours = 92 quarter-hours. gb.py window: 92 readings, 109403 Wh,
    // first 327, last 899.
    let gb = read_green_button(&fixture(OPENESPI)).unwrap();
    let day = frame("2012-03-11T05:00:00Z", 15, 92);
    let r = fit_to_frame(&gb.import, &day, Fill::Reject).unwrap();
    assert_eq!(r.readings.len(), 92);
    assert_eq!(sum(&r.readings), 109_403);
    assert_eq!((r.readings[0], r.readings[91]), (327, 899));
    // The same 15-minute readings summed exactly into hourly slots.
    let hourly = frame("2012-03-11T05:00:00Z", 60, 23);
    let h = fit_to_frame(&gb.import, &hourly, Fill::Reject).unwrap();
    assert_eq!(sum(&h.readings), 109_403);
    assert_eq!(h.readings[0], r.readings[..4].iter().sum::<u32>());
}

#[test]
fn utilityapi_newest_first_with_timezone_children() {
    let gb = read_green_button(&fixture(UTILITYAPI)).unwrap();
    // gb.py: 300 readings, 248530 Wh, file order newest first: (1678165200, 320) .. (1677088800, 520).
    assert_eq!(gb.import.len(), 300);
    assert_eq!(gb.import[0].start, 1_678_165_200);
    // Two ReadingTypes (Wh and therm): the block is matched through its MeterReading link.
    let f = frame("2023-02-22T18:00:00Z", 60, 300);
    assert_eq!(f.start.unix(), 1_677_088_800);
    let r = fit_to_frame(&gb.import, &f, Fill::Reject).unwrap();
    assert_eq!(sum(&r.readings), 248_530);
    assert_eq!((r.readings[0], r.readings[299]), (520, 320));
}

#[test]
fn gba_year_profiles_select_a_month() {
    for (file, total, first, last, feb) in [
        (DESERT, 12_397_107, 1696, 1584, 907_890),
        (COASTAL, 4_425_305, 450, 482, 0),
    ] {
        let gb = read_green_button(&fixture(file)).unwrap();
        // gb.py: 8760 hourly readings in 12 blocks.
        assert_eq!(gb.import.len(), 8760, "{file}");
        assert_eq!(gb.blocks, 12, "{file}");
        assert!(gb.import.iter().all(|i| i.exponent == 0), "{file}");
        let total_wh: u64 = gb.import.iter().map(|i| i.value).sum();
        assert_eq!(total_wh, total, "{file}");
        // First and last reading of the year, 2011-01-01T08:00Z and 2012-01-01T07:00Z.
        let f0 = frame("2011-01-01T08:00:00Z", 60, 1);
        assert_eq!(
            fit_to_frame(&gb.import, &f0, Fill::Reject)
                .unwrap()
                .readings,
            vec![first]
        );
        let f1 = frame("2012-01-01T07:00:00Z", 60, 1);
        assert_eq!(
            fit_to_frame(&gb.import, &f1, Fill::Reject)
                .unwrap()
                .readings,
            vec![last]
        );
        // February 2011 (UTC): 28 days x 24 = 672 hourly slots.
        let size = CircuitSize::smallest_fitting(672, 1).unwrap();
        let feb_frame =
            Frame::natural(UtcTime::parse("2011-02-01T00:00:00Z").unwrap(), 60, size).unwrap();
        assert_eq!(feb_frame.slots, 672);
        let r = fit_to_frame(&gb.import, &feb_frame, Fill::Reject).unwrap();
        if feb > 0 {
            // gb.py window [1296518400, 1298937600): 672 readings, 907890 Wh, first 1148, last 1141.
            assert_eq!(sum(&r.readings), feb);
            assert_eq!((r.readings[0], r.readings[671]), (1148, 1141));
        }
    }
}

#[test]
fn gba_nine_days_hourly_and_the_abridged_file_with_a_gap() {
    let gb = read_green_button(&fixture(NINE_DAYS)).unwrap();
    // gb.py: 216 readings, 199563 Wh, first (1388552400, 273), last (1389326400, 273).
    let f = frame("2014-01-01T05:00:00Z", 60, 216);
    let r = fit_to_frame(&gb.import, &f, Fill::Reject).unwrap();
    assert_eq!(
        (sum(&r.readings), r.readings[0], r.readings[215]),
        (199_563, 273, 273)
    );

    // Abridged: gb.py: 8 readings, 4086 Wh, starts 1293868800 .. 1293922800 in two blocks of 4
    // with a gap between (16 hours spanned).
    let gb = read_green_button(&fixture(ABRIDGED)).unwrap();
    assert_eq!((gb.import.len(), gb.blocks), (8, 2));
    let f = frame("2011-01-01T08:00:00Z", 60, 16);
    let e = fit_to_frame(&gb.import, &f, Fill::Reject).unwrap_err();
    assert!(
        matches!(&e, ImportError::Missing { timestamp, .. } if timestamp == "2011-01-01T12:00:00Z"),
        "{e}"
    );
    let r = fit_to_frame(&gb.import, &f, Fill::Zero).unwrap();
    assert_eq!(sum(&r.readings), 4086);
    assert_eq!(r.filled.len(), 8);
    assert_eq!(
        Fill::Zero.record_name(r.filled.len()).as_deref(),
        Some("zero-8-slots")
    );
}

#[test]
fn daily_readings_are_refused_on_any_slot_frame() {
    let gb = read_green_button(&fixture(YEAR_DAILY)).unwrap();
    // gb.py: 444 readings, 9917817 Wh.
    assert_eq!(gb.import.len(), 444);
    assert!(gb.import.iter().all(|i| i.exponent == 0));
    assert_eq!(gb.import.iter().map(|i| i.value).sum::<u64>(), 9_917_817);
    let f = frame("2013-01-01T05:00:00Z", 60, 24);
    let e = fit_to_frame(&gb.import, &f, Fill::Reject).unwrap_err();
    assert!(
        matches!(&e, ImportError::Resolution { reason, .. } if reason.contains("86400-second")),
        "{e}"
    );
}

#[test]
fn malformed_green_button_is_refused_with_the_place() {
    let honest = std::fs::read_to_string(fixture(ABRIDGED)).unwrap();
    assert!(parse_green_button(honest.as_bytes()).is_ok());
    // Truncated in the middle of a block.
    let cut = &honest[..honest.find("</IntervalBlock>").unwrap()];
    let e = parse_green_button(cut.as_bytes()).unwrap_err();
    assert!(
        matches!(&e, ImportError::Malformed { reason, .. } if reason.contains("truncated")),
        "{e}"
    );
    // Wrong namespace on the ESPI elements.
    let wrong = honest.replace("http://naesb.org/espi", "http://example.com/not-espi");
    let e = parse_green_button(wrong.as_bytes()).unwrap_err();
    assert!(
        matches!(&e, ImportError::Structure { at, what } if at.starts_with("line ") && what.contains("not-espi")),
        "{e}"
    );
    // A non-numeric value names its line.
    let first_value = honest.find("<value>").unwrap();
    let line = honest[..first_value].matches('\n').count() + 1;
    let bad = format!(
        "{}<value>12x{}",
        &honest[..first_value],
        &honest[first_value + "<value>".len()..]
    );
    let e = parse_green_button(bad.as_bytes()).unwrap_err();
    let ImportError::BadValue { at, field, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!(field, "<value>");
    // The reading's line is where its <IntervalReading> opens, a few lines above its value,
    // and its start is named too.
    let (reading_line, when) = at.trim_start_matches("line ").split_once(' ').unwrap();
    assert_eq!(when, "(reading starting 2011-01-01T08:00:00Z)");
    let reading_line: usize = reading_line.parse().unwrap();
    assert!(
        reading_line < line && line - reading_line <= 6,
        "{at} vs value on line {line}"
    );
    // Mismatched tags.
    let e = parse_green_button(honest.replacen("</value>", "</valu>", 1).as_bytes()).unwrap_err();
    assert!(matches!(&e, ImportError::Malformed { .. }), "{e}");
    // The ReadingType's powerOfTenMultiplier is kept with every value, and the fitting picks
    // the period's unit from it: 10^3 (kWh) is converted exactly into whole Wh, 10^-1 and 10^-3
    // become the unit, with the file's numbers unchanged.
    let p10 = |p: &str| {
        honest.replacen(
            "<powerOfTenMultiplier>0<",
            &format!("<powerOfTenMultiplier>{p}<"),
            1,
        )
    };
    let f = frame("2011-01-01T08:00:00Z", 60, 4);
    // gb.py window [1293868800, 1293883200): 450, 430, 418, 410.
    for (p, unit, first_four) in [
        ("0", 0, [450, 430, 418, 410]),
        ("3", 0, [450_000, 430_000, 418_000, 410_000]),
        ("-1", -1, [450, 430, 418, 410]),
        ("-3", -3, [450, 430, 418, 410]),
    ] {
        let gb = parse_green_button(p10(p).as_bytes()).unwrap();
        assert_eq!(gb.import[0].exponent, p.parse::<i32>().unwrap());
        let r = fit_to_frame(&gb.import, &f, Fill::Reject).unwrap();
        assert_eq!(r.unit.exponent(), unit, "10^{p}");
        assert_eq!(r.readings, first_four, "10^{p}");
    }
    // 10^-4 is finer than any period's unit: 450 x 10^-4 Wh is 45 mWh, but 418 x 10^-4 Wh is
    // not a whole number of mWh: refused at that reading, naming its start.
    let gb = parse_green_button(p10("-4").as_bytes()).unwrap();
    let e = fit_to_frame(&gb.import, &f, Fill::Reject).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 108: value 418 x 10^-4 Wh (interval starting 2011-01-01T10:00:00Z) is not a whole \
         number of mWh, the finest unit a period can have"
    );
    // The first two hours alone are whole mWh: 45 and 43.
    let two = frame("2011-01-01T08:00:00Z", 60, 2);
    let r = fit_to_frame(&gb.import, &two, Fill::Reject).unwrap();
    assert_eq!((r.unit.exponent(), r.readings), (-3, vec![45, 43]));
}

const PGE: &str = "gb-pge-hourly-mwh-export/pge_electricity_forward_reverse.xml";

// pge.py FILE LO HI, independent of the importer: for each flowDirection, the readings after it
// with a start in [LO, HI): direction, count, sum, (first start, value), (last start, value),
// count not a multiple of 1000, and the largest (value, start):
//   python3 -c 'import re,sys; t=open(sys.argv[1]).read(); s=re.split(r"<ns0:flowDirection>(\d+)<",t);
//     [print(d, len(r), sum(v for _,v in r), r[0], r[-1], sum(1 for _,v in r if v%1000),
//      max((v,a) for a,v in r)) for d,x in zip(s[1::2],s[2::2]) for r in [sorted((int(a),int(v))
//      for a,v in re.findall(r"<ns0:start>(\d+)</ns0:start>\s*</ns0:timePeriod>\s*<ns0:value>(\d+)<",x)
//      if int(sys.argv[2])<=int(a)<int(sys.argv[3]))]]' FILE LO HI
// Window [1458543600, 1458630000) (2016-03-21T07:00Z, 24 h):
//   1 24 20912399 (1458543600, 437400) (1458626400, 617400) 22 (2063400, 1458615600)
//   19 24 2183999 (1458543600, 0) (1458626400, 0) 6 (640800, 1458594000)
// Window [1446368400, 1446451200) (2015-11-01T09:00Z, 23 h):
//   1 23 19928400 (1446368400, 514200) (1446447600, 499800) 17 ...
//   19 23 3103599 (1446368400, 100000) (1446447600, 0) 6 ...
// Whole file [0, 9999999999): 1 47 40840799 ...; 19 47 5287598 ...

#[test]
fn pge_import_and_export_in_mwh_fit_exactly() {
    let gb = read_green_button(&fixture(PGE)).unwrap();
    // Two delivered and two received blocks, each matched to its own ReadingType although
    // the redacted MeterReading links are all the same.
    assert_eq!((gb.blocks, gb.export_blocks, gb.skipped_blocks), (2, 2, 0));
    assert_eq!((gb.import.len(), gb.export.len()), (47, 47));
    assert!(gb.import.iter().chain(&gb.export).all(|i| i.exponent == -3));
    assert_eq!(gb.import.iter().map(|i| i.value).sum::<u64>(), 40_840_799);
    assert_eq!(gb.export.iter().map(|i| i.value).sum::<u64>(), 5_287_598);

    let sum = |v: &[u32]| v.iter().map(|&x| u64::from(x)).sum::<u64>();
    let day = frame("2016-03-21T07:00:00Z", 60, 24);
    let r = fit_registers_to_frame(&gb.import, Some(&gb.export), &day, Fill::Reject).unwrap();
    assert_eq!(r.unit, EnergyUnit::MILLI_WH);
    assert!(r.filled.is_empty());
    let export = r.export.as_deref().unwrap();
    assert_eq!(sum(&r.import), 20_912_399);
    assert_eq!(sum(export), 2_183_999);
    assert_eq!((r.import[0], r.import[23]), (437_400, 617_400));
    assert_eq!((export[0], export[23]), (0, 0));
    // The largest hours: import 2063400 at 03:00Z (slot 20), export 640800 at 21:00Z (slot 14).
    assert_eq!((r.import[20], export[14]), (2_063_400, 640_800));
    assert_eq!(*r.import.iter().max().unwrap(), 2_063_400);
    assert_eq!(*export.iter().max().unwrap(), 640_800);
    // 22 of the 24 import hours are not whole Wh: only mWh holds them exactly.
    assert_eq!(r.import.iter().filter(|&&v| v % 1000 != 0).count(), 22);
    assert_eq!(export.iter().filter(|&&v| v % 1000 != 0).count(), 6);
    // The import register alone has the same unit and values.
    let alone = fit_to_frame(&gb.import, &day, Fill::Reject).unwrap();
    assert_eq!((alone.unit, alone.readings), (r.unit, r.import));

    // The other day: 23 hours from 2015-11-01T09:00Z.
    let nov = frame("2015-11-01T09:00:00Z", 60, 23);
    let r = fit_registers_to_frame(&gb.import, Some(&gb.export), &nov, Fill::Reject).unwrap();
    let export = r.export.as_deref().unwrap();
    assert_eq!((sum(&r.import), sum(export)), (19_928_400, 3_103_599));
    assert_eq!((r.import[0], r.import[22]), (514_200, 499_800));
    assert_eq!((export[0], export[22]), (100_000, 0));

    // One hour more at the end has no reading in either register: refused, or filled once.
    let longer = frame("2015-11-01T09:00:00Z", 60, 24);
    let e =
        fit_registers_to_frame(&gb.import, Some(&gb.export), &longer, Fill::Reject).unwrap_err();
    assert!(
        matches!(&e, ImportError::Missing { timestamp, what, .. }
            if timestamp == "2015-11-02T08:00:00Z" && *what == "reading"),
        "{e}"
    );
    let r = fit_registers_to_frame(&gb.import, Some(&gb.export), &longer, Fill::Zero).unwrap();
    assert_eq!(r.filled, vec![1_446_451_200]);
    assert_eq!(sum(&r.import), 19_928_400);
}

#[test]
fn pge_corruptions_are_refused_at_the_reading() {
    let honest = std::fs::read_to_string(fixture(PGE)).unwrap();
    let day = frame("2016-03-21T07:00:00Z", 60, 24);
    let gb = parse_green_button(honest.as_bytes()).unwrap();
    assert!(fit_registers_to_frame(&gb.import, Some(&gb.export), &day, Fill::Reject).is_ok());
    // The delivered ReadingType at 10^-4 Wh: 437400 x 10^-4 Wh = 43740 mWh is whole, but the
    // file's values ending in 1..9 are not, and the first such hour is named.
    let finer = honest.replacen(
        "<ns0:powerOfTenMultiplier>-3<",
        "<ns0:powerOfTenMultiplier>-4<",
        1,
    );
    let gb = parse_green_button(finer.as_bytes()).unwrap();
    let e = fit_registers_to_frame(&gb.import, Some(&gb.export), &day, Fill::Reject).unwrap_err();
    let ImportError::BadValue { reason, .. } = &e else {
        panic!("{e}")
    };
    assert!(
        reason.contains("x 10^-4 Wh (interval starting 2016-03-2")
            && reason.ends_with("is not a whole number of mWh, the finest unit a period can have"),
        "{e}"
    );
    // The received ReadingType relabelled as net (flowDirection 4): skipped, so the same
    // file has no export register any more.
    let net = honest.replacen("<ns0:flowDirection>19<", "<ns0:flowDirection>4<", 1);
    let gb = parse_green_button(net.as_bytes()).unwrap();
    assert_eq!((gb.blocks, gb.export_blocks, gb.skipped_blocks), (2, 0, 2));
    // A negative received value is refused, naming the reading's start.
    let neg = honest.replacen("<ns0:value>100000<", "<ns0:value>-100000<", 1);
    let e = parse_green_button(neg.as_bytes()).unwrap_err();
    assert!(
        e.to_string()
            .contains("(reading starting 2015-11-01T09:00:00Z): <value> -100000 is negative"),
        "{e}"
    );
}

// ------------------------------------------------------------------------------ Agile

const AGILE: &str = "agile-prices-energy-stats-A/csv_agile_A_Eastern_England__2020_excerpt.csv";

#[test]
fn agile_2020_whole_year_figures() {
    let a = read_agile(&fixture(AGILE)).unwrap();
    // wc -l: 17568 rows; awk '$5<0': 219 negative; Decimal sum x 10^4: 1662307500,
    // min -107835 (-10.7835 p), max 349965 (34.9965 p); first 9.4815, last 13.3875.
    assert_eq!(a.prices.len(), 17_568);
    assert_eq!(a.rounded, 0);
    let v: Vec<i64> = a.prices.iter().map(|p| p.micro_per_kwh).collect();
    assert_eq!(v.iter().filter(|&&p| p < 0).count(), 219);
    assert_eq!(v.iter().sum::<i64>(), 1_662_307_500);
    assert_eq!(*v.iter().min().unwrap(), -107_835);
    assert_eq!(*v.iter().max().unwrap(), 349_965);
    assert_eq!((v[0], v[17_567]), (94_815, 133_875));
}

#[test]
fn agile_month_leap_february_and_both_uk_clock_change_days() {
    let a = read_agile(&fixture(AGILE)).unwrap();
    let month = |start: &str, slots: u32| frame(start, 30, slots);
    // (frame, slots, sum, first, last, negatives) from the Python window sums.
    let cases = [
        (
            month("2020-03-01T00:00:00Z", 31 * 48),
            128_802_870,
            23_100,
            49_350,
            5,
        ),
        (
            month("2020-02-01T00:00:00Z", 29 * 48),
            118_833_855,
            17_640,
            23_100,
            9,
        ),
        // UK local day 29 March 2020: 00:00Z .. 23:00Z = 23 h = 46 half-hours.
        (
            month("2020-03-29T00:00:00Z", 46),
            2_644_215,
            16_590,
            39_690,
            5,
        ),
        // UK local day 25 October 2020: 24 Oct 23:00Z .. 26 Oct 00:00Z = 25 h = 50 half-hours.
        (month("2020-10-24T23:00:00Z", 50), 3_803_520, 0, 44_100, 12),
    ];
    for (f, total, first, last, negative) in cases {
        let p = prices_for_frame(&a.prices, &f).unwrap();
        assert_eq!(p.len(), f.slots as usize);
        assert_eq!(p.iter().sum::<i64>(), total, "{f}");
        assert_eq!((p[0], p[p.len() - 1]), (first, last), "{f}");
        assert_eq!(p.iter().filter(|&&x| x < 0).count(), negative, "{f}");
    }
    // The 25-hour day at 15 minutes: 100 quarter-hours, each half-hour price repeated twice.
    let quarter = frame("2020-10-24T23:00:00Z", 15, 100);
    let p = prices_for_frame(&a.prices, &quarter).unwrap();
    assert_eq!(p.len(), 100);
    assert_eq!(p.iter().sum::<i64>(), 2 * 3_803_520);
    // Half-hourly prices cannot price an hourly slot.
    let e = prices_for_frame(&a.prices, &frame("2020-03-01T00:00:00Z", 60, 24)).unwrap_err();
    assert!(matches!(&e, ImportError::Resolution { .. }), "{e}");
    // Outside 2020 there is no price.
    let e = prices_for_frame(&a.prices, &frame("2020-12-31T23:30:00Z", 30, 2)).unwrap_err();
    assert!(
        matches!(&e, ImportError::Missing { timestamp, .. } if timestamp == "2021-01-01T00:00:00Z"),
        "{e}"
    );
}

#[test]
fn malformed_agile_rows_name_their_line() {
    let text = std::fs::read_to_string(fixture(AGILE)).unwrap();
    let head: String = text.lines().take(4).map(|l| format!("{l}\n")).collect();
    assert!(zkmeter_import::tariffs::agile::parse_agile(head.as_bytes()).is_ok());
    let bad = head.replacen("9.9645", "9.96x", 1);
    let e = zkmeter_import::tariffs::agile::parse_agile(bad.as_bytes()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("line 2: price (p/kWh) is invalid"),
        "{e}"
    );
    let bad = head.replacen("2020-01-01T01:00:00Z", "2020-01-01 01:00", 1);
    let e = zkmeter_import::tariffs::agile::parse_agile(bad.as_bytes()).unwrap_err();
    assert!(e.to_string().starts_with("line 3: timestamp"), "{e}");
}

// ------------------------------------------------------------------------------ ENTSO-E

const ENTSOE: &str = "entsoe-dayahead-xml/BE_60M.xml";

#[test]
fn entsoe_belgium_day_ahead_hourly_and_repeated_on_quarter_hours() {
    let e = read_entsoe(&fixture(ENTSOE), None).unwrap();
    // grep/paste/awk: 24 points, sum x 1000 = 1691960, first 64.98, last 50, min 47.05, max 115.47.
    assert_eq!(e.currency, "EUR");
    assert_eq!((e.points, e.prices.len()), (24, 24));
    let f = frame("2024-10-07T22:00:00Z", 60, 24);
    let p = prices_for_frame(&e.prices, &f).unwrap();
    assert_eq!(p.iter().sum::<i64>(), 1_691_960);
    assert_eq!((p[0], p[23]), (64_980, 50_000));
    assert_eq!(
        (*p.iter().min().unwrap(), *p.iter().max().unwrap()),
        (47_050, 115_470)
    );
    let q = prices_for_frame(&e.prices, &frame("2024-10-07T22:00:00Z", 15, 96)).unwrap();
    assert_eq!(q.iter().sum::<i64>(), 4 * 1_691_960);
    assert_eq!(&q[..5], &[64_980, 64_980, 64_980, 64_980, 57_860]);
}

#[test]
fn entsoe_a03_gaps_repeat_and_malformed_documents_are_refused() {
    let honest = std::fs::read_to_string(fixture(ENTSOE)).unwrap();
    assert!(parse_entsoe(honest.as_bytes(), None).is_ok());
    // Remove position 3 (53.73): A03 repeats position 2's 57.86 there.
    let start = honest.find("<position>3</position>").unwrap();
    let open = honest[..start].rfind("<Point>").unwrap();
    let close = start + honest[start..].find("</Point>").unwrap() + "</Point>".len();
    let gap = format!("{}{}", &honest[..open], &honest[close..]);
    let e = parse_entsoe(gap.as_bytes(), None).unwrap();
    assert_eq!(e.points, 23);
    assert_eq!(e.prices[2].micro_per_kwh, 57_860);
    assert_eq!(
        e.prices.iter().map(|p| p.micro_per_kwh).sum::<i64>(),
        1_691_960 - 53_730 + 57_860
    );
    // As A01 the same gap is refused, naming the position.
    let a01 = gap.replace("<curveType>A03</curveType>", "<curveType>A01</curveType>");
    let err = parse_entsoe(a01.as_bytes(), None).unwrap_err();
    assert!(
        matches!(&err, ImportError::Missing { timestamp, .. } if timestamp.contains("position 3")),
        "{err}"
    );
    // Wrong namespace, truncation, non-numeric price.
    let wrong = honest.replace(
        "urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3",
        "urn:example:other",
    );
    let err = parse_entsoe(wrong.as_bytes(), None).unwrap_err();
    assert!(
        matches!(&err, ImportError::Structure { at, what } if at == "line 2" && what.contains("urn:example:other")),
        "{err}"
    );
    let err = parse_entsoe(&honest.as_bytes()[..honest.len() / 2], None).unwrap_err();
    assert!(matches!(&err, ImportError::Malformed { .. }), "{err}");
    let bad = honest.replacen(
        "<price.amount>57.86</price.amount>",
        "<price.amount>57,86</price.amount>",
        1,
    );
    let err = parse_entsoe(bad.as_bytes(), None).unwrap_err();
    assert!(
        matches!(&err, ImportError::BadValue { field, at, .. } if field == "<price.amount>" && at.starts_with("line ")),
        "{err}"
    );
    // A position past the period's 24 hours, said in words (its <Point> opens on line 123).
    let past = honest.replacen("<position>24</position>", "<position>25</position>", 1);
    let err = parse_entsoe(past.as_bytes(), None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 123: <position> 25 is not between 1 and 24"
    );
}

// ------------------------------------------------------------------------------ URDB

const SCE_B: &str = "urdb-rates/REopt_API__Run6c15335f__SCE_TOU-8_OptionB_2016__urdb.json";
const SCE_D: &str = "urdb-rates/erock25_v3__SCE_TOU-8_Option-D_Under-2-kV_2024.json";
const GEORGIA: &str = "urdb-rates/REopt_API__Run02bd7144__GeorgiaPower_TOU-GSD-10__urdb.json";
const NIPSCO: &str = "urdb-rates/REopt_API__Run5b75684a__NIPSCO_Rate724_tiered__urdb.json";

#[test]
fn urdb_sce_tou8_b_weekdays_across_the_spring_dst_change() {
    let r = read_urdb(&fixture(SCE_B)).unwrap();
    // Rates: 0.06713, 0.08756, 0.06202, 0.08609, 0.13943 $/kWh, no adj.
    assert_eq!(
        r.period_prices,
        vec![67_130, 87_560, 62_020, 86_090, 139_430]
    );
    let tz = r.zone(Some("America/Los_Angeles")).unwrap();
    // Winter weekday (March): p0 00-08, p1 08-21, p0 21-24 local.
    // Monday 2016-03-07 (PST, UTC-8): local midnight 08:00Z; p1 from 16:00Z.
    let pst = r
        .prices_for_frame(&frame("2016-03-07T08:00:00Z", 60, 24), tz)
        .unwrap();
    let want: Vec<i64> = (0..24)
        .map(|h| if (8..21).contains(&h) { 87_560 } else { 67_130 })
        .collect();
    assert_eq!(pst, want);
    // Monday 2016-03-14 (PDT, UTC-7): local midnight 07:00Z; the same local hours, one UTC hour earlier.
    let pdt = r
        .prices_for_frame(&frame("2016-03-14T07:00:00Z", 60, 24), tz)
        .unwrap();
    assert_eq!(pdt, want);
    // The DST day itself, Sunday 2016-03-13: 23 local hours, weekend winter = p0 throughout.
    let dst = r
        .prices_for_frame(&frame("2016-03-13T08:00:00Z", 15, 92), tz)
        .unwrap();
    assert_eq!(dst, vec![67_130; 92]);
    // Summer weekday Friday 2016-07-01: 2 2 2 2 2 2 2 2 3 3 3 3 4 4 4 4 4 4 3 3 3 3 3 2.
    let jul = r
        .prices_for_frame(&frame("2016-07-01T07:00:00Z", 60, 24), tz)
        .unwrap();
    let sched = [
        2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 2,
    ];
    let want: Vec<i64> = sched.iter().map(|&p| r.period_prices[p]).collect();
    assert_eq!(jul, want);
    // No time zone in the record: one must be given.
    assert!(matches!(r.zone(None), Err(ImportError::Structure { .. })));
    assert!(matches!(
        r.zone(Some("Mars/Olympus")),
        Err(ImportError::BadValue { .. })
    ));
    // Kolkata (UTC+5:30) puts hourly UTC slots across local hours: refused.
    let kolkata = r.zone(Some("Asia/Kolkata")).unwrap();
    let e = r
        .prices_for_frame(&frame("2016-07-01T00:00:00Z", 60, 2), kolkata)
        .unwrap_err();
    assert!(matches!(&e, ImportError::Resolution { .. }), "{e}");
}

#[test]
fn urdb_api_response_and_rate_plus_adj() {
    // SCE TOU-8 D inside {"items":[...]}: rate + adj 0.00114.
    let d = read_urdb(&fixture(SCE_D)).unwrap();
    assert_eq!(
        d.period_prices,
        vec![89_730, 123_310, 124_280, 113_430, 141_990, 151_860]
    );
    // Georgia Power: 0.122372+0.062351, 0.062514+0.047367, 0.023541+0.034706.
    let g = read_urdb(&fixture(GEORGIA)).unwrap();
    assert_eq!(g.period_prices, vec![184_723, 109_881, 58_247]);
    // Summer weekday Monday 2019-07-01, New York (UTC-4): 2x12, 1 1, 0x5, 1 1, 2 2 2.
    let tz = g.zone(Some("America/New_York")).unwrap();
    let p = g
        .prices_for_frame(&frame("2019-07-01T04:00:00Z", 60, 24), tz)
        .unwrap();
    let sched = [
        2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2,
    ];
    assert_eq!(
        p,
        sched
            .iter()
            .map(|&i| g.period_prices[i])
            .collect::<Vec<_>>()
    );
}

#[test]
fn urdb_nipsco_724_tiers_and_fixed_charge_become_invoice_charges_on_a_month() {
    let r = read_urdb(&fixture(NIPSCO)).unwrap();
    // One period, four tiers (rate + adj 0.007795): 0.084598 up to 30000 kWh, 0.076898 up to
    // 100000, 0.073348 up to 1000000, 0.069748 beyond; fixedmonthlycharge 954.5 $/month.
    assert_eq!(r.period_prices, vec![84_598]);
    let tz = r.zone(Some("America/Chicago")).unwrap();
    // June 2018 in Chicago (CDT, UTC-5): 720 hours from 2018-06-01T05:00Z.
    let june = Frame::new(
        UtcTime::parse("2018-06-01T05:00:00Z").unwrap(),
        60,
        720,
        CircuitSize::Month30Min,
    )
    .unwrap();
    assert_eq!(r.prices_for_frame(&june, tz).unwrap(), vec![84_598; 720]);
    let (charges, notes) = r.charges_for_frame(&june, tz).unwrap();
    let tiers: Vec<(String, i64)> = charges
        .tiers
        .iter()
        .map(|t| (t.above_kwh.to_string(), t.adder_per_kwh))
        .collect();
    // Adders: 76_898 - 84_598, 73_348 - 84_598, 69_748 - 84_598.
    assert_eq!(
        tiers,
        [
            ("30000".to_owned(), -7_700),
            ("100000".to_owned(), -11_250),
            ("1000000".to_owned(), -14_850)
        ]
    );
    assert_eq!(charges.fixed_charge_per_period, Some(954_500_000));
    assert_eq!(charges.minimum_charge, None);
    assert_eq!(notes.len(), 1, "{notes:?}");

    // A frame that is not the local month: the tiers (kWh per month) are refused.
    let day = frame("2018-06-01T05:00:00Z", 60, 24);
    let e = r.charges_for_frame(&day, tz).unwrap_err();
    assert!(
        matches!(&e, ImportError::TiersDoNotSplit { reason, .. } if reason.contains("per month")),
        "{e}"
    );
    // Nor is a month that starts at UTC midnight rather than Chicago's.
    let utc = Frame::new(
        UtcTime::parse("2018-06-01T00:00:00Z").unwrap(),
        60,
        720,
        CircuitSize::Month30Min,
    )
    .unwrap();
    assert!(r.charges_for_frame(&utc, tz).is_err());
}

#[test]
fn urdb_fixed_charges_per_month_are_prorated_on_shorter_frames() {
    // SCE TOU-8 B: fixedmonthlycharge 609.78 $/month. July 2016 in Los Angeles (PDT) whole:
    // the charge per period.
    let r = read_urdb(&fixture(SCE_B)).unwrap();
    let tz = r.zone(Some("America/Los_Angeles")).unwrap();
    let july = Frame::new(
        UtcTime::parse("2016-07-01T07:00:00Z").unwrap(),
        60,
        744,
        CircuitSize::Month30Min,
    )
    .unwrap();
    let (c, notes) = r.charges_for_frame(&july, tz).unwrap();
    assert_eq!(c.fixed_charge_per_period, Some(609_780_000));
    assert!(c.tiers.is_empty() && notes.is_empty());
    // One day of July: 609.78 x 1 / 31 = 19.670322580... -> 19.670323 (half to even, micro).
    let (c, notes) = r
        .charges_for_frame(&frame("2016-07-01T07:00:00Z", 60, 24), tz)
        .unwrap();
    assert_eq!(c.fixed_charge_per_period, Some(19_670_323));
    assert_eq!(
        notes,
        ["fixed charge 609.78/month prorated to 1 of 31 days: 19.670323"]
    );
    // SCE TOU-8 D 2024: fixedchargefirstmeter 447.44 in "$/month"; October 2024 (31 days).
    let d = read_urdb(&fixture(SCE_D)).unwrap();
    let oct = Frame::new(
        UtcTime::parse("2024-10-01T07:00:00Z").unwrap(),
        60,
        745,
        CircuitSize::Month30Min,
    )
    .unwrap();
    let (c, _) = d.charges_for_frame(&oct, tz).unwrap();
    assert_eq!(c.fixed_charge_per_period, Some(447_440_000));
    // Units other than $/month or $/day are refused with the field.
    let text = std::fs::read_to_string(fixture(SCE_D)).unwrap();
    let yearly = text.replace("\"$/month\"", "\"$/year\"");
    let e = parse_urdb(yearly.as_bytes()).unwrap_err();
    assert!(
        matches!(&e, ImportError::BadValue { at, reason, .. } if at.ends_with("/fixedchargeunits") && reason.contains("$/year")),
        "{e}"
    );
    // "$/day": a standing charge per day; a minimum charge per month on the whole month, and
    // prorated on one day of it (25 x 1 / 31 = 0.806451... -> 0.806452).
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["items"][0]["fixedchargeunits"] = "$/day".into();
    v["items"][0]["minmonthlycharge"] = 25.into();
    let r = parse_urdb(v.to_string().as_bytes()).unwrap();
    let (c, _) = r.charges_for_frame(&oct, tz).unwrap();
    assert_eq!(
        (
            c.standing_charge_per_day,
            c.fixed_charge_per_period,
            c.minimum_charge
        ),
        (Some(447_440_000), None, Some(25_000_000))
    );
    let (c, _) = r
        .charges_for_frame(&frame("2024-10-01T07:00:00Z", 60, 24), tz)
        .unwrap();
    assert_eq!(c.minimum_charge, Some(806_452));
}

#[test]
fn urdb_time_of_use_tiers_split_only_when_the_tier_adders_are_the_same_in_every_period() {
    let honest = std::fs::read_to_string(fixture(SCE_B)).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&honest).unwrap();
    // Every period gets a second tier above 500 kWh costing 0.02 more: splits.
    for period in v["energyratestructure"].as_array_mut().unwrap() {
        let base = period[0]["rate"].as_f64().unwrap();
        period[0]["max"] = 500.into();
        let next = serde_json::json!({"rate": ((base + 0.02) * 1e5).round() / 1e5, "unit": "kWh"});
        period.as_array_mut().unwrap().push(next);
    }
    let r = parse_urdb(v.to_string().as_bytes()).unwrap();
    let tiers = r.tier_adders().unwrap();
    assert_eq!(tiers.len(), 1);
    assert_eq!(
        (tiers[0].above_kwh.to_string(), tiers[0].adder_per_kwh),
        ("500".to_owned(), 20_000)
    );
    // Period 4's tier costs 0.03 more instead: the bill no longer splits; refused naming it.
    v["energyratestructure"][4][1]["rate"] = 0.16943.into();
    let r = parse_urdb(v.to_string().as_bytes()).unwrap();
    let e = r.tier_adders().unwrap_err();
    assert!(
        matches!(&e, ImportError::TiersDoNotSplit { at, reason } if at == "/energyratestructure/4/1" && reason.contains("tier 1 costs 0.03 more than tier 0 in period 4 but 0.02 more in period 0")),
        "{e}"
    );
    // Different limits in one period: refused too.
    v["energyratestructure"][4][1]["rate"] = 0.15943.into();
    v["energyratestructure"][2][0]["max"] = 600.into();
    let e = parse_urdb(v.to_string().as_bytes())
        .unwrap()
        .tier_adders()
        .unwrap_err();
    assert!(
        e.to_string().contains("period 2's tier limits differ"),
        "{e}"
    );
}

#[test]
fn urdb_missing_periods_and_missing_rates_are_refused_with_their_path() {
    let honest = std::fs::read_to_string(fixture(SCE_B)).unwrap();
    assert!(parse_urdb(honest.as_bytes()).is_ok());
    let mut v: serde_json::Value = serde_json::from_str(&honest).unwrap();
    // Schedule pointing at a missing period: keep only periods 0 and 1.
    let mut short = v.clone();
    short["energyratestructure"]
        .as_array_mut()
        .unwrap()
        .truncate(2);
    let e = parse_urdb(short.to_string().as_bytes()).unwrap_err();
    assert!(
        matches!(&e, ImportError::Structure { at, what } if at == "/energyweekdayschedule/5/0" && what.contains("period 2")),
        "{e}"
    );
    // A tier without a rate.
    v["energyratestructure"][3][0]
        .as_object_mut()
        .unwrap()
        .remove("rate");
    let e = parse_urdb(v.to_string().as_bytes()).unwrap_err();
    assert!(
        matches!(&e, ImportError::Structure { at, what } if at == "/energyratestructure/3/0" && what.contains("no 'rate'")),
        "{e}"
    );
    // Not JSON at all / truncated.
    let e = parse_urdb(&honest.as_bytes()[..100]).unwrap_err();
    assert!(
        matches!(&e, ImportError::Malformed { at, .. } if at.starts_with("line ")),
        "{e}"
    );
    // A non-numeric rate.
    let e = parse_urdb(honest.replacen("0.06713", "\"cheap\"", 1).as_bytes()).unwrap_err();
    assert!(
        matches!(&e, ImportError::BadValue { field, .. } if field == "rate"),
        "{e}"
    );
}

#[test]
fn desert_profile_local_dst_days_have_23_and_25_hourly_slots() {
    let gb = read_green_button(&fixture(DESERT)).unwrap();
    // US Pacific 2011: local 13 March = 08:00Z .. 14 March 07:00Z (23 h); local 6 November =
    // 07:00Z .. 7 November 08:00Z (25 h). gb.py windows: 23 readings, 28307 Wh, first 928,
    // last 1032; 25 readings, 25674 Wh, first 868, last 806.
    for (start, slots, total, first, last) in [
        ("2011-03-13T08:00:00Z", 23, 28_307, 928, 1032),
        ("2011-11-06T07:00:00Z", 25, 25_674, 868, 806),
    ] {
        let f = frame(start, 60, slots);
        let r = fit_to_frame(&gb.import, &f, Fill::Reject).unwrap();
        assert_eq!(r.readings.len(), slots as usize);
        assert_eq!(sum(&r.readings), total);
        assert_eq!(
            (r.readings[0], r.readings[slots as usize - 1]),
            (first, last)
        );
    }
}

#[test]
fn a_duplicated_or_overlapping_green_button_reading_is_refused_with_both_lines() {
    let honest = std::fs::read_to_string(fixture(ABRIDGED)).unwrap();
    let f = frame("2011-01-01T08:00:00Z", 60, 4);
    let gb = parse_green_button(honest.as_bytes()).unwrap();
    assert!(fit_to_frame(&gb.import, &f, Fill::Reject).is_ok());
    // Copy the first reading (opened on line 94) to after the second (closed on line 106).
    let lines: Vec<&str> = honest.lines().collect();
    let first_reading = lines[93..100].join("\n");
    assert!(first_reading.trim_start().starts_with("<IntervalReading>"));
    assert!(first_reading.trim_end().ends_with("</IntervalReading>"));
    let mut dup = lines[..107].to_vec();
    dup.push(&first_reading);
    dup.extend(&lines[107..]);
    let gb = parse_green_button(dup.join("\n").as_bytes()).unwrap();
    let e = fit_to_frame(&gb.import, &f, Fill::Reject).unwrap_err();
    assert!(
        matches!(&e, ImportError::Duplicate { at, timestamp, first }
            if at == "line 108" && timestamp == "2011-01-01T08:00:00Z" && first == "line 94"),
        "{e}"
    );
    // The copy as a half-hour reading at 08:30Z lies inside the 08:00Z hour: an overlap.
    let shifted = first_reading
        .replace("<start>1293868800</start>", "<start>1293870600</start>")
        .replace("<duration>3600</duration>", "<duration>1800</duration>");
    assert_ne!(shifted, first_reading);
    let mut overlap = lines[..107].to_vec();
    overlap.push(&shifted);
    overlap.extend(&lines[107..]);
    let gb = parse_green_button(overlap.join("\n").as_bytes()).unwrap();
    let f30 = frame("2011-01-01T08:00:00Z", 60, 4);
    let e = fit_to_frame(&gb.import, &f30, Fill::Reject).unwrap_err();
    assert!(
        matches!(
            &e,
            ImportError::Resolution { .. } | ImportError::Overlap { .. }
        ),
        "{e}"
    );
}

#[test]
fn entsoe_pt15m_variable_blocks_extend_the_last_price() {
    let honest = std::fs::read_to_string(fixture(ENTSOE)).unwrap();
    // The same 24 points read as PT15M: positions 1..24 are the first six hours' quarter-hours,
    // positions 25..96 repeat position 24's 50 EUR/MWh (A03).
    let pt15 = honest.replace(
        "<resolution>PT60M</resolution>",
        "<resolution>PT15M</resolution>",
    );
    let e = parse_entsoe(pt15.as_bytes(), None).unwrap();
    assert_eq!(e.prices.len(), 96);
    assert_eq!(e.prices[1].start - e.prices[0].start, 900);
    let v: Vec<i64> = e.prices.iter().map(|p| p.micro_per_kwh).collect();
    assert_eq!(v.iter().sum::<i64>(), 1_691_960 + 72 * 50_000);
    // Prices at 15 minutes cannot price an hourly frame.
    let err = prices_for_frame(&e.prices, &frame("2024-10-07T22:00:00Z", 60, 24)).unwrap_err();
    assert!(matches!(&err, ImportError::Resolution { .. }), "{err}");
    assert_eq!(
        prices_for_frame(&e.prices, &frame("2024-10-07T22:00:00Z", 15, 96)).unwrap(),
        v
    );
}

const ENTSOE_TWO: &str = "entsoe-dayahead-xml-derived/BE_60M_and_PT15M.xml";

#[test]
fn entsoe_two_series_for_the_same_hours_need_a_chosen_resolution() {
    let f15 = frame("2024-10-07T22:00:00Z", 15, 96);
    let f60 = frame("2024-10-07T22:00:00Z", 60, 24);
    // Honest: the one-series source document needs no choice.
    assert!(read_entsoe(&fixture(ENTSOE), None).is_ok());
    // Both series cover 22:00Z-22:00Z: refused, naming both resolutions, the hours and both
    // <Period> lines (26: PT60M, 140: PT15M).
    let e = read_entsoe(&fixture(ENTSOE_TWO), None).unwrap_err();
    let ImportError::TwoResolutions {
        at,
        finer,
        coarser,
        from,
        to,
        other,
    } = &e
    else {
        panic!("{e}")
    };
    assert_eq!(
        (
            at.as_str(),
            *finer,
            *coarser,
            from.as_str(),
            to.as_str(),
            other.as_str()
        ),
        (
            "line 140",
            Resolution::Pt15m,
            Resolution::Pt60m,
            "2024-10-07T22:00:00Z",
            "2024-10-08T22:00:00Z",
            "line 26"
        )
    );
    assert_eq!(
        e.to_string(),
        "line 140: the document has both a PT15M and a PT60M series for the hours from \
         2024-10-07T22:00:00Z to 2024-10-08T22:00:00Z (the other at line 26); choose one with \
         --resolution PT15M or --resolution PT60M"
    );

    // PT60M kept. Python: 24 points; on the quarter-hour frame sum 6767840, first five
    // 64980 x 4, 57860; on the hourly frame the source's 1691960.
    let hourly = read_entsoe(&fixture(ENTSOE_TWO), Some(Resolution::Pt60m)).unwrap();
    assert_eq!((hourly.points, hourly.prices.len()), (24, 24));
    let q = prices_for_frame(&hourly.prices, &f15).unwrap();
    assert_eq!(q.iter().sum::<i64>(), 6_767_840);
    assert_eq!(&q[..5], &[64_980, 64_980, 64_980, 64_980, 57_860]);
    let h = prices_for_frame(&hourly.prices, &f60).unwrap();
    assert_eq!(h.iter().sum::<i64>(), 1_691_960);

    // PT15M kept. Python: 24 points, 96 quarter-hours; sum 5291960, first five 64980 57860
    // 53730 47520 47050, last 50000.
    let quarter = read_entsoe(&fixture(ENTSOE_TWO), Some(Resolution::Pt15m)).unwrap();
    assert_eq!((quarter.points, quarter.prices.len()), (24, 96));
    let q = prices_for_frame(&quarter.prices, &f15).unwrap();
    assert_eq!(q.iter().sum::<i64>(), 5_291_960);
    assert_eq!(&q[..5], &[64_980, 57_860, 53_730, 47_520, 47_050]);
    assert_eq!(q[95], 50_000);
    // ... and, being finer, cannot price the hourly frame.
    let err = prices_for_frame(&quarter.prices, &f60).unwrap_err();
    assert!(matches!(&err, ImportError::Resolution { .. }), "{err}");

    // A resolution the document does not have is refused, naming the ones it has.
    let err = read_entsoe(&fixture(ENTSOE_TWO), Some(Resolution::Pt30m)).unwrap_err();
    assert!(
        matches!(&err, ImportError::Structure { what, .. }
            if what == "no PT30M series to keep: the document's periods are PT15M and PT60M"),
        "{err}"
    );

    // Two resolutions on different days are no conflict: the PT15M period moved one day later
    // is accepted without a choice.
    let two = std::fs::read_to_string(fixture(ENTSOE_TWO)).unwrap();
    let moved = two.replacen(
        "<start>2024-10-07T22:00Z</start>\n              <end>2024-10-08T22:00Z</end>\n            </timeInterval>\n            <resolution>PT15M</resolution>",
        "<start>2024-10-08T22:00Z</start>\n              <end>2024-10-09T22:00Z</end>\n            </timeInterval>\n            <resolution>PT15M</resolution>",
        1,
    );
    assert_ne!(moved, two);
    let both = parse_entsoe(moved.as_bytes(), None).unwrap();
    assert_eq!(both.prices.len(), 24 + 96);
    // Overlapping by one hour only: refused for that hour.
    let one_hour = two.replacen(
        "<start>2024-10-07T22:00Z</start>\n              <end>2024-10-08T22:00Z</end>\n            </timeInterval>\n            <resolution>PT15M</resolution>",
        "<start>2024-10-08T21:00Z</start>\n              <end>2024-10-09T21:00Z</end>\n            </timeInterval>\n            <resolution>PT15M</resolution>",
        1,
    );
    let err = parse_entsoe(one_hour.as_bytes(), None).unwrap_err();
    assert!(
        matches!(&err, ImportError::TwoResolutions { from, to, .. }
            if from == "2024-10-08T21:00:00Z" && to == "2024-10-08T22:00:00Z"),
        "{err}"
    );
}

#[test]
fn entsoe_resolution_names() {
    for r in Resolution::ALL {
        assert_eq!(r.name().parse::<Resolution>(), Ok(r));
        assert_eq!(r.to_string(), r.name());
    }
    assert_eq!(Resolution::ALL.map(Resolution::seconds), [900, 1800, 3600]);
    assert_eq!(
        "pt15m".parse::<Resolution>(),
        Err("'pt15m' is not PT15M, PT30M or PT60M".to_owned())
    );
}

#[test]
fn urdb_rates_are_refused_outside_their_start_and_end_dates() {
    let la =
        |r: &zkmeter_import::tariffs::urdb::UrdbRate| r.zone(Some("America/Los_Angeles")).unwrap();
    let date = |t: &str| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").unwrap();
    // SCE TOU-8 B: in force 2016-01-01 to 2016-12-31 (both inclusive).
    let b = read_urdb(&fixture(SCE_B)).unwrap();
    assert_eq!(
        (b.start_date, b.end_date),
        (Some(date("2016-01-01")), Some(date("2016-12-31")))
    );
    // Honest: its first and last local days, Los Angeles (UTC-8), are accepted.
    for day in ["2016-01-01T08:00:00Z", "2016-12-31T08:00:00Z"] {
        assert_eq!(
            b.prices_for_frame(&frame(day, 60, 24), la(&b))
                .unwrap()
                .len(),
            24
        );
    }
    // The day before startdate: refused at /startdate, naming the rate's dates and the frame.
    let e = b
        .prices_for_frame(&frame("2015-12-31T08:00:00Z", 60, 24), la(&b))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "/startdate: the rate is in force from 2016-01-01 to 2016-12-31, but the frame runs from \
         2015-12-31 to 2015-12-31 (2015-12-31T08:00:00Z to 2016-01-01T08:00:00Z; dates in \
         America/Los_Angeles): import the rate in force for those dates"
    );
    // The day after enddate: refused at /enddate.
    let e = b
        .prices_for_frame(&frame("2017-01-01T08:00:00Z", 60, 24), la(&b))
        .unwrap_err();
    assert!(
        matches!(&e, ImportError::NotInForce { at, frame_first, frame_last, .. }
            if at == "/enddate" && *frame_first == date("2017-01-01") && *frame_last == date("2017-01-01")),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("in force from 2016-01-01 to 2016-12-31, but the frame runs from 2017-01-01 to 2017-01-01"),
        "{e}"
    );
    // A frame across the end (31 December and 1 January local) is refused too: one slot past
    // the end is enough.
    let e = b
        .prices_for_frame(&frame("2016-12-31T08:00:00Z", 60, 25), la(&b))
        .unwrap_err();
    assert!(
        matches!(&e, ImportError::NotInForce { at, frame_last, .. } if at == "/enddate" && *frame_last == date("2017-01-01")),
        "{e}"
    );
    // Local days, not UTC days: 2016-01-01T02:00Z is still 31 December in Los Angeles.
    let e = b
        .prices_for_frame(&frame("2016-01-01T02:00:00Z", 60, 1), la(&b))
        .unwrap_err();
    assert!(
        matches!(&e, ImportError::NotInForce { at, frame_first, .. } if at == "/startdate" && *frame_first == date("2015-12-31")),
        "{e}"
    );

    // Georgia Power: from 2019-01-01, no enddate. New York (UTC-5 in winter).
    let g = read_urdb(&fixture(GEORGIA)).unwrap();
    assert_eq!((g.start_date, g.end_date), (Some(date("2019-01-01")), None));
    let ny = g.zone(Some("America/New_York")).unwrap();
    assert!(g
        .prices_for_frame(&frame("2019-01-01T05:00:00Z", 60, 24), ny)
        .is_ok());
    let e = g
        .prices_for_frame(&frame("2018-12-31T05:00:00Z", 60, 24), ny)
        .unwrap_err();
    assert!(
        e.to_string().starts_with(
            "/startdate: the rate is in force from 2019-01-01 on, but the frame runs from \
             2018-12-31 to 2018-12-31"
        ),
        "{e}"
    );

    // SCE TOU-8 D inside an API response: the path names the item.
    let d = read_urdb(&fixture(SCE_D)).unwrap();
    assert_eq!((d.start_date, d.end_date), (Some(date("2024-10-01")), None));
    assert!(d
        .prices_for_frame(&frame("2024-10-01T07:00:00Z", 60, 24), la(&d))
        .is_ok());
    let e = d
        .prices_for_frame(&frame("2024-09-30T07:00:00Z", 60, 24), la(&d))
        .unwrap_err();
    assert!(
        matches!(&e, ImportError::NotInForce { at, .. } if at == "/items/0/startdate"),
        "{e}"
    );

    // NIPSCO's startdate is 23:00Z: the nearest midnight's date, 2018-04-30 (its tiers cut
    // to one, since a tiered rate is refused before its dates are read).
    let mut n: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(NIPSCO)).unwrap()).unwrap();
    n["energyratestructure"][0]
        .as_array_mut()
        .unwrap()
        .truncate(1);
    let n = parse_urdb(n.to_string().as_bytes()).unwrap();
    assert_eq!((n.start_date, n.end_date), (Some(date("2018-04-30")), None));

    // Malformed dates are refused with their path; an enddate before the startdate too.
    let honest = std::fs::read_to_string(fixture(SCE_B)).unwrap();
    let text = honest.replacen("1451610000", "\"2016-01-01\"", 1);
    let e = parse_urdb(text.as_bytes()).unwrap_err();
    assert!(
        matches!(&e, ImportError::BadValue { at, field, .. } if at == "/startdate" && field == "startdate"),
        "{e}"
    );
    let text = honest.replacen("1483146000", "1420074000", 1);
    let e = parse_urdb(text.as_bytes()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "/enddate: enddate 2015-01-01 is before the startdate 2016-01-01"
    );
}
