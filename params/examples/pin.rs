//! Regenerates the IPA parameters for every pinned `k` and prints their SHA-256, for anyone to
//! compare with `zkmeter_params::PINNED`: `cargo run --release -p zkmeter-params --example pin`.

use sha2::{Digest, Sha256};

fn main() {
    let ks: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let ks = if ks.is_empty() {
        zkmeter_params::PINNED.iter().map(|(k, _)| *k).collect()
    } else {
        ks
    };
    for k in ks {
        let (_, bytes) = zkmeter_params::generate(k);
        let hash = hex::encode(Sha256::digest(&bytes));
        let pinned = zkmeter_params::pinned_hash(k).unwrap_or("(not pinned)");
        let verdict = if hash == pinned { "matches" } else { "DIFFERS" };
        println!("k = {k}: {hash} ({verdict} the pin)");
    }
}
