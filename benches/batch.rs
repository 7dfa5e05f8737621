//! Per-bill costs of the utility's batch job, stage by stage, and batch verification vs threads.
//!
//! `cargo bench --bench batch` (size `day-15min`; `ZKMETER_BENCH_SIZE=month-15min` for another,
//! which proves its fixtures first: minutes). `ZKMETER_BENCH_PROOFS` distinct proofs (default 4)
//! are repeated to a batch of `ZKMETER_BENCH_BATCH` bills (default 32): the batch verifier does
//! the same work for a repeated proof as for a distinct one (it reads, checks and folds each
//! item on its own). Groups, each with `Throughput::Elements` = bills:
//!
//! * `batch/decode`: envelope decoding and validation of one submission;
//! * `batch/signature`: one ECDSA P-256 verification of the meter statement;
//! * `batch/instance`: building the instance column (the statement);
//! * `batch/verifying-key`: building the verifying key of one tariff (once per tariff per job);
//! * `batch/verify/threads=T`: the batch checked as the job checks it
//!   (`batch::verify_all_on`: one group per thread, each one halo2 `BatchVerifier` check on a
//!   single-thread pool; includes the statement's instance commitment, which halo2 computes
//!   inside); `batch/verify-one-pool/threads=T`: the batch as one check on one pool of T threads
//!   (halo2's own parallelism, slower than one thread at month-15min on 2 cores);
//! * `batch/ledger`: recording 256 bills in one SQLite transaction (`synchronous=FULL`).
//!
//! The end-to-end job (walk, files, everything) is measured by `scripts/batch-throughput.sh`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use zkmeter_meter::{demo_tariff, record, synthetic_measured, MeterSigningKey};
use zkmeter_protocol::{
    verify_statement, CircuitSize, Frame, MeterId, Submission, UtcTime, ZkFile,
};
use zkmeter_prover::Plugin;
use zkmeter_verifier::{
    batch::{verify_all, verify_all_on},
    check_submission,
    ledger::{BillRecord, Ledger},
    Checked, Interval, UtilityTariff, Verifier,
};

/// `name` from the environment, else `default`.
fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn bench(c: &mut Criterion) {
    let size: CircuitSize = std::env::var("ZKMETER_BENCH_SIZE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(CircuitSize::Day15Min);
    let params = zkmeter_params::ParamStore::default_store()
        .load(size.k(), |_| {})
        .expect("params");
    let frame = Frame::natural(UtcTime::parse("2026-01-01T00:00:00Z").unwrap(), 15, size)
        .or_else(|_| Frame::natural(UtcTime::parse("2026-01-01T00:00:00Z").unwrap(), 30, size))
        .expect("frame");
    let tariff = demo_tariff(&frame, 1).unwrap();
    let params = std::sync::Arc::new(params);
    let plugin = Plugin::new(&tariff, params.clone()).unwrap();
    let utility = UtilityTariff::new(tariff.clone());
    let verifier = Verifier::new(&utility, params.clone()).unwrap();
    let proofs = env_usize("ZKMETER_BENCH_PROOFS", 4);
    let batch_len = env_usize("ZKMETER_BENCH_BATCH", 32);
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let fixtures: Vec<_> = (0..proofs)
        .map(|i| {
            let key = MeterSigningKey::generate(&mut rng).unwrap();
            let readings =
                synthetic_measured(&frame, i as u64, zkmeter_protocol::EnergyUnit::MILLI_WH)
                    .unwrap();
            let id = MeterId::new(&format!("m-{i}")).unwrap();
            let period = record(&key, id, frame, readings, &mut rng).unwrap();
            let sub = plugin
                .prove(&period, &tariff, None, ChaCha20Rng::seed_from_u64(i as u64))
                .unwrap();
            (key.public_key(), sub)
        })
        .collect();
    let bytes = fixtures[0].1.to_bytes();
    let items: Vec<Checked> = fixtures
        .iter()
        .map(|(key, sub)| check_submission(sub, key, &utility, None).unwrap())
        .collect();

    let mut g = c.benchmark_group(format!("batch-{size}"));
    g.sample_size(10);
    g.throughput(Throughput::Elements(1));
    g.bench_function("decode", |b| {
        b.iter(|| Submission::from_bytes(&bytes).unwrap())
    });
    let (key, sub) = &fixtures[0];
    g.bench_function("signature", |b| {
        b.iter(|| verify_statement(key, &sub.statement(), &sub.meter_signature).unwrap())
    });
    g.bench_function("instance", |b| {
        b.iter(|| {
            let public = sub
                .claim()
                .public_inputs(&tariff, utility.digest())
                .unwrap();
            public.to_instance()
        })
    });
    g.bench_function("verifying-key", |b| {
        b.iter(|| Verifier::new(&utility, params.clone()).unwrap())
    });

    g.throughput(Throughput::Elements(batch_len as u64));
    let batch: Vec<&Checked> = (0..batch_len).map(|i| &items[i % proofs]).collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut threads = vec![1, 2, 4, 8, 16];
    threads.retain(|&t| t <= cores);
    for t in threads {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap();
        g.bench_function(format!("verify-one-pool/threads={t}"), |b| {
            b.iter(|| {
                let r = pool.install(|| verify_all(&verifier, &batch));
                assert!(r.iter().all(Result::is_ok));
            })
        });
        let pools: Vec<rayon::ThreadPool> = (0..t)
            .map(|_| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .build()
                    .unwrap()
            })
            .collect();
        g.bench_function(format!("verify/threads={t}"), |b| {
            b.iter(|| {
                let r = verify_all_on(&verifier, &batch, &pools);
                assert!(r.iter().all(Result::is_ok));
            })
        });
    }

    const ROWS: usize = 256;
    g.throughput(Throughput::Elements(ROWS as u64));
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("ledger.sqlite")).unwrap();
    let run = ledger.begin_run().unwrap();
    let period = Interval::of_frame(&frame);
    let mut next = 0i64;
    g.bench_function("ledger", |b| {
        b.iter(|| {
            ledger
                .transaction(|tx| {
                    for _ in 0..ROWS {
                        next += 1;
                        tx.insert(&BillRecord {
                            meter_id: format!("m-{next}"),
                            period,
                            slot_minutes: frame.slot_minutes,
                            slots: frame.slots,
                            size: size.name().into(),
                            plan: tariff.plan_id().to_string(),
                            tariff_id: tariff.tariff_id.clone(),
                            unit: sub.unit,
                            bill_pico: sub.figures().bill_pico(),
                            import_mwh: sub.figures().import_mwh(),
                            export_mwh: sub.figures().export_mwh(),
                            filled_slots: sub.filled,
                            submission_sha256: [next as u8; 32],
                            file: format!("m-{next}.bin"),
                            run,
                        })?;
                    }
                    Ok(())
                })
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
