use std::time::Instant;
use zkmeter_circuit::{
    primitives::{self, Readings},
    shape, CircuitSize, Fp, Proof, ProvingKey, PublicInputs, TariffPrices,
};
fn main() {
    let store = zkmeter_params::ParamStore::default_store();
    let which: Vec<String> = std::env::args().skip(1).collect();
    for size in CircuitSize::ALL {
        if !which.is_empty() && !which.iter().any(|w| w == size.name()) {
            continue;
        }
        let s = shape::measure(size);
        println!("{size}: {s:?}");
        let params = std::sync::Arc::new(store.load(size.k(), |_| {}).expect("params"));
        let n = size.capacity() - 8;
        let import: Vec<u32> = (0..n as u32).map(|i| (i * 7919) % 1_000_000).collect();
        let export: Vec<u32> = (0..n as u32).map(|i| (i * 31) % 50_000).collect();
        let prices: Vec<i64> = (0..n as i64)
            .map(|i| (i * 7919) % 400_000 - 60_000)
            .collect();
        let ex = size.has_export().then_some(&prices[..]);
        let readings = Readings {
            import: &import,
            export: size.has_export().then_some(&export[..]),
        };
        let t0 = Instant::now();
        let tariff = TariffPrices::new(size, &prices, ex).unwrap();
        let pk = ProvingKey::build(&tariff, params.clone()).unwrap_or_else(|e| {
            println!("pin: {e}");
            std::process::exit(0)
        });
        let t1 = Instant::now();
        let totals = primitives::bill(&prices, ex, readings).unwrap();
        let public = PublicInputs {
            size,
            commitment: primitives::commitment(size, readings, Fp::from(5)).unwrap(),
            bill: totals.bill,
            import_energy: totals.import_energy,
            export_energy: totals.export_energy,
            context: Fp::from(9),
        };
        let inst = public.to_instance();
        let proof = Proof::create(
            &pk,
            readings,
            Fp::from(5),
            &inst,
            rand_core::UnwrapErr(rand::rngs::SysRng),
        )
        .unwrap();
        let t2 = Instant::now();
        let vk = pk.verifying_key();
        proof.verify(&vk, &inst).unwrap();
        println!(
            "{size}: keys {:?} prove {:?} verify {:?} len {}",
            t1 - t0,
            t2 - t1,
            t2.elapsed(),
            proof.as_bytes().len()
        );
    }
}
