//! The numbers every other module of the circuit is built from: bit widths, the packing of
//! readings into words, the bounds that keep every sum exact, the word count of each named
//! size, the public-input rows and the proof length. Nothing here depends on anything else
//! in the crate; the bounds argument is `docs/protocol.md` "Why no sum wraps".

/// Bits of one range-checked limb (the lookup table holds `0..2^LIMB_BITS`).
pub const LIMB_BITS: u32 = 10;
/// Bits of a reading (two limbs of [`LIMB_BITS`]).
pub const READING_BITS: u32 = 2 * LIMB_BITS;
/// Readings packed into one field element for the commitment hash (`12 * 20 = 240 < 254` bits).
pub const READINGS_PER_WORD: usize = 12;
/// Largest reading in one slot, in Wh: 2^20 - 1 (1.05 MWh: 4 MW for a quarter-hour, far above
/// any household or small business).
pub const MAX_READING_WH: u32 = (1 << READING_BITS) - 1;
/// Largest reading of one register in one slot of the circuit v3 (issue 12), in the meter's
/// unit `10^e` Wh: `2^27 - 1` (three 9-bit limbs). At `10^-3` Wh that is 134 kWh per slot,
/// above the 48 kWh a 200 A / 240 V service can draw in an hour.
pub const MAX_READING: u32 = (1 << 27) - 1;
/// Largest price magnitude, in micro-currency per kWh: 2^31 - 1 (2147 currency units per kWh).
pub const MAX_ABS_PRICE: i64 = (1 << 31) - 1;

/// Reading words of `day-15min` (capacity 108 slots).
pub const DAY_15MIN_WORDS: usize = 9;
/// Reading words of `month-30min` (capacity 1500 slots).
pub const MONTH_30MIN_WORDS: usize = 125;
/// Reading words of `month-15min` (capacity 2988 slots).
pub const MONTH_15MIN_WORDS: usize = 249;
/// Capacity of `day-15min` in slots.
pub const DAY_15MIN: usize = DAY_15MIN_WORDS * READINGS_PER_WORD;
/// Capacity of `month-30min` in slots.
pub const MONTH_30MIN: usize = MONTH_30MIN_WORDS * READINGS_PER_WORD;
/// Capacity of `month-15min` in slots.
pub const MONTH_15MIN: usize = MONTH_15MIN_WORDS * READINGS_PER_WORD;
/// The largest capacity of any size; bounds are argued against it.
pub const MAX_CAPACITY: usize = MONTH_15MIN;

/// Largest magnitude any valid bill can have, in nano-currency.
pub const MAX_ABS_BILL: i128 =
    MAX_CAPACITY as i128 * MAX_READING_WH as i128 * MAX_ABS_PRICE as i128;
/// Largest total energy any valid period can have, in Wh.
pub const MAX_ENERGY_WH: u64 = MAX_CAPACITY as u64 * MAX_READING_WH as u64;

/// Domain tag of the commitment hash: the ASCII bytes `zkmtcmt1` read as a big-endian u64.
pub const COMMITMENT_DOMAIN_TAG: u64 = u64::from_be_bytes(*b"zkmtcmt1");

/// Row of the commitment `C` in the statement instance column.
pub const COMMITMENT: usize = 0;
/// Row of the bill `B` in the statement instance column.
pub const BILL: usize = 1;
/// Row of the energy `E` in the statement instance column.
pub const ENERGY: usize = 2;
/// Row of the statement context hash in the statement instance column.
pub const CONTEXT: usize = 3;
/// Number of rows of the statement instance column.
pub const STATEMENT_ROWS: usize = 4;

/// Proof bytes that do not depend on `k` (commitments and evaluations of this circuit shape).
/// Pinned by the proof-size snapshot tests.
pub const PROOF_BASE_BYTES: usize = 2752;
/// Bytes the IPA opening adds per unit of `k` (two curve points per round).
pub const PROOF_BYTES_PER_K: usize = 64;

// Each size name holds its longest local period (a 100-quarter-hour DST day, a 31-day month
// with a 25-hour day), in the fewest whole words.
const _: () = assert!(DAY_15MIN >= 100 && DAY_15MIN - READINGS_PER_WORD < 100);
const _: () = assert!(MONTH_30MIN >= 31 * 48 + 2 && MONTH_30MIN - READINGS_PER_WORD < 31 * 48 + 2);
const _: () = assert!(MONTH_15MIN >= 31 * 96 + 4 && MONTH_15MIN - READINGS_PER_WORD < 31 * 96 + 4);

// Every sum stays far below p/2 (p > 2^254), so no sum wraps.
const _: () = assert!(MAX_ABS_BILL < 1i128 << 64);
const _: () = assert!(MAX_ENERGY_WH < 1u64 << 36);
// A word of packed readings is below 2^240, so packing is injective in Fp (p > 2^254).
const _: () = assert!(READING_BITS as usize * READINGS_PER_WORD <= 240);
const _: () = assert!(MAX_ABS_PRICE < 1 << 31);
