//! Prints each size's key shape fingerprint beside its pin, for reviewing a deliberate circuit
//! change: `cargo run --release -p zkmeter-circuit --example vk_fingerprints`. The shape is
//! the same for every tariff; a one-slot zero tariff is used.

use zkmeter_circuit::{keys::pinned_shape_fingerprint, CircuitSize, TariffPrices, VerifyingKey};

fn main() {
    let store = zkmeter_params::ParamStore::default_store();
    for size in CircuitSize::ALL {
        let params = store.load(size.k(), |_| {}).expect("IPA parameters");
        let export = size.has_export().then_some(&[0i64][..]);
        let tariff = TariffPrices::new(size, &[0], export).expect("a one-slot tariff");
        let vk = VerifyingKey::build_unpinned(&tariff, params).expect("key generation");
        let found = vk.shape_fingerprint();
        let verdict = if found == pinned_shape_fingerprint(size) {
            "matches the pin"
        } else {
            "DIFFERS from the pin"
        };
        println!("{size}: {found} ({verdict})");
    }
}
