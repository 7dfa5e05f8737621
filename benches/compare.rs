//! zkmeter against the design it replaces, in one run: the per-reading Pedersen commitment
//! protocol (`zkmeter-baseline`, bench-only) and zkmeter's one-proof bill, on the same
//! readings and the same tariff, for each named circuit size's natural period (one day of
//! quarter-hours, a 31-day month of half-hours, a 31-day month of quarter-hours: 96 / 1488 /
//! 2976 readings).
//!
//! ```sh
//! cargo bench --bench compare                                   # every size
//! ZKMETER_BENCH_SIZES=day-15min cargo bench --bench compare     # a quick run
//! ZKMETER_BATCH=16 cargo bench --bench compare                  # batch of 16 proofs (default 8)
//! ```
//!
//! Criterion groups `compare-<size>`, functions (parameter: readings per bill):
//!
//! | function | what one iteration is |
//! |---|---|
//! | `baseline-meter` | the baseline meter commits to and signs every reading of the period |
//! | `baseline-plugin` | the baseline plugin computes `B`, `O` and encodes the bill message |
//! | `baseline-verify` | the utility decodes one bill message, checks every signature and the MSM |
//! | `zkmeter-meter` | the zkmeter meter commits to the period and signs once (`meter::record`) |
//! | `zkmeter-plugin` | `prover::Plugin::prove` (checks, bill, proof) and encoding the submission |
//! | `zkmeter-verify` | the utility decodes one submission, checks its statement and the proof |
//! | `zkmeter-verify-batched` | per bill: decode and check `ZKMETER_BATCH` submissions, one `BatchVerifier` |
//!
//! `zkmeter-verify-batched` is reported **per bill** (the batch's time divided by its size,
//! through `iter_custom`). The bytes sent to the utility per bill are not timings: they are
//! printed and written to `target/compare/<size>.json` for `scripts/bench-report.sh`.
//! Keys are built once per size, outside the timings (the utility and the plugin keep them).

mod common;

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use p256::elliptic_curve::Generate;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkmeter_baseline::{bill_message, Meter, PeriodId, Utility};
use zkmeter_circuit::{proof_len, BatchValidator};
use zkmeter_meter::{demo_tariff, record, synthetic_readings, MeterSigningKey};
use zkmeter_protocol::{
    CircuitSize, Frame, MeterId, MeterPublicKey, Period, Submission, Tariff, UtcTime, ZkFile,
};
use zkmeter_prover::Plugin;
use zkmeter_verifier::{check_submission, Checked, UtilityTariff, Verifier};

/// Start of every benchmarked period: a 31-day month, so month sizes are full.
const START: &str = "2026-01-01T00:00:00Z";
/// Default number of proofs in one batch verification.
const DEFAULT_BATCH: usize = 8;

fn batch_len() -> usize {
    std::env::var("ZKMETER_BATCH").map_or(DEFAULT_BATCH, |v| {
        v.parse()
            .ok()
            .filter(|&n| n > 0)
            .expect("ZKMETER_BATCH: a positive integer")
    })
}

/// The slot length a size is named after (`month-30min` -> 30).
fn slot_minutes(size: CircuitSize) -> u16 {
    size.name()
        .rsplit('-')
        .next()
        .and_then(|s| s.strip_suffix("min"))
        .and_then(|m| m.parse().ok())
        .expect("size names end in -<minutes>min")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    )
}

/// One size's fixture: the frame, tariff, meter keys and a period recorded by each design.
struct Case {
    size: CircuitSize,
    frame: Frame,
    tariff: Tariff,
    readings: Vec<u32>,
    meter_key: MeterSigningKey,
    meter_pub: MeterPublicKey,
}

impl Case {
    fn new(size: CircuitSize) -> Self {
        let frame = Frame::natural(UtcTime::parse(START).unwrap(), slot_minutes(size), size)
            .expect("natural frame");
        let tariff = demo_tariff(&frame, 1).expect("demo tariff");
        let readings = synthetic_readings(&frame, 1).expect("synthetic readings");
        let meter_key = MeterSigningKey::generate(&mut ChaCha20Rng::seed_from_u64(1)).unwrap();
        let meter_pub = meter_key.public_key();
        Case {
            size,
            frame,
            tariff,
            readings,
            meter_key,
            meter_pub,
        }
    }

    /// The zkmeter period of household `seed` (its own readings; the same meter key).
    fn zk_period(&self, seed: u64) -> Period {
        let readings = if seed == 1 {
            self.readings.clone()
        } else {
            synthetic_readings(&self.frame, seed).expect("synthetic readings")
        };
        let id = MeterId::new(&format!("bench-{seed:04}")).unwrap();
        record(
            &self.meter_key,
            id,
            self.frame,
            zkmeter_meter::Measured::import_wh(readings),
            &mut ChaCha20Rng::seed_from_u64(seed),
        )
        .expect("record")
    }
}

/// What the utility does per zkmeter bill before the proof: decode, then every check
/// (`check_submission`: statement, signature, instance columns).
fn zk_check(bytes: &[u8], meter_pub: &MeterPublicKey, tariff: &UtilityTariff) -> Checked {
    let sub = Submission::from_bytes(bytes).expect("submission decodes");
    check_submission(&sub, meter_pub, tariff, None).expect("statement accepted")
}

fn bench(c: &mut Criterion) {
    let batch = batch_len();
    // The baseline has one register: compare the one-register sizes.
    for size in common::sizes().into_iter().filter(|s| !s.has_export()) {
        let case = Case::new(size);
        let n = case.readings.len();
        let params = zkmeter_params::ParamStore::default_store()
            .load(size.k(), |_| {})
            .expect("IPA parameters");
        let mut group = c.benchmark_group(format!("compare-{}", size.name()));
        group.sample_size(10);

        // ---- the baseline: one commitment and one signature per reading ----
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let signing = p256::ecdsa::SigningKey::try_generate_from_rng(&mut rng).unwrap();
        let meter = Meter::new(signing, 1);
        let start = case.frame.start.unix();
        group.bench_function(BenchmarkId::new("baseline-meter", n), |b| {
            b.iter(|| meter.record(start, black_box(&case.readings), &mut rng))
        });
        let recorded = meter.record(start, &case.readings, &mut rng);
        let prices = &case.tariff.prices;
        group.bench_function(BenchmarkId::new("baseline-plugin", n), |b| {
            b.iter(|| {
                bill_message(black_box(&recorded), prices)
                    .unwrap()
                    .to_bytes()
            })
        });
        let baseline_bytes = bill_message(&recorded, prices).unwrap().to_bytes();
        let utility = Utility::new(meter.public_key());
        let period_id = PeriodId { meter_id: 1, start };
        group.bench_function(BenchmarkId::new("baseline-verify", n), |b| {
            b.iter(|| {
                utility
                    .verify_bytes(black_box(&baseline_bytes), period_id, prices)
                    .unwrap()
            })
        });

        // ---- zkmeter: one signature and one proof per bill ----
        group.bench_function(BenchmarkId::new("zkmeter-meter", n), |b| {
            b.iter(|| case.zk_period(1))
        });
        let plugin = Plugin::new(&case.tariff, params.clone()).expect("proving key");
        let utility = UtilityTariff::new(case.tariff.clone());
        let verifier = Verifier::new(&utility, params.clone()).expect("verifying key");
        let period = case.zk_period(1);
        let mut seed = 0;
        group.bench_function(BenchmarkId::new("zkmeter-plugin", n), |b| {
            b.iter(|| {
                seed += 1;
                let rng = ChaCha20Rng::seed_from_u64(seed);
                plugin
                    .prove(black_box(&period), &case.tariff, None, rng)
                    .unwrap()
                    .to_bytes()
            })
        });
        // A batch of distinct bills: one household per seed, all of this size.
        let submissions: Vec<Vec<u8>> = (1..=batch as u64)
            .map(|s| {
                let rng = ChaCha20Rng::seed_from_u64(1000 + s);
                plugin
                    .prove(&case.zk_period(s), &case.tariff, None, rng)
                    .expect("prove")
                    .to_bytes()
            })
            .collect();
        let zk_bytes = submissions[0].len();
        group.bench_function(BenchmarkId::new("zkmeter-verify", n), |b| {
            b.iter(|| {
                let checked = zk_check(black_box(&submissions[0]), &case.meter_pub, &utility);
                verifier.verify_checked(&checked).unwrap()
            })
        });
        group.bench_function(BenchmarkId::new("zkmeter-verify-batched", n), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let started = Instant::now();
                    assert!(verify_batch(&verifier, &submissions, &case, &utility));
                    total += started.elapsed();
                }
                total / batch as u32
            })
        });
        group.finish();
        report_bytes(&case, n, baseline_bytes.len(), zk_bytes, batch);
    }
}

/// The utility's batch job: each submission decoded and its statement checked, then all
/// proofs in one batch (one final multi-scalar multiplication).
fn verify_batch(
    verifier: &Verifier,
    submissions: &[Vec<u8>],
    case: &Case,
    tariff: &UtilityTariff,
) -> bool {
    let mut batch = BatchValidator::new(verifier.size());
    for bytes in submissions {
        let checked = zk_check(black_box(bytes), &case.meter_pub, tariff);
        checked
            .proof()
            .add_to_batch(&mut batch, checked.instance())
            .expect("proof of the batch's size and length");
    }
    batch.validate(verifier.verifying_key())
}

/// Prints the bytes per bill and writes them to `target/compare/<size>.json`.
fn report_bytes(case: &Case, n: usize, baseline: usize, zkmeter: usize, batch: usize) {
    let size = case.size;
    println!(
        "bytes per bill, {} ({n} readings): baseline {baseline}, zkmeter submission {zkmeter} \
         (proof {}), ratio {:.1}x",
        size.name(),
        proof_len(size),
        baseline as f64 / zkmeter as f64
    );
    let json = serde_json::json!({
        "size": size.name(),
        "capacity": size.capacity(),
        "k": size.k(),
        "readings": n,
        "baseline_bytes": baseline,
        "zkmeter_submission_bytes": zkmeter,
        "zkmeter_proof_bytes": proof_len(size),
        "batch": batch,
    });
    let dir = target_dir().join("compare");
    let written = std::fs::create_dir_all(&dir).and_then(|()| {
        std::fs::write(
            dir.join(format!("{}.json", size.name())),
            serde_json::to_string_pretty(&json).expect("json") + "\n",
        )
    });
    if let Err(e) = written {
        eprintln!("could not write {}: {e}", dir.display());
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
