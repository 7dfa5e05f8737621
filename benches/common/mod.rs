//! Shared by the criterion benches.

use zkmeter_protocol::CircuitSize;

/// The sizes to bench: `ZKMETER_BENCH_SIZES=day-15min,month-30min`, else every size.
pub fn sizes() -> Vec<CircuitSize> {
    match std::env::var("ZKMETER_BENCH_SIZES") {
        Ok(list) => list
            .split(',')
            .map(|s| s.trim().parse().expect("ZKMETER_BENCH_SIZES: unknown size"))
            .collect(),
        Err(_) => CircuitSize::ALL.to_vec(),
    }
}
