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
use zkmeter_circuits::{
    native,
    proof::{create_proof, verify_proof, ProvingKey, PublicInputs, VerifyingKey},
    CircuitSize, Fp,
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
            b.iter(|| ProvingKey::build(size, black_box(&params)).unwrap())
        });
        let pk = ProvingKey::build(size, &params).unwrap();
        let vk = VerifyingKey::build(size, &params).unwrap();
        let (readings, blinding, public) = statement(size);
        let mut seed = 0;
        group.bench_function(BenchmarkId::new("prove", size.capacity()), |b| {
            b.iter(|| {
                seed += 1;
                let rng = ChaCha20Rng::seed_from_u64(seed);
                create_proof(&params, &pk, &readings, blinding, &public, rng).unwrap()
            })
        });
        let proof = create_proof(
            &params,
            &pk,
            &readings,
            blinding,
            &public,
            ChaCha20Rng::seed_from_u64(0),
        )
        .unwrap();
        group.bench_function(BenchmarkId::new("verify", size.capacity()), |b| {
            b.iter(|| verify_proof(&params, &vk, black_box(&public), black_box(&proof)).unwrap())
        });
        let [_, mut prices] = public.columns().unwrap();
        prices.push(Fp::zero()); // halo2 adds the (zero) blind's base
        let bases = params.get_g()[..prices.len()].to_vec();
        group.bench_function(BenchmarkId::new("instance_msm", size.capacity()), |b| {
            b.iter(|| best_multiexp(black_box(&prices), black_box(&bases)))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
