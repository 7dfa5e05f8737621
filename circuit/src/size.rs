//! The closed set of named circuit sizes.
//!
//! A size is a capacity in slots per register and a register layout, named after its typical
//! use: any slot length may use any size whose capacity fits its slot count (24 hourly slots
//! fit `day-15min`). Unused slots hold zero readings. Each size has its own `k`.
//!
//! A size ending in `-ie` holds two registers, import (delivered, 1.8.0) and export
//! (received, 2.8.0): its readings are the import register's capacity slots, then the export
//! register's. The others hold the import register only.
//!
//! The circuit hashes readings packed [`READINGS_PER_WORD`] to a field element ("word"), so a
//! capacity is a whole number of words: the fewest that hold the longest local period of its
//! name (a 100-quarter-hour DST day, a 31-day month with a 25-hour day).

use std::fmt;
use std::str::FromStr;

use crate::constants::{
    DAY_15MIN, DAY_15MIN_IE_WORDS, DAY_15MIN_WORDS, MONTH_15MIN, MONTH_15MIN_IE_WORDS,
    MONTH_15MIN_WORDS, MONTH_30MIN, MONTH_30MIN_IE_WORDS, MONTH_30MIN_WORDS, READINGS_PER_WORD,
};
use thiserror::Error;

/// A named circuit size (capacity in slots per register, and the registers).
///
/// In files a size is written by its [`CircuitSize::name`] (the protocol crate's serde).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CircuitSize {
    /// One day of 15-minute slots: 108 (holds a local DST day of 92 or 100 quarter-hours).
    Day15Min,
    /// One month of 30-minute slots: 1494 (holds 31 days x 48 + 2 of a DST day).
    Month30Min,
    /// One month of 15-minute slots: 2988 (holds 31 days x 96 + 4 of a DST day).
    Month15Min,
    /// [`CircuitSize::Day15Min`] with import and export registers.
    Day15MinIe,
    /// [`CircuitSize::Month30Min`] with import and export registers.
    Month30MinIe,
    /// [`CircuitSize::Month15Min`] with import and export registers.
    Month15MinIe,
}

impl CircuitSize {
    /// Every size: the one-register sizes smallest first, then the two-register ones.
    pub const ALL: [CircuitSize; 6] = [
        CircuitSize::Day15Min,
        CircuitSize::Month30Min,
        CircuitSize::Month15Min,
        CircuitSize::Day15MinIe,
        CircuitSize::Month30MinIe,
        CircuitSize::Month15MinIe,
    ];

    /// The name used on the command line and in files.
    pub fn name(self) -> &'static str {
        match self {
            CircuitSize::Day15Min => "day-15min",
            CircuitSize::Month30Min => "month-30min",
            CircuitSize::Month15Min => "month-15min",
            CircuitSize::Day15MinIe => "day-15min-ie",
            CircuitSize::Month30MinIe => "month-30min-ie",
            CircuitSize::Month15MinIe => "month-15min-ie",
        }
    }

    /// Capacity in slots of each register.
    pub fn capacity(self) -> usize {
        match self {
            CircuitSize::Day15Min | CircuitSize::Day15MinIe => DAY_15MIN,
            CircuitSize::Month30Min | CircuitSize::Month30MinIe => MONTH_30MIN,
            CircuitSize::Month15Min | CircuitSize::Month15MinIe => MONTH_15MIN,
        }
    }

    /// Registers: 1 (import) or 2 (import, export).
    pub fn registers(self) -> usize {
        match self {
            CircuitSize::Day15Min | CircuitSize::Month30Min | CircuitSize::Month15Min => 1,
            _ => 2,
        }
    }

    /// Whether the size holds an export register.
    pub fn has_export(self) -> bool {
        self.registers() == 2
    }

    /// The same capacity with the other register layout: `month-15min` <-> `month-15min-ie`.
    pub fn with_export(self, export: bool) -> CircuitSize {
        let base = match self {
            CircuitSize::Day15Min | CircuitSize::Day15MinIe => 0,
            CircuitSize::Month30Min | CircuitSize::Month30MinIe => 1,
            CircuitSize::Month15Min | CircuitSize::Month15MinIe => 2,
        };
        Self::ALL[base + if export { 3 } else { 0 }]
    }

    /// Readings the circuit holds: `capacity() * registers()`.
    pub fn readings(self) -> usize {
        self.capacity() * self.registers()
    }

    /// Packed reading words the circuit hashes (the circuit's `W`).
    pub fn words(self) -> usize {
        match self {
            CircuitSize::Day15Min => DAY_15MIN_WORDS,
            CircuitSize::Month30Min => MONTH_30MIN_WORDS,
            CircuitSize::Month15Min => MONTH_15MIN_WORDS,
            CircuitSize::Day15MinIe => DAY_15MIN_IE_WORDS,
            CircuitSize::Month30MinIe => MONTH_30MIN_IE_WORDS,
            CircuitSize::Month15MinIe => MONTH_15MIN_IE_WORDS,
        }
    }

    /// log2 of the number of rows of the circuit of this size.
    ///
    /// Pinned; `tests` check the circuit fits in `2^k` rows and not in `2^(k-1)`.
    pub fn k(self) -> u32 {
        match self {
            CircuitSize::Day15Min | CircuitSize::Day15MinIe => 11,
            CircuitSize::Month30Min => 12,
            CircuitSize::Month15Min | CircuitSize::Month30MinIe => 13,
            CircuitSize::Month15MinIe => 14,
        }
    }

    /// The smallest size with `registers` (1 or 2) whose capacity holds `slots`.
    pub fn smallest_fitting(slots: usize, registers: usize) -> Option<CircuitSize> {
        Self::ALL
            .into_iter()
            .find(|s| s.registers() == registers && s.capacity() >= slots)
    }
}

const _: () = assert!(DAY_15MIN_WORDS * READINGS_PER_WORD == DAY_15MIN);

impl fmt::Display for CircuitSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A size name that is not one of the named sizes.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error(
    "unknown circuit size '{0}' (known: day-15min, month-30min, month-15min, and with an \
     export register day-15min-ie, month-30min-ie, month-15min-ie)"
)]
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
/// word count is its own monomorphisation; this macro is the one place that maps names to
/// them. (`month-15min` and `month-30min-ie` share one: the same columns, gates and rows;
/// their keys differ in the register layout, see `crate::circuit`.)
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
            $crate::CircuitSize::Month15Min | $crate::CircuitSize::Month30MinIe => {
                const $n: usize = $crate::constants::MONTH_15MIN_WORDS;
                $body
            }
            $crate::CircuitSize::Day15MinIe => {
                const $n: usize = $crate::constants::DAY_15MIN_IE_WORDS;
                $body
            }
            $crate::CircuitSize::Month15MinIe => {
                const $n: usize = $crate::constants::MONTH_15MIN_IE_WORDS;
                $body
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::MAX_CAPACITY;

    #[test]
    fn names_round_trip_and_unknown_is_rejected() {
        for size in CircuitSize::ALL {
            assert_eq!(size.name().parse::<CircuitSize>().unwrap(), size);
            assert_eq!(size.words() * READINGS_PER_WORD, size.readings(), "{size}");
            assert_eq!(size.with_export(size.has_export()), size);
            assert_eq!(
                size.with_export(!size.has_export()).capacity(),
                size.capacity()
            );
        }
        assert!(matches!(
            "week-5min".parse::<CircuitSize>(),
            Err(UnknownSize(s)) if s == "week-5min"
        ));
    }

    #[test]
    fn smallest_fitting_picks_the_least_capacity() {
        assert_eq!(
            CircuitSize::smallest_fitting(24, 1),
            Some(CircuitSize::Day15Min)
        );
        assert_eq!(
            CircuitSize::smallest_fitting(100, 2),
            Some(CircuitSize::Day15MinIe)
        );
        assert_eq!(
            CircuitSize::smallest_fitting(DAY_15MIN + 1, 1),
            Some(CircuitSize::Month30Min)
        );
        assert_eq!(
            CircuitSize::smallest_fitting(2980, 2),
            Some(CircuitSize::Month15MinIe)
        );
        assert_eq!(CircuitSize::smallest_fitting(MAX_CAPACITY + 1, 1), None);
        assert_eq!(CircuitSize::smallest_fitting(1, 3), None);
    }
}
