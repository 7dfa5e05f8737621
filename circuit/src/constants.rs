//! The numbers every other module of the circuit is built from: bit widths, the packing of
//! readings into words, the bounds that keep every sum exact, the capacities of the named
//! sizes, the public-input rows and the proof length. Nothing here depends on anything else
//! in the crate; the bounds argument is `docs/protocol.md` "Why no sum wraps".

/// Bits of one range-checked limb (the lookup table holds `0..2^LIMB_BITS`).
pub const LIMB_BITS: u32 = 10;
/// Pieces of a reading's top bits, each in `0..4` by a polynomial constraint.
pub const TOP_PIECES: usize = 3;
/// Bits of one top piece.
pub const TOP_PIECE_BITS: u32 = 2;
/// Bits of a reading: two limbs of [`LIMB_BITS`] and three top pieces of [`TOP_PIECE_BITS`].
pub const READING_BITS: u32 = 2 * LIMB_BITS + TOP_PIECES as u32 * TOP_PIECE_BITS;
/// Readings packed into one field element for the commitment hash (`9 * 26 = 234 < 254` bits).
pub const READINGS_PER_WORD: usize = 9;
/// Largest reading of one register in one slot, in the meter's unit `10^e` Wh: `2^26 - 1`
/// (67,108,863). At `10^-3` Wh that is 67.1 kWh per slot, above the 48 kWh (`4.8 * 10^7`
/// units) a 200 A / 240 V service can draw in a whole hour; at whole Wh, 67.1 MWh.
pub const MAX_READING: u32 = (1 << READING_BITS) - 1;
/// Largest price magnitude, in micro-currency per kWh: 2^31 - 1 (2147 currency units per kWh).
pub const MAX_ABS_PRICE: i64 = (1 << 31) - 1;

/// Slots per register of `day-15min` (holds a local DST day of 92 or 100 quarter-hours).
pub const DAY_15MIN: usize = 108;
/// Slots per register of `month-30min` (holds 31 days x 48 + 2 of a DST day).
pub const MONTH_30MIN: usize = 1494;
/// Slots per register of `month-15min` (holds 31 days x 96 + 4 of a DST day).
pub const MONTH_15MIN: usize = 2988;
/// The largest capacity per register of any size; bounds are argued against it.
pub const MAX_CAPACITY: usize = MONTH_15MIN;
/// The most registers a period holds: import and export.
pub const MAX_REGISTERS: usize = 2;

/// Reading words of `day-15min`.
pub const DAY_15MIN_WORDS: usize = DAY_15MIN / READINGS_PER_WORD;
/// Reading words of `month-30min`.
pub const MONTH_30MIN_WORDS: usize = MONTH_30MIN / READINGS_PER_WORD;
/// Reading words of `month-15min`.
pub const MONTH_15MIN_WORDS: usize = MONTH_15MIN / READINGS_PER_WORD;
/// Reading words of `day-15min-ie` (two registers).
pub const DAY_15MIN_IE_WORDS: usize = 2 * DAY_15MIN_WORDS;
/// Reading words of `month-30min-ie` (two registers; the same as `month-15min`).
pub const MONTH_30MIN_IE_WORDS: usize = 2 * MONTH_30MIN_WORDS;
/// Reading words of `month-15min-ie` (two registers).
pub const MONTH_15MIN_IE_WORDS: usize = 2 * MONTH_15MIN_WORDS;

/// Largest magnitude any valid bill can have, in units of `10^(e - 9)` currency: every
/// reading of both registers at its bound, every price at its bound.
pub const MAX_ABS_BILL: i128 =
    MAX_REGISTERS as i128 * MAX_CAPACITY as i128 * MAX_READING as i128 * MAX_ABS_PRICE as i128;
/// Largest energy of one register any valid period can have, in the meter's unit.
pub const MAX_ENERGY: u64 = MAX_CAPACITY as u64 * MAX_READING as u64;

/// Domain tag of the commitment hash: the ASCII bytes `zkmtcmt3` read as a big-endian u64.
pub const COMMITMENT_DOMAIN_TAG: u64 = u64::from_be_bytes(*b"zkmtcmt3");
/// Register layout hashed into the commitment of a one-register period: import (1.8.0).
pub const LAYOUT_IMPORT: u64 = 1;
/// Register layout hashed into the commitment of a two-register period: import (1.8.0) in
/// the first half of the readings, export (2.8.0) in the second.
pub const LAYOUT_IMPORT_EXPORT: u64 = 2;

/// Row of the commitment `C` in the statement instance column.
pub const COMMITMENT: usize = 0;
/// Row of the bill `B` in the statement instance column.
pub const BILL: usize = 1;
/// Row of the import energy `E_in` in the statement instance column.
pub const IMPORT_ENERGY: usize = 2;
/// Row of the export energy `E_out` (0 for a one-register period).
pub const EXPORT_ENERGY: usize = 3;
/// Row of the statement context hash in the statement instance column.
pub const CONTEXT: usize = 4;
/// Number of rows of the statement instance column.
pub const STATEMENT_ROWS: usize = 5;

/// Proof bytes that do not depend on `k` (commitments and evaluations of this circuit shape).
/// Pinned by the proof-size snapshot tests.
pub const PROOF_BASE_BYTES: usize = 2848;
/// Bytes the IPA opening adds per unit of `k` (two curve points per round).
pub const PROOF_BYTES_PER_K: usize = 64;

// Each capacity holds its longest local period (a 100-quarter-hour DST day, a 31-day month
// with a 25-hour day) in the fewest whole words.
const PAIR: usize = READINGS_PER_WORD;
const _: () = assert!(DAY_15MIN.is_multiple_of(PAIR) && DAY_15MIN >= 100 && DAY_15MIN - PAIR < 100);
const _: () = assert!(
    MONTH_30MIN.is_multiple_of(PAIR)
        && MONTH_30MIN >= 31 * 48 + 2
        && MONTH_30MIN - PAIR < 31 * 48 + 2
);
const _: () = assert!(
    MONTH_15MIN.is_multiple_of(PAIR)
        && MONTH_15MIN >= 31 * 96 + 4
        && MONTH_15MIN - PAIR < 31 * 96 + 4
);

// Every sum stays far below p/2 (p > 2^254), so no sum wraps.
const _: () = assert!(MAX_ABS_BILL < 1i128 << 70);
const _: () = assert!(MAX_ENERGY < 1u64 << 38);
// A word of packed readings is below 2^234, so packing is injective in Fp (p > 2^254).
const _: () = assert!(READING_BITS as usize * READINGS_PER_WORD <= 234);
const _: () = assert!(MAX_READING >= 48_000_000);
const _: () = assert!(MAX_ABS_PRICE < 1 << 31);
