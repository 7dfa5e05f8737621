//! MockProver tests of the bill circuit.
//!
//! Honest periods of one and two registers pass; the statement the native reference
//! (`crate::primitives`) computes is checked against the one computed here (`statement_of`);
//! every cheat first shows its honest period passing, then fails with exactly the failures
//! listed, in order (the constraint and its row, the lookup and its row, both ends of a broken
//! copy).
//!
//! Where failures are reported (`crate::chip::bill` module docs): the bill region is Region 0;
//! reading `j` occupies its rows `2j` (limb 0; the running values before the reading) and
//! `2j + 1` (limb 1; the top pieces in `acc`, `bill`, `energy`); the final sums are at row
//! `2RN` (`R` registers of capacity `N`), the import energy of a two-register size at row `2N`.
//! Advice columns: 0-2 Poseidon state, 3 partial S-box, 4 `limb`, 5 `acc`, 6 `bill`, 7
//! `energy`. Statement rows (Instance 0): 0 `C`, 1 `B`, 2 `E_in`, 3 `E_out`, 4 context.

use ff::Field;
use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    dev::{FailureLocation, MockProver, VerifyFailure},
    pasta::Fp,
    plonk::{Circuit, ConstraintSystem, Error},
};
use proptest::prelude::*;

use super::*;
use crate::chip::bill::{kind_of, Step};
use crate::constants::{
    DAY_15MIN, DAY_15MIN_IE_WORDS, DAY_15MIN_WORDS, LIMB_BITS, MAX_ABS_BILL, MAX_ABS_PRICE,
    MAX_READING, MONTH_15MIN_IE_WORDS, MONTH_15MIN_WORDS, READINGS_PER_WORD, READING_BITS,
    STATEMENT_ROWS, TOP_PIECE_BITS,
};
use crate::encoding::fp_from_price;
use crate::primitives::{self as native, Readings};
use crate::proof::PublicInputs;
use crate::size::CircuitSize;
use crate::with_words;

const DAY: CircuitSize = CircuitSize::Day15Min;
const DAY_IE: CircuitSize = CircuitSize::Day15MinIe;
/// Capacity of each register of the day sizes.
const N: usize = DAY_15MIN;
/// Words of `day-15min`.
const W: usize = DAY_15MIN_WORDS;
/// Words of `day-15min-ie`.
const W_IE: usize = DAY_15MIN_IE_WORDS;
/// The statement context every test period uses (any value: the circuit only copies it).
const CONTEXT_HASH: u64 = 0x00c0_ffee;

/// One period as the meter and the plugin see it: the size, the readings of each register,
/// the tariff's prices (import) and credits (export), and the blinding value.
#[derive(Clone, Debug)]
struct Period {
    size: CircuitSize,
    import: Vec<u32>,
    export: Option<Vec<u32>>,
    prices: Vec<i64>,
    credits: Option<Vec<i64>>,
    blinding: Fp,
}

impl Period {
    fn readings(&self) -> Readings<'_> {
        Readings {
            import: &self.import,
            export: self.export.as_deref(),
        }
    }

    fn tariff(&self) -> TariffPrices {
        TariffPrices::new(self.size, &self.prices, self.credits.as_deref()).unwrap()
    }

    /// The readings as the circuit holds them (native layout: each register padded).
    fn laid_out(&self) -> Vec<u32> {
        native::circuit_readings(self.size, self.readings()).unwrap()
    }

    /// The signed price of each laid-out reading, computed here: the import prices, then the
    /// export credits negated, each register padded with zero prices.
    fn signed_prices(&self) -> Vec<i64> {
        let n = self.size.capacity();
        let mut out = self.prices.clone();
        out.resize(n, 0);
        if let Some(credits) = &self.credits {
            out.extend(credits.iter().map(|c| -c));
            out.resize(2 * n, 0);
        }
        out
    }

    /// The public inputs an honest plugin computes with the native reference.
    fn public(&self) -> PublicInputs {
        let totals = native::bill(&self.prices, self.credits.as_deref(), self.readings()).unwrap();
        PublicInputs {
            size: self.size,
            commitment: native::commitment(self.size, self.readings(), self.blinding).unwrap(),
            bill: totals.bill,
            import_energy: totals.import_energy,
            export_energy: totals.export_energy,
            context: Fp::from(CONTEXT_HASH),
        }
    }

    fn instance(&self) -> Vec<Vec<Fp>> {
        self.public().to_instance().columns().to_vec()
    }

    /// The production circuit with the honest witness.
    fn circuit<const M: usize>(&self) -> BillCircuit<M> {
        BillCircuit::new(&self.laid_out(), self.blinding, &self.tariff())
    }

    /// The test circuit with this period's witness, `tamper` applied.
    fn tampered<const M: usize>(&self, tamper: Option<Tamper>) -> Tampered<M> {
        self.planted(&self.laid_out(), tamper)
    }

    /// The test circuit with the witness of `laid` (readings laid out by hand, possibly
    /// outside what the native layout accepts) under this period's tariff and blinding.
    fn planted<const M: usize>(&self, laid: &[u32], tamper: Option<Tamper>) -> Tampered<M> {
        Tampered {
            circuit: BillCircuit::new(laid, self.blinding, &self.tariff()),
            steps: steps(self.size, laid, &self.signed_prices(), tamper),
        }
    }

    /// The statement of `laid` under this period's tariff and blinding ([`statement_of`]).
    fn statement_of(&self, laid: &[u32]) -> Vec<Vec<Fp>> {
        statement_of(self.size, laid, &self.signed_prices(), self.blinding)
    }
}

/// A full day of one register: readings 1..900, prices of both signs.
fn day() -> Period {
    Period {
        size: DAY,
        import: (0..N as u32).map(|i| (i * 37) % 900 + 1).collect(),
        export: None,
        prices: (0..N as i64)
            .map(|i| (i * 7919) % 400_000 - 60_000)
            .collect(),
        credits: None,
        blinding: Fp::from(99u64),
    }
}

/// A 96-slot day of two registers (12 padding slots in each): import all day, export around
/// midday only, so the two energies differ.
fn day_ie() -> Period {
    const SLOTS: u32 = 96;
    Period {
        size: DAY_IE,
        import: (0..SLOTS).map(|i| (i * 53) % 2_000 + 3).collect(),
        export: Some(
            (0..SLOTS)
                .map(|i| {
                    if (30..70).contains(&i) {
                        1_500 + i * 11
                    } else {
                        0
                    }
                })
                .collect(),
        ),
        prices: (0..i64::from(SLOTS))
            .map(|i| 150_000 + (i * 1_009) % 90_000)
            .collect(),
        credits: Some(
            (0..i64::from(SLOTS))
                .map(|i| 60_000 + (i % 7) * 1_000)
                .collect(),
        ),
        blinding: Fp::from(0xbeef_u64),
    }
}

/// A reading's five parts as this test splits it: limbs `l0`, `l1` ([`LIMB_BITS`] each) and
/// top pieces `t0`, `t1`, `t2` ([`TOP_PIECE_BITS`] each), `t2` not masked: a reading of
/// `2^26` has `t2 = 4`.
fn parts(r: u32) -> [Fp; 5] {
    let bits = |shift: u32, width: u32| u64::from((r >> shift) & ((1 << width) - 1));
    let (l, t) = (LIMB_BITS, TOP_PIECE_BITS);
    [
        bits(0, l),
        bits(l, l),
        bits(2 * l, t),
        bits(2 * l + t, t),
        u64::from(r >> (2 * l + 2 * t)),
    ]
    .map(Fp::from)
}

/// The value five parts encode: `l0 + 2^10 l1 + 2^20 (t0 + 4 t1 + 16 t2)`.
fn value(p: &[Fp; 5]) -> Fp {
    let two = |bits: u32| Fp::from(1u64 << bits);
    let top = p[2] + p[3] * two(TOP_PIECE_BITS) + p[4] * two(2 * TOP_PIECE_BITS);
    p[0] + p[1] * two(LIMB_BITS) + top * two(2 * LIMB_BITS)
}

/// One thing in a cheating prover's bill-region witness, replaced; the running values after it
/// follow the forged one, as a cheating prover's would.
#[derive(Clone, Copy, Debug)]
enum Tamper {
    /// Reading `j`'s parts (limbs and top pieces): the reading is what they encode.
    Parts(usize, [Fp; 5]),
    /// The running bill before reading `j` (row `2j`, `1 <= j`).
    Bill(usize, Fp),
    /// The running energy before reading `j` (row `2j`).
    Energy(usize, Fp),
    /// The packing accumulator before reading `j` (row `2j`).
    Acc(usize, Fp),
    /// The export register's energy goes on from the import energy instead of restarting.
    NoRestart,
}

/// The bill region's witness of laid-out readings `laid` with signed prices `signed`, computed
/// here from the layout's rules (a word starts every 9 readings; the energy restarts at the
/// export register), with `tamper` applied.
fn steps(size: CircuitSize, laid: &[u32], signed: &[i64], tamper: Option<Tamper>) -> Vec<Step> {
    let export_start = size.has_export().then_some(size.capacity());
    let (mut bill, mut energy, mut acc) = (Fp::ZERO, Fp::ZERO, Fp::ZERO);
    let mut out = Vec::with_capacity(laid.len());
    for (i, (&reading, &price)) in laid.iter().zip(signed).enumerate() {
        let p = match tamper {
            Some(Tamper::Parts(j, forged)) if j == i => forged,
            _ => parts(reading),
        };
        let r = value(&p);
        let restarts = Some(i) == export_start && !matches!(tamper, Some(Tamper::NoRestart));
        bill += fp_from_price(price) * r;
        energy = if restarts { r } else { energy + r };
        acc = if i.is_multiple_of(READINGS_PER_WORD) {
            r
        } else {
            acc * Fp::from(1u64 << READING_BITS) + r
        };
        match tamper {
            Some(Tamper::Bill(j, v)) if j == i + 1 => bill = v,
            Some(Tamper::Energy(j, v)) if j == i + 1 => energy = v,
            Some(Tamper::Acc(j, v)) if j == i + 1 => acc = v,
            _ => {}
        }
        out.push(Step {
            limbs: [p[0], p[1]].map(Value::known),
            top: [p[2], p[3], p[4]].map(Value::known),
            bill: Value::known(bill),
            energy: Value::known(energy),
            acc: Value::known(acc),
        });
    }
    out
}

/// The instance column of laid-out readings, computed here: `C` over their packed words (no
/// bound is checked, so a forged reading can be committed, as a forged meter would), `B` and
/// the energies of each register as exact integers.
fn statement_of(size: CircuitSize, laid: &[u32], signed: &[i64], blinding: Fp) -> Vec<Vec<Fp>> {
    let words = native::pack_words(laid);
    let digest = with_words!(size, M => native::readings_digest::<M>(&words)).unwrap();
    let energy = |register: &[u32]| register.iter().map(|&r| u64::from(r)).sum::<u64>();
    let (import, export) = laid.split_at(size.capacity());
    PublicInputs {
        size,
        commitment: native::commit_digest(size, digest, blinding),
        bill: laid
            .iter()
            .zip(signed)
            .map(|(&r, &p)| i128::from(r) * i128::from(p))
            .sum(),
        import_energy: energy(import),
        export_energy: energy(export),
        context: Fp::from(CONTEXT_HASH),
    }
    .to_instance()
    .columns()
    .to_vec()
}

fn run<C: Circuit<Fp>>(
    size: CircuitSize,
    circuit: &C,
    instance: &[Vec<Fp>],
) -> Result<(), Vec<VerifyFailure>> {
    MockProver::run(size.k(), circuit, instance.to_vec())
        .unwrap()
        .verify()
}

/// The honest period passes the production circuit.
fn assert_honest<const M: usize>(period: &Period) {
    assert_eq!(
        run(period.size, &period.circuit::<M>(), &period.instance()),
        Ok(()),
        "{}",
        period.size
    );
}

/// The bill circuit with a planted bill-region witness: the same columns, gates and layout
/// (`BillCircuit::configure`, `BillChip::assign_steps`, `commit_and_expose`), so a failure is
/// exactly what the production circuit would report for that witness.
struct Tampered<const M: usize> {
    circuit: BillCircuit<M>,
    steps: Vec<Step>,
}

impl<const M: usize> Circuit<Fp> for Tampered<M> {
    type Config = BillCircuitConfig;
    type FloorPlanner = SimpleFloorPlanner;

    fn without_witnesses(&self) -> Self {
        Tampered {
            circuit: BillCircuit::blank(&self.circuit.tariff),
            steps: self.steps.clone(),
        }
    }

    fn configure(meta: &mut ConstraintSystem<Fp>) -> Self::Config {
        BillCircuit::<M>::configure(meta)
    }

    fn synthesize(
        &self,
        config: Self::Config,
        mut layouter: impl Layouter<Fp>,
    ) -> Result<(), Error> {
        let chip = BillChip::construct(config.bill.clone());
        let cells = chip.assign_steps(
            layouter.namespace(|| "bill and energy"),
            &self.steps,
            &self.circuit.tariff,
        )?;
        self.circuit
            .commit_and_expose(config, layouter, &chip, cells)
    }
}

/// A failure list in a compact, exact form: kind, constraint or column, and where. Tests
/// compare the whole list, so any new or missing failure is a visible diff.
fn summary(result: Result<(), Vec<VerifyFailure>>) -> Vec<String> {
    let Err(failures) = result else {
        return vec![];
    };
    failures
        .iter()
        .map(|f| match f {
            VerifyFailure::ConstraintNotSatisfied {
                constraint,
                location,
                ..
            } => format!("{constraint} {}", place(location)),
            VerifyFailure::Lookup {
                lookup_index,
                location,
            } => format!("lookup {lookup_index} {}", place(location)),
            VerifyFailure::Permutation { column, location } => {
                let column = format!("{column:?}")
                    .replace("Column { column_type: ", "")
                    .replace(", index: ", " ")
                    .replace(" }", "");
                format!("copy {column} {}", place(location))
            }
            other => format!("{other}"),
        })
        .collect()
}

fn place(location: &FailureLocation) -> String {
    match location {
        FailureLocation::InRegion { region, offset } => format!("in {region} at {offset}"),
        FailureLocation::OutsideRegion { row } => format!("outside regions at row {row}"),
    }
}

/// The failure of constraint `name` of the `reading step` gate at row `row` of the bill region.
fn step_failure(name: &str, row: usize) -> String {
    let index = [
        "bill running sum",
        "energy running sum",
        "packing",
        "padding reading is zero",
        "top piece 0 in 0..4",
        "top piece 1 in 0..4",
        "top piece 2 in 0..4",
    ]
    .iter()
    .position(|&n| n == name)
    .expect("a constraint of the reading step gate");
    format!(
        "Constraint {index} ('{name}') in gate 3 ('reading step') in Region 0 ('bill') at {row}"
    )
}

/// Advice column of the running bill.
const BILL_COLUMN: usize = 6;
/// Advice column of the running energy.
const ENERGY_COLUMN: usize = 7;

// MockProver lists failures in this order: constraints (gate by gate, row by row), lookups,
// then broken copies column by column in the permutation argument's column order (Advice 0,
// where `C` is computed; Instance 0, the statement; then the bill region's Advice 5, 6, 7),
// row by row. A broken copy fails at both its ends.

/// The inner end of the copy of `C`: the commitment hash's output cell, in its last `permute
/// state` region. Regions in order: the bill region (0), the limb table, the context, the
/// digest's initial state, an input and a permutation region for each of the digest's `W / 2`
/// permutations, the commitment's inputs and initial state, its two permutations: the last is
/// Region `W + 9`.
fn commitment_end(words: usize) -> String {
    format!(
        "copy Advice 0 in Region {} ('permute state') at 36",
        words + 9
    )
}

/// The public end of a copy: statement row `row`.
fn public_end(row: usize) -> String {
    format!("copy Instance 0 outside regions at row {row}")
}

/// The bill region's end of a copy: the cell of advice column `column` at row `at`.
fn cell_end(column: usize, at: usize) -> String {
    format!("copy Advice {column} in Region 0 ('bill') at {at}")
}

#[test]
fn honest_periods_of_one_and_two_registers_pass() {
    assert_honest::<W>(&day());
    assert_honest::<W_IE>(&day_ie());
    // 24 hourly slots in the day size: 84 padding slots.
    let mut hourly = day();
    hourly.import.truncate(24);
    hourly.prices.truncate(24);
    assert_honest::<W>(&hourly);
}

/// The statement computed here agrees with the native reference, and the witness computed
/// here passes the test circuit: each corruption below is all that differs.
#[test]
fn honest_steps_and_statement_agree_with_the_native_reference() {
    for period in [day(), day_ie()] {
        assert_eq!(period.statement_of(&period.laid_out()), period.instance());
    }
    let (one, two) = (day(), day_ie());
    assert_eq!(run(DAY, &one.tampered::<W>(None), &one.instance()), Ok(()));
    assert_eq!(
        run(DAY_IE, &two.tampered::<W_IE>(None), &two.instance()),
        Ok(())
    );
    // The two energies of the sample differ, so a swap of them is visible.
    let public = two.public();
    assert!(public.import_energy != public.export_energy && public.export_energy > 0);
}

#[test]
fn slot_kinds_follow_the_table() {
    // A 24-slot frame of two registers: active readings start a word every 9 (kind 1, else
    // 0), padding readings likewise (2, else 3), the export register's first reading is 4.
    let tariff = TariffPrices::new(DAY_IE, &[1; 24], Some(&[1; 24])).unwrap();
    let kinds: Vec<u64> = (0..DAY_IE.readings())
        .map(|i| kind_of(&tariff, i))
        .collect();
    for (i, &kind) in kinds.iter().enumerate() {
        let (register, slot) = (i / N, i % N);
        let expected = match (slot < 24, i.is_multiple_of(READINGS_PER_WORD)) {
            (true, true) if register == 1 && slot == 0 => 4,
            (true, true) => 1,
            (true, false) => 0,
            (false, true) => 2,
            (false, false) => 3,
        };
        assert_eq!(kind, expected, "reading {i}");
    }
    assert_eq!(&kinds[N - 1..N + 2], [3, 4, 0]);
    // One register: no kind 4.
    let tariff = TariffPrices::new(DAY, &[1; 24], None).unwrap();
    assert!((0..N).all(|i| kind_of(&tariff, i) != 4));
}

/// The honest `period` passes, then its witness with `tamper` fails with exactly `expected`.
fn tampered_fails_with<const M: usize>(period: &Period, tamper: Tamper, expected: &[String]) {
    let instance = period.instance();
    assert_eq!(run(period.size, &period.circuit::<M>(), &instance), Ok(()));
    let planted = period.tampered::<M>(Some(tamper));
    assert_eq!(summary(run(period.size, &planted, &instance)), expected);
}

#[test]
fn corrupted_running_bill_fails_the_bill_constraint_and_the_copy_of_b() {
    // The sum is broken once (reading 4 -> 5, rows 8 -> 10); the cheat then carries on from
    // the forged value, so the final B no longer matches the public one either.
    tampered_fails_with::<W>(
        &day(),
        Tamper::Bill(5, Fp::from(12345u64)),
        &[
            step_failure("bill running sum", 8),
            public_end(BILL),
            cell_end(BILL_COLUMN, 2 * N),
        ],
    );
}

#[test]
fn corrupted_running_energy_fails_the_energy_constraint() {
    // One register: the last step, and the copy of E_in from the final energy cell.
    tampered_fails_with::<W>(
        &day(),
        Tamper::Energy(N, Fp::ONE),
        &[
            step_failure("energy running sum", 2 * N - 2),
            public_end(IMPORT_ENERGY),
            cell_end(ENERGY_COLUMN, 2 * N),
        ],
    );
    // Two registers: the import energy kept at row 2N is forged; the export sum restarts
    // there, so only E_in moves (E_out, the sum after the restart, still matches).
    tampered_fails_with::<W_IE>(
        &day_ie(),
        Tamper::Energy(N, Fp::from(7u64)),
        &[
            step_failure("energy running sum", 2 * N - 2),
            public_end(IMPORT_ENERGY),
            cell_end(ENERGY_COLUMN, 2 * N),
        ],
    );
}

#[test]
fn export_energy_must_restart_at_the_export_register() {
    // A prover that does not restart the sum at the first export slot (kind 4) would publish
    // E_out = E_in + export: the energy constraint fails at that slot's row 2N, and so does
    // the copy of E_out.
    tampered_fails_with::<W_IE>(
        &day_ie(),
        Tamper::NoRestart,
        &[
            step_failure("energy running sum", 2 * N),
            public_end(EXPORT_ENERGY),
            cell_end(ENERGY_COLUMN, 4 * N),
        ],
    );
}

#[test]
fn corrupted_packing_accumulator_fails_the_packing_constraint() {
    // Reading 3 lies inside the first word: the forged accumulator breaks `packing` at
    // reading 2 (row 4), and the first word, hashed into C, is no longer the honest one.
    tampered_fails_with::<W>(
        &day(),
        Tamper::Acc(3, Fp::from(7u64)),
        &[
            step_failure("packing", 4),
            commitment_end(W),
            public_end(COMMITMENT),
        ],
    );
}

#[test]
fn changed_reading_breaks_the_commitment_bill_and_energy() {
    // A cheating prover changes one reading (valid parts) and recomputes the running sums and
    // the word consistently: every gate and lookup holds, but the hash no longer opens C, and
    // B and E_in no longer match.
    tampered_fails_with::<W>(
        &day(),
        Tamper::Parts(10, parts(5)),
        &[
            commitment_end(W),
            public_end(COMMITMENT),
            public_end(BILL),
            public_end(IMPORT_ENERGY),
            cell_end(BILL_COLUMN, 2 * N),
            cell_end(ENERGY_COLUMN, 2 * N),
        ],
    );
}

#[test]
fn carry_into_the_next_packed_reading_is_caught_by_a_range_check() {
    // Readings r_0 = 5, r_1 = 7 pack to the same word as r_0' = 4, r_1' = 7 + 2^26. A prover
    // that could encode r_1' would keep C and move B by 2^26 p_1 - p_0 (a huge credit where
    // p_1 is negative). Every way to write r_1' with five parts puts one part out of its
    // range.
    let mut period = day();
    period.import = vec![0; N];
    period.import[..2].copy_from_slice(&[5, 7]);
    period.prices = vec![1_000; N];
    period.prices[1] = 2_000;
    let instance = period.instance();
    assert_eq!(run(DAY, &period.circuit::<W>(), &instance), Ok(()));

    let shift = Fp::from(1u64 << READING_BITS);
    let forged_value = Fp::from(7u64) + shift;
    assert_eq!(
        Fp::from(4u64) * shift + forged_value,
        Fp::from(5u64) * shift + Fp::from(7u64),
        "the forged pair packs to the honest word"
    );
    let mut forged_readings = period.laid_out();
    forged_readings[0] = 4;
    let (n, z) = (|x: u64| Fp::from(x), Fp::ZERO);
    let cases = [
        // t2 = 4: the piece polynomial of t2.
        (
            [n(7), z, z, z, n(4)],
            step_failure("top piece 2 in 0..4", 2),
        ),
        // t1 = 16, t0 = 64.
        (
            [n(7), z, z, n(16), z],
            step_failure("top piece 1 in 0..4", 2),
        ),
        (
            [n(7), z, n(64), z, z],
            step_failure("top piece 0 in 0..4", 2),
        ),
        // l1 = 2^16 (row 3) or l0 = 7 + 2^26 (row 2): the limb range lookup.
        (
            [n(7), n(1 << (READING_BITS - LIMB_BITS)), z, z, z],
            "lookup 0 in Region 0 ('bill') at 3".to_owned(),
        ),
        (
            [n(7 + (1 << READING_BITS)), z, z, z, z],
            "lookup 0 in Region 0 ('bill') at 2".to_owned(),
        ),
    ];
    for (forged, caught) in cases {
        assert_eq!(value(&forged), forged_value, "{forged:?}");
        let planted = period.planted::<W>(&forged_readings, Some(Tamper::Parts(1, forged)));
        // Only the range check stops this cheat: C still opens (no copy of it fails), while B
        // and E_in, which are public, no longer match the honest ones.
        assert_eq!(
            summary(run(DAY, &planted, &instance)),
            [
                caught,
                public_end(BILL),
                public_end(IMPORT_ENERGY),
                cell_end(BILL_COLUMN, 2 * N),
                cell_end(ENERGY_COLUMN, 2 * N),
            ],
            "{forged:?}"
        );
    }
}

#[test]
fn non_canonical_parts_of_a_reading_fail_their_range_check() {
    // A reading with every part nonzero, written with one unit moved to the part below it (a
    // limb of 2^10 or more, or a top piece of 4 or more): the same value, so the sums, the
    // word and C all hold, and the range check of the overfull part alone fails.
    let mut period = day();
    let j = 10;
    let honest = parts(period.import[j]);
    let reading = 0x155 | (0x2aa << LIMB_BITS) | (0b11_10_01 << (2 * LIMB_BITS));
    period.import[j] = reading;
    let p = parts(reading);
    assert!(p.iter().all(|x| !bool::from(x.is_zero())), "{p:?}");
    assert_ne!(honest, p);
    let limb = Fp::from(1u64 << LIMB_BITS);
    let piece = Fp::from(1u64 << TOP_PIECE_BITS);
    let cases = [
        (
            [p[0] + limb, p[1] - Fp::ONE, p[2], p[3], p[4]],
            format!("lookup 0 in Region 0 ('bill') at {}", 2 * j),
        ),
        (
            [p[0], p[1] + limb, p[2] - Fp::ONE, p[3], p[4]],
            format!("lookup 0 in Region 0 ('bill') at {}", 2 * j + 1),
        ),
        (
            [p[0], p[1], p[2] + piece, p[3] - Fp::ONE, p[4]],
            step_failure("top piece 0 in 0..4", 2 * j),
        ),
        (
            [p[0], p[1], p[2], p[3] + piece, p[4] - Fp::ONE],
            step_failure("top piece 1 in 0..4", 2 * j),
        ),
    ];
    for (forged, caught) in cases {
        assert_eq!(value(&forged), value(&p));
        tampered_fails_with::<W>(&period, Tamper::Parts(j, forged), &[caught]);
    }
}

#[test]
fn reading_at_the_bound_passes_and_one_above_fails_the_top_piece_constraint() {
    // MAX_READING = 2^26 - 1 is every part at its largest; one more is t2 = 4 and every other
    // part zero.
    let max = Fp::from(u64::from(MAX_READING));
    assert_eq!(
        parts(MAX_READING),
        [1023u64, 1023, 3, 3, 3].map(Fp::from),
        "the bound fills every part"
    );
    assert_eq!(value(&parts(MAX_READING)), max);
    assert_eq!(parts(MAX_READING + 1), [0u64, 0, 0, 0, 4].map(Fp::from));
    let j = 13;
    let mut period = day();
    period.import[j] = MAX_READING;
    assert_honest::<W>(&period);

    // A meter that commits 2^26 in slot 13 and a prover that carries it through B, E and the
    // packing: only t2 = 4 is out of range.
    let mut above = period.laid_out();
    above[j] = MAX_READING + 1;
    assert_eq!(
        summary(run(
            DAY,
            &period.planted::<W>(&above, None),
            &period.statement_of(&above)
        )),
        [step_failure("top piece 2 in 0..4", 2 * j)]
    );
}

#[test]
fn nonzero_padding_reading_fails_the_padding_constraint() {
    // A frame of 24 slots in a circuit of 108: slots 24.. are padding. Honest: passes.
    let mut period = day();
    period.import = (0..24).map(|i| 100 + i).collect();
    period.prices = vec![250_000; 24];
    assert_honest::<W>(&period);

    // A meter that commits a nonzero reading in padding slot 30 (so C opens to it), and a
    // prover that carries it through B (a padding slot's price is 0), E and the packing:
    // every other constraint and copy holds; the padding constraint alone stops it.
    let mut forged = period.laid_out();
    forged[30] = 7;
    assert_eq!(
        summary(run(
            DAY,
            &period.planted::<W>(&forged, None),
            &period.statement_of(&forged)
        )),
        [step_failure("padding reading is zero", 60)]
    );
    // The same reading in the last active slot instead is an honest period.
    period.import[23] += 7;
    assert_honest::<W>(&period);

    // Two registers (96 slots): a padding slot of the import register that starts a word
    // (99, kind 2) and one inside a word of the export register (N + 100, kind 3).
    let period = day_ie();
    assert_honest::<W_IE>(&period);
    for slot in [99, N + 100] {
        let mut forged = period.laid_out();
        forged[slot] = 1;
        let planted = period.planted::<W_IE>(&forged, None);
        assert_eq!(
            summary(run(DAY_IE, &planted, &period.statement_of(&forged))),
            [step_failure("padding reading is zero", 2 * slot)],
            "reading {slot}"
        );
    }
}

#[test]
fn wrong_blinding_does_not_open_the_commitment() {
    let period = day();
    assert_honest::<W>(&period);
    let mut other = period.clone();
    other.blinding += Fp::ONE;
    assert_eq!(
        summary(run(DAY, &other.circuit::<W>(), &period.instance())),
        [commitment_end(W), public_end(COMMITMENT)]
    );
}

#[test]
fn the_statement_of_one_tariff_fails_under_another() {
    // The tariff is in fixed columns: the same readings and statement under a tariff with one
    // price changed compute another B. (Real keys of two tariffs differ in those columns'
    // commitments, so a proof of one never verifies under the other: `tests/proof.rs`.)
    let period = day();
    assert_honest::<W>(&period);
    for slot in [0, N - 1] {
        let mut other = period.clone();
        other.prices[slot] += 1;
        assert_eq!(
            summary(run(DAY, &other.circuit::<W>(), &period.instance())),
            [public_end(BILL), cell_end(BILL_COLUMN, 2 * N)],
            "price of slot {slot}"
        );
    }
    // Two registers: one export credit changed.
    let period = day_ie();
    assert_honest::<W_IE>(&period);
    let mut other = period.clone();
    other.credits.as_mut().unwrap()[40] += 1;
    assert_eq!(
        summary(run(DAY_IE, &other.circuit::<W_IE>(), &period.instance())),
        [public_end(BILL), cell_end(BILL_COLUMN, 4 * N)]
    );
    // One slot fewer: the last import slot (95, nonzero) becomes padding, with price 0.
    let mut shorter = period.clone();
    for register in [&mut shorter.import, shorter.export.as_mut().unwrap()] {
        register.pop();
    }
    shorter.prices.pop();
    shorter.credits.as_mut().unwrap().pop();
    let planted = shorter.planted::<W_IE>(&period.laid_out(), None);
    assert_eq!(
        summary(run(DAY_IE, &planted, &period.instance())),
        [
            step_failure("padding reading is zero", 2 * 95),
            public_end(BILL),
            cell_end(BILL_COLUMN, 4 * N),
        ]
    );
}

#[test]
fn wrong_public_commitment_bill_or_energies_fail_their_copy() {
    // A changed C, B, E_in or E_out breaks the copy to that very cell (both ends fail: the
    // public row and the cell it is copied from).
    let period = day();
    let instance = period.instance();
    let circuit = period.circuit::<W>();
    assert_eq!(run(DAY, &circuit, &instance), Ok(()));
    for (row, expected) in [
        (COMMITMENT, [commitment_end(W), public_end(COMMITMENT)]),
        (BILL, [public_end(BILL), cell_end(BILL_COLUMN, 2 * N)]),
        (
            IMPORT_ENERGY,
            [public_end(IMPORT_ENERGY), cell_end(ENERGY_COLUMN, 2 * N)],
        ),
    ] {
        let mut bad = instance.clone();
        bad[0][row] += Fp::ONE;
        assert_eq!(summary(run(DAY, &circuit, &bad)), expected, "row {row}");
    }

    let period = day_ie();
    let instance = period.instance();
    let circuit = period.circuit::<W_IE>();
    assert_eq!(run(DAY_IE, &circuit, &instance), Ok(()));
    for (row, expected) in [
        (COMMITMENT, [commitment_end(W_IE), public_end(COMMITMENT)]),
        (BILL, [public_end(BILL), cell_end(BILL_COLUMN, 4 * N)]),
        // E_in: the energy cell at row 2N, where the export register starts.
        (
            IMPORT_ENERGY,
            [public_end(IMPORT_ENERGY), cell_end(ENERGY_COLUMN, 2 * N)],
        ),
        (
            EXPORT_ENERGY,
            [public_end(EXPORT_ENERGY), cell_end(ENERGY_COLUMN, 4 * N)],
        ),
    ] {
        let mut bad = instance.clone();
        bad[0][row] -= Fp::ONE;
        assert_eq!(summary(run(DAY_IE, &circuit, &bad)), expected, "row {row}");
    }
}

#[test]
fn one_register_circuit_refuses_a_nonzero_export_energy() {
    // E_out of a one-register size is copied from the constant-0 initial energy cell (row 0).
    let period = day();
    let mut instance = period.instance();
    assert_eq!(instance[0][EXPORT_ENERGY], Fp::ZERO);
    assert_eq!(run(DAY, &period.circuit::<W>(), &instance), Ok(()));
    instance[0][EXPORT_ENERGY] = Fp::ONE;
    assert_eq!(
        summary(run(DAY, &period.circuit::<W>(), &instance)),
        [public_end(EXPORT_ENERGY), cell_end(ENERGY_COLUMN, 0)]
    );
}

#[test]
fn import_energy_is_the_energy_before_the_export_register() {
    // The kind-4 restart: E_in is the energy cell at row 2N, E_out the sum after it. An honest
    // period with distinct energies passes; the same period with the public energies swapped
    // fails both copies.
    let period = day_ie();
    let public = period.public();
    let import: u64 = period.import.iter().map(|&r| u64::from(r)).sum();
    let export: u64 = period.export.iter().flatten().map(|&r| u64::from(r)).sum();
    assert_eq!(
        (public.import_energy, public.export_energy),
        (import, export)
    );
    assert_ne!(import, export);
    assert_honest::<W_IE>(&period);

    let mut swapped = public.clone();
    swapped.import_energy = public.export_energy;
    swapped.export_energy = public.import_energy;
    let instance = swapped.to_instance().columns().to_vec();
    assert_eq!(
        summary(run(DAY_IE, &period.circuit::<W_IE>(), &instance)),
        [
            public_end(IMPORT_ENERGY),
            public_end(EXPORT_ENERGY),
            cell_end(ENERGY_COLUMN, 2 * N),
            cell_end(ENERGY_COLUMN, 4 * N),
        ]
    );
}

#[test]
fn swapped_registers_do_not_open_the_meters_commitment() {
    // Import and export with equal energies but different profiles, so exchanging them keeps
    // E_in and E_out and changes B. The meter committed the true order.
    let mut period = day_ie();
    let import: Vec<u32> = (0..96).map(|i| 200 + i * 10).collect();
    let export: Vec<u32> = import.iter().rev().copied().collect();
    period.import = import;
    period.export = Some(export);
    let truth = period.instance();
    assert_honest::<W_IE>(&period);

    let mut swapped = period.clone();
    let export = swapped.export.replace(swapped.import.clone()).unwrap();
    swapped.import = export;
    let (true_public, swapped_public) = (period.public(), swapped.public());
    assert_eq!(
        (true_public.import_energy, true_public.export_energy),
        (swapped_public.import_energy, swapped_public.export_energy)
    );
    assert_ne!(true_public.bill, swapped_public.bill);

    // The swapped witness against the meter's statement: C and B fail (the energies hold).
    assert_eq!(
        summary(run(DAY_IE, &swapped.circuit::<W_IE>(), &truth)),
        [
            commitment_end(W_IE),
            public_end(COMMITMENT),
            public_end(BILL),
            cell_end(BILL_COLUMN, 4 * N),
        ]
    );
    // With the B the swapped witness computes, C alone stops it: the commitment binds the
    // register order.
    let mut claimed = true_public.clone();
    claimed.bill = swapped_public.bill;
    assert_eq!(
        summary(run(
            DAY_IE,
            &swapped.circuit::<W_IE>(),
            claimed.to_instance().columns()
        )),
        [commitment_end(W_IE), public_end(COMMITMENT)]
    );
}

#[test]
fn export_register_cannot_be_proven_as_import() {
    // `month-30min-ie` and `month-15min` hash the same number of words. A two-register period
    // (full frame: no padding) committed as `-ie`; a prover that lays the same readings out
    // under the one-register circuit, with a one-register tariff pricing slot i at the -ie
    // tariff's signed price (export credits negated), computes the same words, digest and B.
    const M: usize = MONTH_15MIN_WORDS;
    let ie = CircuitSize::Month30MinIe;
    let one = CircuitSize::Month15Min;
    assert_eq!((ie.words(), one.words(), ie.k()), (M, M, one.k()));
    let slots = ie.capacity();
    let period = Period {
        size: ie,
        import: (0..slots as u32).map(|i| 500 + (i * 31) % 700).collect(),
        export: Some((0..slots as u32).map(|i| (i * 17) % 300).collect()),
        prices: (0..slots as i64).map(|i| 100_000 + i * 13).collect(),
        credits: Some((0..slots as i64).map(|i| 40_000 + i * 7).collect()),
        blinding: Fp::from(0x5eed_u64),
    };
    let instance = period.instance();
    assert_honest::<M>(&period);

    let signed = period.signed_prices();
    let as_import = TariffPrices::new(one, &signed, None).unwrap();
    let circuit = BillCircuit::<M>::new(&period.laid_out(), period.blinding, &as_import);
    // The same statement: C (layout tag 2 vs 1), E_in (all 2N readings) and E_out (the
    // constant 0) fail.
    // E_in is copied from the final energy cell (row 2 * 2N), E_out from the initial one.
    let last = 2 * one.readings();
    assert_eq!(
        summary(run(one, &circuit, &instance)),
        [
            commitment_end(M),
            public_end(COMMITMENT),
            public_end(IMPORT_ENERGY),
            public_end(EXPORT_ENERGY),
            cell_end(ENERGY_COLUMN, 0),
            cell_end(ENERGY_COLUMN, last),
        ]
    );
    // With the energies the one-register circuit computes (E_in + E_out, 0), only C stops
    // it; and C is all that differs: the same readings and blinding committed under layout 1
    // pass.
    let public = period.public();
    let mut claimed = public.clone();
    claimed.size = one;
    claimed.import_energy = public.import_energy + public.export_energy;
    claimed.export_energy = 0;
    assert_eq!(
        summary(run(one, &circuit, claimed.to_instance().columns())),
        [commitment_end(M), public_end(COMMITMENT)]
    );
    let laid = period.laid_out();
    claimed.commitment =
        native::commitment(one, Readings::import_only(&laid), period.blinding).unwrap();
    assert_ne!(claimed.commitment, public.commitment);
    assert_eq!(run(one, &circuit, claimed.to_instance().columns()), Ok(()));
}

#[test]
fn boundary_values_bill_exactly() {
    let blinding = -Fp::ONE; // p - 1, the largest blinding value
    let max = vec![MAX_READING; N];
    let extreme = i128::from(MAX_READING) * i128::from(MAX_ABS_PRICE);
    for (price, bill) in [
        (MAX_ABS_PRICE, N as i128 * extreme),
        (-MAX_ABS_PRICE, -(N as i128) * extreme),
        (0, 0),
    ] {
        let period = Period {
            size: DAY,
            import: max.clone(),
            export: None,
            prices: vec![price; N],
            credits: None,
            blinding,
        };
        assert_eq!(period.public().bill, bill);
        assert_eq!(
            period.public().import_energy,
            N as u64 * u64::from(MAX_READING)
        );
        assert_honest::<W>(&period);
    }
    // Zero readings at the largest price, zero blinding.
    let zero = Period {
        size: DAY,
        import: vec![0; N],
        export: None,
        prices: vec![MAX_ABS_PRICE; N],
        credits: None,
        blinding: Fp::ZERO,
    };
    assert_eq!(zero.public().bill, 0);
    assert_honest::<W>(&zero);
    // Two registers at the bound: a credit equal to the price nets to zero; a negative credit
    // (export charged) adds up to the largest bill of the size.
    for (credit, bill) in [
        (MAX_ABS_PRICE, 0),
        (-MAX_ABS_PRICE, 2 * N as i128 * extreme),
    ] {
        let period = Period {
            size: DAY_IE,
            import: max.clone(),
            export: Some(max.clone()),
            prices: vec![MAX_ABS_PRICE; N],
            credits: Some(vec![credit; N]),
            blinding,
        };
        assert_eq!(period.public().bill, bill);
        assert_honest::<W_IE>(&period);
    }
}

#[test]
fn the_largest_bill_of_any_size_is_exact() {
    // `month-15min-ie` with every reading at the bound, import at the largest price and
    // export charged at the largest price: B = MAX_ABS_BILL, the bound the no-wrap argument
    // is made against.
    let size = CircuitSize::Month15MinIe;
    let max = vec![MAX_READING; size.capacity()];
    let period = Period {
        size,
        import: max.clone(),
        export: Some(max),
        prices: vec![MAX_ABS_PRICE; size.capacity()],
        credits: Some(vec![-MAX_ABS_PRICE; size.capacity()]),
        blinding: -Fp::ONE,
    };
    assert_eq!(period.public().bill, MAX_ABS_BILL);
    assert_honest::<MONTH_15MIN_IE_WORDS>(&period);
}

#[test]
fn wrong_number_of_readings_is_a_synthesis_error() {
    for period in [day(), day_ie()] {
        let laid = period.laid_out();
        let short = &laid[..laid.len() - 1];
        let result = with_words!(period.size, M => {
            let circuit = BillCircuit::<M>::new(short, Fp::ONE, &period.tariff());
            MockProver::run(period.size.k(), &circuit, period.instance()).map(|_| ())
        });
        assert!(matches!(result, Err(Error::Synthesis)), "{}", period.size);
    }
}

#[test]
fn pinned_k_is_minimal_for_every_size() {
    fn check<const M: usize>(size: CircuitSize) {
        let k = size.k();
        let slots = size.capacity();
        let export = size.has_export().then(|| vec![0; slots]);
        let full = TariffPrices::new(size, &vec![0; slots], export.as_deref()).unwrap();
        let circuit = BillCircuit::<M>::new(&vec![0; size.readings()], Fp::ZERO, &full);
        let instance = vec![vec![Fp::ZERO; STATEMENT_ROWS]];
        assert!(
            MockProver::run(k, &circuit, instance.clone()).is_ok(),
            "{size} at k = {k}"
        );
        // At k - 1 the layout (2 rows per reading, or the 2^10-row limb table) does not fit.
        assert!(
            matches!(
                MockProver::run(k - 1, &circuit, instance),
                Err(Error::NotEnoughRowsAvailable { .. })
            ),
            "{size} fits k = {}",
            k - 1
        );
    }
    for size in CircuitSize::ALL {
        with_words!(size, M => check::<M>(size));
    }
}

/// Prices in `-MAX_ABS_PRICE..=MAX_ABS_PRICE` from a seed, one per slot.
fn prices_from(seed: u64, salt: u64, slots: usize) -> Vec<i64> {
    (0..slots as u64)
        .map(|i| {
            let x = seed
                .wrapping_mul(i + 1)
                .wrapping_add(salt)
                .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                >> 16;
            (x % (2 * MAX_ABS_PRICE as u64 + 1)) as i64 - MAX_ABS_PRICE
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Native reference and circuit agree on random one-register periods of random length.
    #[test]
    fn native_and_circuit_agree(
        readings in proptest::collection::vec(0..=MAX_READING, 1..=N),
        seed in any::<u64>(),
        blinding in any::<u64>(),
    ) {
        let period = Period {
            size: DAY,
            prices: prices_from(seed, 1, readings.len()),
            import: readings,
            export: None,
            credits: None,
            blinding: Fp::from(blinding),
        };
        prop_assert_eq!(run(DAY, &period.circuit::<W>(), &period.instance()), Ok(()));
    }

    /// The same for two registers.
    #[test]
    fn native_and_circuit_agree_with_two_registers(
        pairs in proptest::collection::vec((0..=MAX_READING, 0..=MAX_READING), 1..=N),
        seed in any::<u64>(),
        blinding in any::<u64>(),
    ) {
        let (import, export): (Vec<u32>, Vec<u32>) = pairs.into_iter().unzip();
        let period = Period {
            size: DAY_IE,
            prices: prices_from(seed, 1, import.len()),
            credits: Some(prices_from(seed, 2, import.len())),
            import,
            export: Some(export),
            blinding: Fp::from(blinding),
        };
        prop_assert_eq!(run(DAY_IE, &period.circuit::<W_IE>(), &period.instance()), Ok(()));
    }
}
