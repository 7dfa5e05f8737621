//! Prints each size's verifying-key fingerprint beside its pin, for reviewing a deliberate
//! circuit change: `cargo run --release -p zkmeter-circuit --example vk_fingerprints`.

use zkmeter_circuit::{keys::pinned_vk_fingerprint, CircuitSize, VerifyingKey};

fn main() {
    let store = zkmeter_params::ParamStore::default_store();
    for size in CircuitSize::ALL {
        let params = store.load(size.k(), |_| {}).expect("IPA parameters");
        let vk = VerifyingKey::build_unpinned(size, params).expect("key generation");
        let found = vk.fingerprint();
        let verdict = if found == pinned_vk_fingerprint(size) {
            "matches the pin"
        } else {
            "DIFFERS from the pin"
        };
        println!("{size}: {found} ({verdict})");
    }
}
