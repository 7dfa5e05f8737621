//! Criterion benches per named circuit size: key generation (the proving key of one tariff, as
//! the plugin builds it; the verifying key of one tariff, as the utility builds it once per
//! tariff), proving and verifying one bill.
//!
//! `cargo bench --bench circuit` (all sizes; month-15min proving takes ~20 s a sample), or
//! `ZKMETER_BENCH_SIZES=day-15min,month-30min cargo bench --bench circuit`. Results go to
//! BENCHMARKS.md with the machine and the command.

mod common;

use std::hint::black_box;

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkmeter_circuit::{
    primitives as native, CircuitSize, Fp, Proof, ProvingKey, PublicInputs, TariffPrices,
    VerifyingKey,
};

/// The readings of a full period (every slot used) in mWh, as North American meters count
/// (0.05-0.75 kWh per slot; export readings for a two-register size), with a market-shaped
/// price series, and its tariff.
struct Statement {
    import: Vec<u32>,
    export: Option<Vec<u32>>,
    blinding: Fp,
    tariff: TariffPrices,
    public: PublicInputs,
}

impl Statement {
    fn new(size: CircuitSize) -> Self {
        let n = size.capacity();
        let import: Vec<u32> = (0..n as u32)
            .map(|i| 50_000 + (i * 7919) % 700_000)
            .collect();
        let export = size.has_export().then(|| {
            (0..n as u32)
                .map(|i| (i * 104_723) % 400_000)
                .collect::<Vec<_>>()
        });
        let prices: Vec<i64> = (0..n as i64)
            .map(|i| (i * 104_729) % 420_000 - 50_000)
            .collect();
        let credits = size
            .has_export()
            .then(|| prices.iter().map(|p| p / 2).collect::<Vec<_>>());
        let blinding = Fp::from(0xdead_beef_u64);
        let readings = native::Readings {
            import: &import,
            export: export.as_deref(),
        };
        let totals = native::bill(&prices, credits.as_deref(), readings).unwrap();
        let public = PublicInputs {
            size,
            commitment: native::commitment(size, readings, blinding).unwrap(),
            bill: totals.bill,
            import_energy: totals.import_energy,
            export_energy: totals.export_energy,
            context: Fp::from(7u64),
        };
        let tariff = TariffPrices::new(size, &prices, credits.as_deref()).unwrap();
        Statement {
            import,
            export,
            blinding,
            tariff,
            public,
        }
    }

    fn readings(&self) -> native::Readings<'_> {
        native::Readings {
            import: &self.import,
            export: self.export.as_deref(),
        }
    }
}

fn bench(c: &mut Criterion) {
    for size in common::sizes() {
        let params = Arc::new(
            zkmeter_params::ParamStore::default_store()
                .load(size.k(), |_| {})
                .expect("IPA parameters"),
        );
        let statement = Statement::new(size);
        let (readings, blinding, tariff, public) = (
            statement.readings(),
            statement.blinding,
            &statement.tariff,
            &statement.public,
        );
        let mut group = c.benchmark_group(size.name());
        group.sample_size(10);
        group.bench_function(BenchmarkId::new("keygen", size.capacity()), |b| {
            b.iter(|| ProvingKey::build(black_box(tariff), params.clone()).unwrap())
        });
        group.bench_function(BenchmarkId::new("verifying-key", size.capacity()), |b| {
            b.iter(|| VerifyingKey::build(black_box(tariff), params.clone()).unwrap())
        });
        let pk = ProvingKey::build(tariff, params.clone()).unwrap();
        let vk = VerifyingKey::build(tariff, params.clone()).unwrap();
        let instance = public.to_instance();
        let mut seed = 0;
        group.bench_function(BenchmarkId::new("prove", size.capacity()), |b| {
            b.iter(|| {
                seed += 1;
                let rng = ChaCha20Rng::seed_from_u64(seed);
                Proof::create(&pk, readings, blinding, &instance, rng).unwrap()
            })
        });
        let rng = ChaCha20Rng::seed_from_u64(0);
        let proof = Proof::create(&pk, readings, blinding, &instance, rng).unwrap();
        group.bench_function(BenchmarkId::new("verify", size.capacity()), |b| {
            b.iter(|| black_box(&proof).verify(&vk, black_box(&instance)).unwrap())
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
