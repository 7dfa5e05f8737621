//! P1 telegrams: real telegrams from public repositories (`tests/fixtures/p1/`, see its
//! README.md), a synthetic series across the October 2023 DST change for the slot rule, and one
//! corruption at a time for every refusal.
//!
//! Figures read off the fixtures by hand are quoted beside each assertion. The series helper
//! and the CRC used to seal corrupted telegrams are written here, independently of the crate.

use std::path::{Path, PathBuf};

use zkmeter_import::readings::p1::{
    parse_p1, parse_p1_telegrams, read_p1, P1Telegram, MAX_P1_FILE_BYTES,
};
use zkmeter_import::{fit_to_frame, Fill, ImportError, Interval};
use zkmeter_protocol::{CircuitSize, Frame, UtcTime};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/p1")
        .join(rel)
}

fn text(rel: &str) -> String {
    String::from_utf8(std::fs::read(fixture(rel)).unwrap()).unwrap()
}

fn unix(rfc3339: &str) -> i64 {
    UtcTime::parse(rfc3339).unwrap().unix()
}

fn frame(start: &str, minutes: u16, slots: u32) -> Frame {
    let size = CircuitSize::smallest_fitting(slots as usize, 1).unwrap();
    Frame::new(UtcTime::parse(start).unwrap(), minutes, slots, size).unwrap()
}

/// CRC-16/ARC, bit by bit (the crate's own is checked against the catalogue value "123456789"
/// -> BB3D; this one against every real fixture below).
fn arc16(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0u16, |mut crc, &b| {
        crc ^= u16::from(b);
        for _ in 0..8 {
            let lsb = crc & 1;
            crc >>= 1;
            if lsb == 1 {
                crc ^= 0xA001;
            }
        }
        crc
    })
}

/// `body` (a telegram up to the line before `!`) with its end line and correct CRC.
fn seal(body: &str) -> String {
    let covered = format!("{body}!");
    format!("{covered}{:04X}\r\n", arc16(covered.as_bytes()))
}

/// A real telegram without its end line (`!` + CRC + CR LF).
fn body(rel: &str) -> String {
    let t = text(rel);
    let bang = t.rfind('!').unwrap();
    t[..bang].to_owned()
}

fn one(bytes: &str) -> Result<P1Telegram, ImportError> {
    let mut v = parse_p1_telegrams(bytes.as_bytes())?;
    assert_eq!(v.len(), 1);
    Ok(v.remove(0))
}

fn err(bytes: &str) -> String {
    parse_p1_telegrams(bytes.as_bytes())
        .unwrap_err()
        .to_string()
}

// ------------------------------------------------------------------------------ real telegrams

#[test]
fn real_telegrams_parse_with_their_crc_checked() {
    // (file, timestamp as written -> UTC, import = 1.8.1 + 1.8.2 [+ ...], export = 2.8.1 + 2.8.2)
    let cases = [
        // NL Kaifa DSMR 4.2: 161113205757W = 2016-11-13 20:57:57 UTC+1;
        // 1581.123 + 1435.706 = 3016.829 kWh; 0.000 + 0.000.
        ("TELEGRAM_V4_2.txt", "2016-11-13T19:57:57Z", 3_016_829, 0),
        // NL Iskra DSMR 5.0: 4.426 + 2.399 = 6.825 kWh; 2.444 + 0.000 = 2.444 kWh.
        ("TELEGRAM_V5.txt", "2017-01-02T18:20:02Z", 6_825, 2_444),
        // NL Iskra AM550, two M-Bus devices, summer time (S = UTC+2):
        // 2130.115 + 245.467 = 2375.582 kWh.
        (
            "TELEGRAM_V5_TWO_MBUS.txt",
            "2020-04-26T20:33:25Z",
            2_375_582,
            0,
        ),
        // BE Fluvius e-MUCS 1.7.1: 0.034 + 15.758 = 15.792 kWh; 0.000 + 0.011 = 0.011 kWh.
        (
            "TELEGRAM_FLUVIUS_V171.txt",
            "2020-05-12T11:54:09Z",
            15_792,
            11,
        ),
        // BE Fluvius, winter: 301.548 + 270.014 = 571.562 kWh; 0.005 + 0.000 = 0.005 kWh. Its
        // 0-0:98.1.0 line holds an impossible '632525252525W': an ignored line is not judged.
        (
            "TELEGRAM_FLUVIUS_V171_ALT.txt",
            "2023-11-02T11:15:48Z",
            571_562,
            5,
        ),
        // LU Sagemcom T210-D in Wh: 5017120 + 1528646 = 6545766 = 1.8.0;
        // 0 + 58 = 58 = 2.8.0.
        (
            "TELEGRAM_SAGEMCOM_T210_D_R.txt",
            "2022-10-06T13:50:14Z",
            6_545_766,
            58,
        ),
        // HU Sagemcom (CET too), four tariffs and totals: 47.719 + 125.921 + 0 + 0 = 173.640 =
        // 1.8.0; 401.829 + 225.348 + 0 + 0 = 627.177 = 2.8.0.
        (
            "TELEGRAM_V5_EON_HU.txt",
            "2023-07-24T13:07:30Z",
            173_640,
            627_177,
        ),
    ];
    for (file, time, import_wh, export_wh) in cases {
        let rel = format!("dsmr_parser/{file}");
        let t = text(&rel);
        // The written CRC is the CRC of the bytes from '/' to '!'.
        let bang = t.rfind('!').unwrap();
        let written = u16::from_str_radix(t[bang + 1..].trim_end(), 16).unwrap();
        assert_eq!(arc16(&t.as_bytes()[..=bang]), written, "{file}");
        let got = one(&t).unwrap();
        assert_eq!(
            got,
            P1Telegram {
                at: "line 1".into(),
                time: unix(time),
                import_wh,
                export_wh,
            },
            "{file}"
        );
        // One changed digit in the registers' line breaks the CRC.
        let broken = t.replacen("(0000", "(0001", 1);
        assert_ne!(broken, t, "{file}");
        assert!(err(&broken).contains("CRC"), "{file}");
    }
}

#[test]
fn real_telegrams_that_cannot_be_billed_are_refused_for_their_reason() {
    // DSMR 2.2 and 3.0: '!' with no CRC (and no timestamp) - line 20 in both.
    for file in ["TELEGRAM_V2_2.txt", "TELEGRAM_V3.txt"] {
        let t = text(&format!("dsmr_parser/{file}"));
        assert_eq!(
            err(&t),
            "line 20: CRC is absent (a DSMR 2.2 / 3.0 telegram): it cannot be checked and is refused",
            "{file}"
        );
    }
    // A heat meter that writes its CRC unpadded ('!B9F' = 0B9F): the CRC is accepted, then
    // the telegram is refused because it has no electricity registers.
    let heat = text("dsmr_parser/TELEGRAM_UNPADDED_CRC.txt");
    assert_eq!(
        err(&heat),
        "line 1: telegram has no 1-0:1.8.1 / 1-0:1.8.2 or 1-0:1.8.0 register"
    );
    let bad_crc = heat.replace("!B9F", "!B9E");
    assert!(err(&bad_crc)
        .starts_with("line 11: CRC 0B9E as written, but the telegram from line 1 gives 0B9F"));
}

const SERIES: &str = "dsmr-tools/ttyUSB0-raw.txt";

/// The file with the lines before its first telegram emptied (their line ends kept, so line
/// numbers stay those of the file): the capture began inside a telegram.
fn from_first_telegram(t: &str) -> String {
    let first = t.find("\n/").unwrap() + 1;
    let newlines = t[..first].matches('\n').count();
    format!("{}{}", "\n".repeat(newlines), &t[first..])
}

#[test]
fn a_real_one_second_series_parses_and_has_no_slot_boundary() {
    let t = text(SERIES);
    // The capture starts with the last 16 lines of a telegram ('!F21E' on line 16): refused.
    let e = err(&t);
    assert!(
        e.starts_with("line 1: malformed P1 telegram: expected '/' starting a telegram, found '1' (a capture that starts inside a telegram"),
        "{e}"
    );
    // grep -c '^/' = 566 telegrams of 35 lines from line 17; grep 0-0:1.0.0 first / last:
    // 190324150519W and 190324151445W (UTC+1); 1.8.1 + 1.8.2 first 3432.827 + 3224.632 =
    // 6657.459 kWh, last 3432.921 + 3224.632 = 6657.553 kWh; 2.8.x all 0.000.
    let telegrams = parse_p1_telegrams(from_first_telegram(&t).as_bytes()).unwrap();
    assert_eq!(telegrams.len(), 566);
    let (first, last) = (&telegrams[0], &telegrams[565]);
    assert_eq!(
        first,
        &P1Telegram {
            at: "line 17".into(),
            time: unix("2019-03-24T14:05:19Z"),
            import_wh: 6_657_459,
            export_wh: 0,
        }
    );
    assert_eq!(
        last,
        &P1Telegram {
            at: format!("line {}", 17 + 35 * 565),
            time: unix("2019-03-24T14:14:45Z"),
            import_wh: 6_657_553,
            export_wh: 0,
        }
    );
    // 14:05:19..14:14:45 holds no quarter-hour boundary: the slot 14:00-14:15 has no reading.
    let f = frame("2019-03-24T14:00:00Z", 15, 1);
    let r = parse_p1(from_first_telegram(&t).as_bytes(), &f).unwrap();
    assert_eq!((r.telegrams, r.boundaries), (566, 0));
    assert!(r.import.is_empty() && r.export.is_empty());
    let e = fit_to_frame(&r.import, &f, Fill::Reject).unwrap_err();
    assert!(
        matches!(&e, ImportError::Missing { timestamp, .. } if timestamp == "2019-03-24T14:00:00Z"),
        "{e}"
    );
    let filled = fit_to_frame(&r.import, &f, Fill::Zero).unwrap();
    assert_eq!(filled.readings, vec![0]);
    assert_eq!(filled.filled, vec![unix("2019-03-24T14:00:00Z")]);
}

// ------------------------------------------------------------------------------ slot series

/// The register values at the series' nine quarter-hour boundaries, 2023-10-29T00:00Z +
/// 15 min x k (local 02:00 S, 02:15 S, ..., 02:45 S, 02:00 W, ..., 02:45 W, 03:00 W): the
/// autumn change repeats local 02:00-03:00, and only the flag tells the two hours apart.
const IMPORT_AT: [u64; 9] = [
    5_123_456, 5_123_702, 5_124_011, 5_124_011, 5_124_550, 5_125_001, 5_125_003, 5_125_880,
    5_126_000,
];
const EXPORT_AT: [u64; 9] = [
    1_000, 1_000, 1_050, 1_400, 1_400, 1_401, 1_401, 1_401, 1_999,
];
/// Slot differences, by hand: 5123702 - 5123456 = 246; 5124011 - 5123702 = 309;
/// 5124011 - 5124011 = 0; 5124550 - 5124011 = 539; 5125001 - 5124550 = 451;
/// 5125003 - 5125001 = 2; 5125880 - 5125003 = 877; 5126000 - 5125880 = 120.
const IMPORT_SLOTS: [u64; 8] = [246, 309, 0, 539, 451, 2, 877, 120];
/// 1000 - 1000 = 0; 1050 - 1000 = 50; 1400 - 1050 = 350; 0; 1401 - 1400 = 1; 0; 0;
/// 1999 - 1401 = 598.
const EXPORT_SLOTS: [u64; 8] = [0, 50, 350, 0, 1, 0, 0, 598];
const SERIES_START: &str = "2023-10-29T00:00:00Z";
const QUARTER: i64 = 900;
/// Tariff 1 holds this much until 01:00Z; tariff 2 takes the consumption before 01:00Z and
/// tariff 1 after (a tariff switch inside the frame: only the sum is billed).
const TARIFF_1_BASE: u64 = 2_000_000;

/// A register at `t` seconds after the series start: the boundary values above, a straight
/// line (rounded down) between them, 1 Wh per 10 s before and after the frame.
fn register(at: &[u64; 9], t: i64) -> u64 {
    if t < 0 {
        return at[0] - (-t / 10) as u64;
    }
    let k = (t / QUARTER) as usize;
    if k >= 8 {
        return at[8] + ((t - 8 * QUARTER) / 10) as u64;
    }
    let into = (t - k as i64 * QUARTER) as u64;
    at[k] + (at[k + 1] - at[k]) * into / QUARTER as u64
}

fn kwh(wh: u64) -> String {
    format!("{:06}.{:03}*kWh", wh / 1000, wh % 1000)
}

/// The local time text `YYMMDDhhmmssX` of Unix second `u` (CET/CEST; only the 2023-10-29
/// change is needed here: before 01:00Z it is summer time).
fn local(u: i64) -> String {
    let change = unix("2023-10-29T01:00:00Z");
    let (offset, flag) = if u < change { (7200, 'S') } else { (3600, 'W') };
    let t = UtcTime::from_unix(u + offset).unwrap().to_datetime();
    format!("{}{flag}", t.format("%y%m%d%H%M%S"))
}

/// One telegram at `t` seconds after the series start, on the model of the Iskra AM550
/// telegrams in the dsmr-tools capture (header, version, equipment id, registers, tariff,
/// power), sealed with a correct CRC.
fn telegram(t: i64, import_wh: u64, export_wh: u64) -> String {
    let u = unix(SERIES_START) + t;
    // (Bounded by the total, so edited registers still split into two non-negative parts.)
    let t1 = if t >= 4 * QUARTER {
        TARIFF_1_BASE + import_wh.saturating_sub(IMPORT_AT[4])
    } else {
        TARIFF_1_BASE
    }
    .min(import_wh);
    seal(&format!(
        "/ISK5\\2M550T-1012\r\n\r\n1-3:0.2.8(50)\r\n0-0:1.0.0({})\r\n\
         0-0:96.1.1(4530303434303037313331363530363138)\r\n\
         1-0:1.8.1({})\r\n1-0:1.8.2({})\r\n1-0:2.8.1({})\r\n1-0:2.8.2({})\r\n\
         0-0:96.14.0(0001)\r\n1-0:1.7.0(00.433*kW)\r\n1-0:2.7.0(00.000*kW)\r\n",
        local(u),
        kwh(t1),
        kwh(import_wh - t1),
        kwh(0),
        kwh(export_wh),
    ))
}

/// Telegrams every 10 s from 60 s before the frame to 60 s after it (733 telegrams), with
/// `edit` applied to each `(t, import, export)` first (`None` drops the telegram).
fn series(edit: impl Fn(i64, u64, u64) -> Option<(i64, u64, u64)>) -> String {
    (-6..=8 * 90 + 6)
        .filter_map(|i| {
            let t = i * 10;
            edit(t, register(&IMPORT_AT, t), register(&EXPORT_AT, t))
        })
        .map(|(t, i, e)| telegram(t, i, e))
        .collect()
}

fn series_frame() -> Frame {
    frame(SERIES_START, 15, 8)
}

fn whs(intervals: &[Interval]) -> Vec<u64> {
    intervals.iter().map(|iv| iv.value).collect()
}

#[test]
fn slots_are_the_differences_between_boundary_telegrams_across_the_dst_change() {
    let text = series(|t, i, e| Some((t, i, e)));
    // The repeated local hour: 00:00Z and 01:00Z are both written 02:00:00, told apart by S/W.
    assert!(text.contains("0-0:1.0.0(231029020000S)"));
    assert!(text.contains("0-0:1.0.0(231029020000W)"));
    let f = series_frame();
    let r = parse_p1(text.as_bytes(), &f).unwrap();
    assert_eq!((r.telegrams, r.boundaries), (733, 9));
    assert_eq!(whs(&r.import), IMPORT_SLOTS);
    assert_eq!(whs(&r.export), EXPORT_SLOTS);
    let starts: Vec<i64> = r.import.iter().map(|iv| iv.start).collect();
    let expected: Vec<i64> = (0..8).map(|k| unix(SERIES_START) + k * QUARTER).collect();
    assert_eq!(starts, expected);
    assert!(r.import.iter().all(|iv| iv.seconds == QUARTER));
    // Each interval is placed at its start telegram: 13 lines a telegram, 6 before the frame.
    assert_eq!(r.import[1].at, format!("line {}", 1 + 13 * (6 + 90)));
    let fitted = fit_to_frame(&r.import, &f, Fill::Reject).unwrap();
    assert_eq!(fitted.readings, vec![246, 309, 0, 539, 451, 2, 877, 120]);
    let fitted = fit_to_frame(&r.export, &f, Fill::Reject).unwrap();
    assert_eq!(fitted.readings, vec![0, 50, 350, 0, 1, 0, 0, 598]);
    // Half-hour slots sum two quarter-hours: 246 + 309 = 555, 0 + 539, 451 + 2, 877 + 120.
    let half = frame(SERIES_START, 30, 4);
    let r = parse_p1(text.as_bytes(), &half).unwrap();
    assert_eq!(whs(&r.import), [555, 539, 453, 997]);
}

#[test]
fn a_missing_boundary_makes_both_its_slots_missing() {
    let f = series_frame();
    let honest = parse_p1(series(|t, i, e| Some((t, i, e))).as_bytes(), &f).unwrap();
    assert_eq!(honest.import.len(), 8);
    // Drop the telegram at 00:30Z (boundary 2): slots 00:15 and 00:30 lose a boundary each.
    let gap = series(|t, i, e| (t != 2 * QUARTER).then_some((t, i, e)));
    let r = parse_p1(gap.as_bytes(), &f).unwrap();
    assert_eq!((r.telegrams, r.boundaries), (732, 8));
    assert_eq!(whs(&r.import), [246, 539, 451, 2, 877, 120]);
    let e = fit_to_frame(&r.import, &f, Fill::Reject).unwrap_err();
    assert!(
        matches!(&e, ImportError::Missing { timestamp, .. } if timestamp == "2023-10-29T00:15:00Z"),
        "{e}"
    );
    let filled = fit_to_frame(&r.import, &f, Fill::Zero).unwrap();
    assert_eq!(filled.readings, vec![246, 0, 0, 539, 451, 2, 877, 120]);
    assert_eq!(
        filled.filled,
        vec![unix("2023-10-29T00:15:00Z"), unix("2023-10-29T00:30:00Z")]
    );
    // A telegram one second off the boundary does not stand in for it.
    let off = series(|t, i, e| Some((if t == 2 * QUARTER { t + 1 } else { t }, i, e)));
    let r = parse_p1(off.as_bytes(), &f).unwrap();
    assert_eq!(r.boundaries, 8);
    assert_eq!(r.import.len(), 6);
}

#[test]
fn sequence_errors_inside_the_frame_are_refused_and_outside_it_are_not_judged() {
    let f = series_frame();
    assert!(parse_p1(series(|t, i, e| Some((t, i, e))).as_bytes(), &f).is_ok());
    // A register that falls (meter replaced) at 00:40:00Z: 5124011 -> 1000.
    let reset = series(|t, i, e| Some((t, if t >= 2400 { i - 5_123_011 } else { i }, e)));
    let e = parse_p1(reset.as_bytes(), &f).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "line {}: import register fell from 5124011 Wh at 2023-10-29T00:39:50Z (line {}) to \
             1000 Wh at 2023-10-29T00:40:00Z: a meter reset or replacement cannot be billed across",
            1 + 13 * (6 + 240),
            1 + 13 * (6 + 239)
        )
    );
    // Export falling by 1 Wh at 01:30:00Z (1401 -> 1400).
    let dip = series(|t, i, e| Some((t, i, if t == 5400 { e - 1 } else { e })));
    let e = parse_p1(dip.as_bytes(), &f).unwrap_err().to_string();
    assert!(
        e.contains("export register fell from 1401 Wh at 2023-10-29T01:29:50Z"),
        "{e}"
    );
    // A timestamp repeated (the telegram at 00:20:00 written as 00:19:50).
    let repeat = series(|t, i, e| Some((if t == 1200 { 1190 } else { t }, i, e)));
    let e = parse_p1(repeat.as_bytes(), &f).unwrap_err().to_string();
    assert!(
        e.contains("0-0:1.0.0 2023-10-29T00:19:50Z is not after 2023-10-29T00:19:50Z"),
        "{e}"
    );
    // Going back in time: the telegram at 01:00:10Z (02:00:10 W) written with S, i.e. 00:00:10Z.
    let back = series(|t, i, e| Some((if t == 3610 { 10 } else { t }, i, e)));
    let e = parse_p1(back.as_bytes(), &f).unwrap_err().to_string();
    assert!(
        e.contains("2023-10-29T00:00:10Z is not after 2023-10-29T01:00:00Z"),
        "{e}"
    );
    // The same faults before the frame (at -30 s) are parsed but not judged.
    let before = series(|t, i, e| {
        Some((
            if t == -30 { -50 } else { t },
            if t == -30 { 1 } else { i },
            e,
        ))
    });
    let r = parse_p1(before.as_bytes(), &f).unwrap();
    assert_eq!(whs(&r.import), IMPORT_SLOTS);
    // ... while a frame-less read of the whole file judges every telegram.
    let e = parse_p1_telegrams(before.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(e.contains("is not after"), "{e}");
}

// ------------------------------------------------------------------------------ corruptions

const FLUVIUS: &str = "dsmr_parser/TELEGRAM_FLUVIUS_V171.txt";

/// The Fluvius telegram with `from` replaced by `to` and resealed: honest first.
fn fluvius(from: &str, to: &str) -> String {
    let b = body(FLUVIUS);
    assert!(b.contains(from), "{from}");
    seal(&b.replacen(from, to, 1))
}

#[test]
fn crc_faults_are_refused_naming_line_and_both_crcs() {
    let honest = text(FLUVIUS);
    assert_eq!(one(&honest).unwrap().import_wh, 15_792);
    assert_eq!(seal(&body(FLUVIUS)), honest);
    // One digit changed, CRC kept.
    let changed = honest.replacen("000015.758", "000015.759", 1);
    let want = arc16(&changed.as_bytes()[..=changed.rfind('!').unwrap()]);
    assert_eq!(
        err(&changed),
        format!("line 39: CRC 3AD7 as written, but the telegram from line 1 gives {want:04X}")
    );
    // The CRC computed over the telegram without its '!'.
    let b = body(FLUVIUS);
    let short = format!("{b}!{:04X}\r\n", arc16(b.as_bytes()));
    assert!(err(&short).starts_with("line 39: CRC "), "{}", err(&short));
    // A telegram truncated after its registers, ending with the original end line.
    let cut: String = honest.split_inclusive('\n').take(9).collect::<String>() + "!3AD7\r\n";
    assert!(
        err(&cut).starts_with("line 10: CRC 3AD7 as written, but the telegram from line 1 gives")
    );
    // Line ends converted to LF: the hint says so.
    let lf = honest.replace("\r\n", "\n");
    assert!(
        err(&lf).ends_with("(its lines end in LF only: the CRC covers the CR LF the meter sent)")
    );
    // Not hex, too long.
    assert!(
        err(&honest.replace("!3AD7", "!3AG7")).contains("is not '!' followed by a 4-digit hex CRC")
    );
    assert!(err(&honest.replace("!3AD7", "!03AD7"))
        .contains("is not '!' followed by a 4-digit hex CRC"));
}

#[test]
fn framing_faults_are_refused_naming_the_line() {
    let honest = text(FLUVIUS);
    let two = format!(
        "{honest}\r\n \t\r\n{}",
        text("dsmr_parser/TELEGRAM_FLUVIUS_V171_ALT.txt")
    );
    // Whitespace between telegrams is fine (2020 then 2023; both registers rise... except the
    // export, 11 -> 5 Wh: a different meter, so the frame-less read refuses the sequence).
    let e = err(&two);
    assert!(
        e.starts_with("line 42: export register fell from 11 Wh"),
        "{e}"
    );
    // Missing '!': at the end of the file, and before the next telegram.
    let no_end = honest.replace("!3AD7\r\n", "");
    assert_eq!(
        err(&no_end),
        "line 1: malformed P1 telegram: the telegram has no end line '!' (the file ends at line 39)"
    );
    let run_on = format!("{no_end}{honest}");
    assert_eq!(
        err(&run_on),
        "line 1: malformed P1 telegram: the telegram has no end line '!' before the next telegram at line 39"
    );
    // Text between telegrams.
    let junk = format!("{honest}garbage\r\n{honest}");
    assert_eq!(
        err(&junk),
        "line 40: malformed P1 telegram: expected '/' starting a telegram, found 'g'"
    );
    // Bytes that are not printable ASCII, CRC resealed so only the byte is at fault.
    for (bad, shown) in [
        ("\0", "byte 0x00"),
        ("\u{e9}", "byte 0xC3"),
        ("\x7f", "byte 0x7F"),
        ("\t", "byte 0x09"),
    ] {
        let t = fluvius("0-0:96.13.0()", &format!("0-0:96.13.0({bad})"));
        assert_eq!(
            err(&t),
            format!("line 31: malformed P1 telegram: {shown} at column 13 is not printable ASCII")
        );
    }
    let nul_between = format!("{honest}\0{honest}");
    assert!(err(&nul_between).ends_with("found byte 0x00"));
    // A 1024-character text message (2048 hex digits) is fine; a line over 4096 bytes is not.
    let message = fluvius(
        "0-0:96.13.0()",
        &format!("0-0:96.13.0({})", "41".repeat(1024)),
    );
    assert_eq!(one(&message).unwrap().import_wh, 15_792);
    let long = fluvius(
        "0-0:96.13.0()",
        &format!("0-0:96.13.0({})", "41".repeat(2050)),
    );
    assert_eq!(
        err(&long),
        "line 31: malformed P1 telegram: line is longer than 4096 bytes"
    );
    // A telegram over 16 KiB made of valid lines.
    let many = fluvius("0-0:96.13.0()\r\n", &"0-0:96.13.0()\r\n".repeat(1200));
    assert!(err(&many)
        .starts_with("line 1: malformed P1 telegram: telegram is longer than 16384 bytes"));
    // Lines that are not COSEM lines.
    for (bad, want) in [
        ("1-0:1.4.0(02.351*kW)", "1-0:1.4.0 02.351*kW"),
        ("1-0:1.4.0(02.351*kW)", "1-0:1.4.0(02.351*kW"),
        ("1-0:1.4.0(02.351*kW)", "1-0:1.4.0(02.3(51*kW)"),
        ("1-0:1.4.0(02.351*kW)", "1-0:1.4.0(02.351*kW)x"),
        ("1-0:1.4.0(02.351*kW)", "1 0:1.4.0(02.351*kW)"),
    ] {
        let t = fluvius(bad, want);
        assert!(
            err(&t).starts_with("line 10: malformed P1 telegram: "),
            "{want}: {}",
            err(&t)
        );
    }
    // A value line continues the line before it only after a COSEM line it does not read.
    let cont = fluvius("0-0:96.14.0(0001)\r\n", "0-0:96.14.0(0001)\r\n(0002)\r\n");
    assert_eq!(one(&cont).unwrap().import_wh, 15_792);
    let cont_reg = fluvius(
        "1-0:2.8.2(000000.011*kWh)\r\n",
        "1-0:2.8.2(000000.011*kWh)\r\n(1)\r\n",
    );
    assert!(err(&cont_reg).contains("cannot continue on the next line"));
}

#[test]
fn register_faults_are_refused_for_their_reason() {
    assert_eq!(one(&text(FLUVIUS)).unwrap().export_wh, 11);
    let r = "1-0:1.8.2(000015.758*kWh)";
    for (to, want) in [
        ("1-0:1.8.2(000015.7580*kWh)", ""),
        (
            "1-0:1.8.2(999999999999.999*kWh)",
            "line 7: 1-0:1.8.2 999999999999.999*kWh is above the bound of 999999999999 Wh",
        ),
        (
            "1-0:1.8.2(-00015.758*kWh)",
            "line 7: 1-0:1.8.2 '-00015.758' is not an unsigned decimal number",
        ),
        (
            "1-0:1.8.2(00O015.758*kWh)",
            "line 7: 1-0:1.8.2 '00O015.758' is not an unsigned decimal number",
        ),
        (
            "1-0:1.8.2(000015.7585*kWh)",
            "line 7: 1-0:1.8.2 000015.7585*kWh is not a whole number of Wh",
        ),
        (
            "1-0:1.8.2(000015.758*MWh)",
            "line 7: 1-0:1.8.2 unit 'MWh' is not kWh or Wh",
        ),
        (
            "1-0:1.8.2(000015.758)",
            "line 7: 1-0:1.8.2 '000015.758' has no unit (kWh or Wh)",
        ),
        (
            "1-0:1.8.2(000015.758*kWh)(1)",
            "line 7: malformed P1 telegram: 1-0:1.8.2 has 2 values, expected one",
        ),
        (
            "1-0:1.8.2(000015.758*kWh)\r\n1-0:1.8.2(000015.758*kWh)",
            "line 8: duplicate 1-0:1.8.2 line (first at line 7)",
        ),
        (
            "1-0:1.8.2(000015.758*kWh)\r\n1-0:1.8.0(000015.793*kWh)",
            "line 8: 1-0:1.8.0 total 15793 Wh is not the sum of the tariff registers, 15792 Wh",
        ),
        ("1-0:1.8.2(000015.758*kWh)\r\n1-0:1.8.0(000015.792*kWh)", ""),
        (
            "1-0:3.8.2(000015.758*kWh)",
            "line 1: telegram has tariff registers but no 1-0:1.8.2",
        ),
    ] {
        let t = fluvius(r, to);
        if want.is_empty() {
            assert_eq!(one(&t).unwrap().import_wh, 15_792, "{to}");
        } else {
            assert_eq!(err(&t), want, "{to}");
        }
    }
    let no_export = fluvius(
        "1-0:2.8.1(000000.000*kWh)\r\n1-0:2.8.2(000000.011*kWh)\r\n",
        "",
    );
    assert_eq!(
        err(&no_export),
        "line 1: telegram has no 1-0:2.8.1 / 1-0:2.8.2 or 1-0:2.8.0 register"
    );
}

#[test]
fn timestamp_faults_are_refused_for_their_reason() {
    assert_eq!(
        one(&text(FLUVIUS)).unwrap().time,
        unix("2020-05-12T11:54:09Z")
    );
    let ts = "0-0:1.0.0(200512135409S)";
    for (to, want) in [
        ("0-0:1.0.0(200512135409W)", "line 5: 0-0:1.0.0 '200512135409W' says winter time (UTC+1), but Europe/Brussels is on summer time (UTC+2) at that instant (or the local time does not exist)"),
        ("0-0:1.0.0(200512135409X)", "line 5: 0-0:1.0.0 '200512135409X': DST flag 'X' is not S (summer) or W (winter)"),
        ("0-0:1.0.0(200512135409s)", "line 5: 0-0:1.0.0 '200512135409s': DST flag 's' is not S (summer) or W (winter)"),
        ("0-0:1.0.0(200230135409S)", "line 5: 0-0:1.0.0 '200230135409S' is not a real date and time"),
        ("0-0:1.0.0(200512245409S)", "line 5: 0-0:1.0.0 '200512245409S' is not a real date and time"),
        ("0-0:1.0.0(200512135460S)", "line 5: 0-0:1.0.0 '200512135460S' is not a real date and time"),
        ("0-0:1.0.0(2005121354S)", "line 5: 0-0:1.0.0 '2005121354S' is not YYMMDDhhmmssX"),
        ("0-0:1.0.0(200512135409S)\r\n0-0:1.0.0(200512135410S)", "line 6: duplicate 0-0:1.0.0 line (first at line 5)"),
        ("0-0:96.1.4(1)", "line 1: telegram has no 0-0:1.0.0 timestamp"),
    ] {
        assert_eq!(err(&fluvius(ts, to)), want, "{to}");
    }
}

#[test]
fn files_over_the_cap_are_refused_before_parsing() {
    let f = series_frame();
    // calloc'd zeros: no page is touched, and no byte is looked at.
    let huge = vec![0u8; MAX_P1_FILE_BYTES as usize + 1];
    let e = parse_p1(&huge, &f).unwrap_err();
    assert!(
        matches!(e, ImportError::TooLarge { size, cap, .. } if size == cap + 1 && cap == MAX_P1_FILE_BYTES),
        "{e}"
    );
    let e = parse_p1_telegrams(&huge).unwrap_err();
    assert!(matches!(e, ImportError::TooLarge { .. }), "{e}");
    // From disk: an honest file reads, a sparse file one byte over the cap is refused.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("p1-cap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let honest = dir.join("honest.p1");
    std::fs::write(&honest, series(|t, i, e| Some((t, i, e)))).unwrap();
    assert_eq!(whs(&read_p1(&honest, &f).unwrap().import), IMPORT_SLOTS);
    let big = dir.join("big.p1");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(MAX_P1_FILE_BYTES + 1)
        .unwrap();
    let e = read_p1(&big, &f).unwrap_err();
    assert!(matches!(e, ImportError::File(_)), "{e}");
    assert!(e.to_string().contains("cap"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
