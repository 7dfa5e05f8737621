//! Criterion benches per named circuit size: key generation, proving and verifying one bill,
//! and `instance_msm`: the multi-scalar multiplication the verifier spends on committing the
//! prices instance column of one bill (the same scalars as halo2's `commit_lagrange_instance`,
//! over as many generators; its cost does not depend on which points they are).
//!
//! `cargo bench --bench circuit` (all sizes; month-15min proving takes ~20 s a sample), or
//! `ZKMETER_BENCH_SIZES=day-15min,month-30min cargo bench --bench circuit`. Results go to
//! BENCHMARKS.md with the machine and the command.

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use halo2_proofs::arithmetic::best_multiexp;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkmeter_circuit::{
    encoding::fp_from_offset_price, primitives as native, CircuitSize, Fp, Proof, ProvingKey,
    PublicInputs, VerifyingKey,
};

/// A full period (every slot used) with a market-shaped price series.
fn statement(size: CircuitSize) -> (Vec<u32>, Fp, PublicInputs) {
    let n = size.capacity();
    let readings: Vec<u32> = (0..n as u32).map(|i| 50 + (i * 7919) % 700).collect();
    let prices: Vec<i64> = (0..n as i64)
        .map(|i| (i * 104_729) % 420_000 - 50_000)
        .collect();
    let blinding = Fp::from(0xdead_beef_u64);
    let (bill, energy_wh) = native::bill(&prices, &readings).unwrap();
    let public = PublicInputs {
        size,
        commitment: native::commitment(size, &readings, blinding).unwrap(),
        bill,
        energy_wh,
        context: Fp::from(7u64),
        prices,
    };
    (readings, blinding, public)
}

fn bench(c: &mut Criterion) {
    for size in common::sizes() {
        let params = zkmeter_params::ParamStore::default_store()
            .load(size.k(), |_| {})
            .expect("IPA parameters");
        let mut group = c.benchmark_group(size.name());
        group.sample_size(10);
        group.bench_function(BenchmarkId::new("keygen", size.capacity()), |b| {
            b.iter(|| ProvingKey::build(size, black_box(params.clone())).unwrap())
        });
        let pk = ProvingKey::build(size, params.clone()).unwrap();
        let vk = VerifyingKey::build(size, params.clone()).unwrap();
        let (readings, blinding, public) = statement(size);
        let instance = public.to_instance().unwrap();
        let mut seed = 0;
        group.bench_function(BenchmarkId::new("prove", size.capacity()), |b| {
            b.iter(|| {
                seed += 1;
                let rng = ChaCha20Rng::seed_from_u64(seed);
                Proof::create(&pk, &readings, blinding, &instance, rng).unwrap()
            })
        });
        let rng = ChaCha20Rng::seed_from_u64(0);
        let proof = Proof::create(&pk, &readings, blinding, &instance, rng).unwrap();
        group.bench_function(BenchmarkId::new("verify", size.capacity()), |b| {
            b.iter(|| black_box(&proof).verify(&vk, black_box(&instance)).unwrap())
        });
        // The prices column as `PublicInputs::to_instance` lays it out (offset price at row
        // 2i), plus the zero that halo2 appends for the blind's base.
        let mut prices = vec![Fp::zero(); 2 * size.capacity()];
        for (i, &p) in public.prices.iter().enumerate() {
            prices[2 * i] = fp_from_offset_price(p);
        }
        let bases = params.get_g()[..prices.len()].to_vec();
        group.bench_function(BenchmarkId::new("instance_msm", size.capacity()), |b| {
            b.iter(|| best_multiexp(black_box(&prices), black_box(&bases)))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
