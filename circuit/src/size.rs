//! The closed set of named circuit sizes.
//!
//! A size is a capacity in slots, named after its typical use: any slot length may use any size
//! whose capacity fits its slot count (24 hourly slots fit `day-15min`). Unused slots hold zero
//! readings. Each size has its own `k` and its own keys; keys never change with the tariff.
//!
//! The circuit hashes readings packed [`READINGS_PER_WORD`] to a field element ("word"), so a
//! capacity is a whole number of words: the smallest one that holds the longest local period of
//! its name (a 100-quarter-hour DST day, a 31-day month with a 25-hour day).

use std::fmt;
use std::str::FromStr;

use crate::constants::{DAY_15MIN_WORDS, MONTH_15MIN_WORDS, MONTH_30MIN_WORDS, READINGS_PER_WORD};
use thiserror::Error;

/// A named circuit size (capacity in slots).
///
/// In files a size is written by its [`CircuitSize::name`] (the protocol crate's serde).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CircuitSize {
    /// One day of 15-minute slots: 108 (holds a local DST day of 92 or 100 quarter-hours).
    Day15Min,
    /// One month of 30-minute slots: 1500 (holds 31 days x 48 + 2 of a DST day).
    Month30Min,
    /// One month of 15-minute slots: 2988 (holds 31 days x 96 + 4 of a DST day).
    Month15Min,
}

impl CircuitSize {
    /// Every size, smallest first.
    pub const ALL: [CircuitSize; 3] = [
        CircuitSize::Day15Min,
        CircuitSize::Month30Min,
        CircuitSize::Month15Min,
    ];

    /// The name used on the command line and in files.
    pub fn name(self) -> &'static str {
        match self {
            CircuitSize::Day15Min => "day-15min",
            CircuitSize::Month30Min => "month-30min",
            CircuitSize::Month15Min => "month-15min",
        }
    }

    /// Capacity in slots: `words() * READINGS_PER_WORD`.
    pub fn capacity(self) -> usize {
        self.words() * READINGS_PER_WORD
    }

    /// Number of packed reading words the circuit hashes (the circuit's `W`).
    pub fn words(self) -> usize {
        match self {
            CircuitSize::Day15Min => DAY_15MIN_WORDS,
            CircuitSize::Month30Min => MONTH_30MIN_WORDS,
            CircuitSize::Month15Min => MONTH_15MIN_WORDS,
        }
    }

    /// log2 of the number of rows of the circuit of this size.
    ///
    /// Pinned; `tests` check the circuit fits in `2^k` rows and not in `2^(k-1)`.
    pub fn k(self) -> u32 {
        match self {
            CircuitSize::Day15Min => 11,
            CircuitSize::Month30Min => 12,
            CircuitSize::Month15Min => 13,
        }
    }

    /// The smallest size whose capacity holds `slots`.
    pub fn smallest_fitting(slots: usize) -> Option<CircuitSize> {
        Self::ALL.into_iter().find(|s| s.capacity() >= slots)
    }
}

impl fmt::Display for CircuitSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A size name that is not one of the named sizes.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("unknown circuit size '{0}' (known: day-15min, month-30min, month-15min)")]
pub struct UnknownSize(pub String);

impl FromStr for CircuitSize {
    type Err = UnknownSize;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|size| size.name() == s)
            .ok_or_else(|| UnknownSize(s.to_owned()))
    }
}

/// Runs `$body` with the const `$n` bound to the number of reading words of `$size`.
///
/// The circuit's shape is fixed at compile time (`Circuit::configure` has no `&self`), so every
/// size is its own monomorphisation; this macro is the one place that maps names to them.
#[macro_export]
macro_rules! with_words {
    ($size:expr, $n:ident => $body:expr) => {
        match $size {
            $crate::CircuitSize::Day15Min => {
                const $n: usize = $crate::constants::DAY_15MIN_WORDS;
                $body
            }
            $crate::CircuitSize::Month30Min => {
                const $n: usize = $crate::constants::MONTH_30MIN_WORDS;
                $body
            }
            $crate::CircuitSize::Month15Min => {
                const $n: usize = $crate::constants::MONTH_15MIN_WORDS;
                $body
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::{DAY_15MIN, MAX_CAPACITY};

    #[test]
    fn names_round_trip_and_unknown_is_rejected() {
        for size in CircuitSize::ALL {
            assert_eq!(size.name().parse::<CircuitSize>().unwrap(), size);
        }
        assert!(matches!(
            "week-5min".parse::<CircuitSize>(),
            Err(UnknownSize(s)) if s == "week-5min"
        ));
    }

    #[test]
    fn smallest_fitting_picks_the_least_capacity() {
        assert_eq!(
            CircuitSize::smallest_fitting(24),
            Some(CircuitSize::Day15Min)
        );
        assert_eq!(
            CircuitSize::smallest_fitting(100),
            Some(CircuitSize::Day15Min)
        );
        assert_eq!(
            CircuitSize::smallest_fitting(DAY_15MIN + 1),
            Some(CircuitSize::Month30Min)
        );
        assert_eq!(
            CircuitSize::smallest_fitting(2980),
            Some(CircuitSize::Month15Min)
        );
        assert_eq!(CircuitSize::smallest_fitting(MAX_CAPACITY + 1), None);
    }
}
