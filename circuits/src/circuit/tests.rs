//! MockProver tests of the bill circuit: the honest witness passes, each corrupted cell fails
//! with the named constraint or the copy it breaks, and the circuit agrees with `native`.

use ff::Field;
use halo2_proofs::{
    dev::{metadata, FailureLocation, MockProver, VerifyFailure},
    pasta::Fp,
    plonk::{Any, Error},
};
use proptest::prelude::*;

use super::*;
use crate::encoding::{fp_from_reading, MAX_ABS_PRICE, MAX_READING_WH};
use crate::native;
use crate::proof::PublicInputs;
use crate::size::{CircuitSize, DAY_15MIN, MONTH_15MIN, MONTH_30MIN};

const N: usize = DAY_15MIN;
const K: u32 = 11;

/// The circuit and the public inputs an honest plugin would produce.
fn honest(readings: &[u32], prices: &[i64], blinding: Fp) -> (BillCircuit<N>, [Vec<Fp>; 2]) {
    let (bill, energy_wh) = native::bill(prices, readings).unwrap();
    let public = PublicInputs {
        size: CircuitSize::Day15Min,
        commitment: native::commitment(CircuitSize::Day15Min, readings, blinding).unwrap(),
        bill,
        energy_wh,
        context: Fp::from(0xc0ffee_u64),
        prices: prices.to_vec(),
    };
    let circuit = BillCircuit::<N>::new(native::padded_readings::<N>(readings).unwrap(), blinding);
    (circuit, public.columns().unwrap())
}

fn sample() -> (Vec<u32>, Vec<i64>) {
    let readings: Vec<u32> = (0..N as u32).map(|i| (i * 37) % 900).collect();
    let prices: Vec<i64> = (0..N as i64)
        .map(|i| (i * 7919) % 400_000 - 60_000)
        .collect();
    (readings, prices)
}

fn run(circuit: &BillCircuit<N>, instance: &[Vec<Fp>; 2]) -> Result<(), Vec<VerifyFailure>> {
    MockProver::run(K, circuit, instance.to_vec())
        .unwrap()
        .verify()
}

/// The constraint `name` of the "bill step" gate (gate 3: after Poseidon's three gates).
fn bill_constraint(index: usize, name: &'static str) -> metadata::Constraint {
    ((3, "bill step").into(), index, name).into()
}

fn in_bill_region(offset: usize) -> String {
    FailureLocation::InRegion {
        region: (0, "bill").into(),
        offset,
    }
    .to_string()
}

/// Where `constraint` fails, in order.
fn failing_at(failures: &[VerifyFailure], constraint: &metadata::Constraint) -> Vec<String> {
    failures
        .iter()
        .filter_map(|f| match f {
            VerifyFailure::ConstraintNotSatisfied {
                constraint: c,
                location,
                ..
            } if c == constraint => Some(location.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn honest_witness_passes() {
    let (readings, prices) = sample();
    let (circuit, instance) = honest(&readings, &prices, Fp::from(99u64));
    assert_eq!(run(&circuit, &instance), Ok(()));
}

#[test]
fn corrupted_running_bill_fails_the_bill_constraint_on_both_sides() {
    let (readings, prices) = sample();
    let (circuit, instance) = honest(&readings, &prices, Fp::from(99u64));
    assert_eq!(run(&circuit, &instance), Ok(()));

    let failures = run(
        &circuit.tampered(Tamper::Bill(5, Fp::from(12345u64))),
        &instance,
    )
    .expect_err("a corrupted running bill must fail");
    // The sum is broken once (row 4 -> 5); the cheat then carries on from the forged value,
    // so the final B no longer matches the public one either.
    assert_eq!(
        failing_at(&failures, &bill_constraint(0, "bill running sum")),
        vec![in_bill_region(4)],
        "{failures:?}"
    );
    let cells: Vec<_> = failures.iter().filter_map(instance_permutation).collect();
    assert_eq!(cells, vec![(0, BILL)], "{failures:?}");
    assert_eq!(
        failing_at(&failures, &bill_constraint(1, "energy running sum")),
        Vec::<String>::new()
    );
}

#[test]
fn corrupted_running_energy_fails_the_energy_constraint() {
    let (readings, prices) = sample();
    let (circuit, instance) = honest(&readings, &prices, Fp::from(99u64));
    assert_eq!(run(&circuit, &instance), Ok(()));

    let failures = run(
        &circuit.tampered(Tamper::Energy(N, Fp::from(1u64))),
        &instance,
    )
    .expect_err("a corrupted final energy must fail");
    assert_eq!(
        failing_at(&failures, &bill_constraint(1, "energy running sum")),
        vec![in_bill_region(N - 1)],
        "{failures:?}"
    );
    assert_eq!(
        failing_at(&failures, &bill_constraint(0, "bill running sum")),
        Vec::<String>::new()
    );
}

/// The instance cell of a permutation failure, if that is what it is.
fn instance_permutation(f: &VerifyFailure) -> Option<(usize, usize)> {
    match f {
        VerifyFailure::Permutation {
            column,
            location: FailureLocation::OutsideRegion { row },
        } if *column == metadata::Column::from((Any::Instance, 0)) => Some((0, *row)),
        VerifyFailure::Permutation {
            column,
            location: FailureLocation::OutsideRegion { row },
        } if *column == metadata::Column::from((Any::Instance, 1)) => Some((1, *row)),
        _ => None,
    }
}

#[test]
fn corrupted_reading_breaks_the_commitment_copy() {
    let (readings, prices) = sample();
    let (circuit, instance) = honest(&readings, &prices, Fp::from(99u64));
    assert_eq!(run(&circuit, &instance), Ok(()));

    // A cheating prover changes one reading and recomputes the running sums consistently:
    // every gate holds, but the hash no longer opens C and B no longer matches.
    let failures = run(
        &circuit.tampered(Tamper::Reading(10, Fp::from(5u64))),
        &instance,
    )
    .expect_err("a changed reading must fail");
    assert!(
        failures
            .iter()
            .all(|f| !matches!(f, VerifyFailure::ConstraintNotSatisfied { .. })),
        "{failures:?}"
    );
    let cells: Vec<_> = failures.iter().filter_map(instance_permutation).collect();
    assert!(cells.contains(&(0, COMMITMENT)), "{failures:?}");
    assert!(cells.contains(&(0, BILL)), "{failures:?}");
}

#[test]
fn corrupted_price_breaks_the_copy_from_the_instance() {
    let (readings, prices) = sample();
    let (circuit, instance) = honest(&readings, &prices, Fp::from(99u64));
    assert_eq!(run(&circuit, &instance), Ok(()));

    let failures = run(
        &circuit.tampered(Tamper::Price(7, Fp::from(1u64))),
        &instance,
    )
    .expect_err("a changed price must fail");
    let cells: Vec<_> = failures.iter().filter_map(instance_permutation).collect();
    assert!(cells.contains(&(1, 7)), "{failures:?}");
}

#[test]
fn wrong_public_bill_energy_commitment_or_price_fail() {
    let (readings, prices) = sample();
    let (circuit, instance) = honest(&readings, &prices, Fp::from(99u64));
    assert_eq!(run(&circuit, &instance), Ok(()));

    // A changed C, B or E breaks the copy to that very cell. A changed price (of a slot with a
    // non-zero reading) is copied faithfully into the circuit, so the computed B no longer
    // matches the public B.
    for ((col, row), expected) in [
        ((0, COMMITMENT), (0, COMMITMENT)),
        ((0, BILL), (0, BILL)),
        ((0, ENERGY), (0, ENERGY)),
        ((1, 1), (0, BILL)),
        ((1, N - 1), (0, BILL)),
    ] {
        if col == 1 {
            assert_ne!(readings[row], 0, "pick a slot whose price matters");
        }
        let mut bad = instance.clone();
        bad[col][row] += Fp::ONE;
        let failures = run(&circuit, &bad).expect_err("a changed public input must fail");
        let cells: Vec<_> = failures.iter().filter_map(instance_permutation).collect();
        assert_eq!(cells, vec![expected], "({col},{row}): {failures:?}");
    }
}

#[test]
fn wrong_blinding_does_not_open_the_commitment() {
    let (readings, prices) = sample();
    let (circuit, instance) = honest(&readings, &prices, Fp::from(99u64));
    assert_eq!(run(&circuit, &instance), Ok(()));
    let other = BillCircuit::<N>::new(
        native::padded_readings::<N>(&readings).unwrap(),
        Fp::from(100u64),
    );
    let failures = run(&other, &instance).expect_err("another blinding value must fail");
    let cells: Vec<_> = failures.iter().filter_map(instance_permutation).collect();
    assert_eq!(cells, vec![(0, COMMITMENT)], "{failures:?}");
}

#[test]
fn boundary_values_bill_exactly() {
    let blinding = -Fp::ONE; // p - 1, the largest blinding value
    let max = vec![MAX_READING_WH; N];
    for prices in [vec![MAX_ABS_PRICE; N], vec![-MAX_ABS_PRICE; N], vec![0; N]] {
        let (circuit, instance) = honest(&max, &prices, blinding);
        assert_eq!(run(&circuit, &instance), Ok(()));
    }
    let (circuit, instance) = honest(&[0; N], &[MAX_ABS_PRICE; N], Fp::ZERO);
    assert_eq!(run(&circuit, &instance), Ok(()));
    // A frame shorter than the capacity: padding slots are zero readings at price zero.
    let (circuit, instance) = honest(&[MAX_READING_WH; 24], &[-MAX_ABS_PRICE; 24], blinding);
    assert_eq!(run(&circuit, &instance), Ok(()));
    assert_eq!(instance[1][24], Fp::ZERO);
    assert_eq!(
        fp_from_reading(MAX_READING_WH),
        Fp::from(u64::from(MAX_READING_WH))
    );
}

#[test]
fn pinned_k_is_minimal_for_every_size() {
    fn check<const M: usize>(k: u32) {
        let circuit = BillCircuit::<M>::new([Fp::ZERO; M], Fp::ZERO);
        let instance = vec![vec![Fp::ZERO; STATEMENT_ROWS], vec![Fp::ZERO; M]];
        assert!(
            MockProver::run(k, &circuit, instance.clone()).is_ok(),
            "N = {M} at k = {k}"
        );
        assert!(
            matches!(
                MockProver::run(k - 1, &circuit, instance),
                Err(Error::NotEnoughRowsAvailable { .. })
            ),
            "N = {M} fits k = {}",
            k - 1
        );
    }
    check::<DAY_15MIN>(CircuitSize::Day15Min.k());
    check::<MONTH_30MIN>(CircuitSize::Month30Min.k());
    check::<MONTH_15MIN>(CircuitSize::Month15Min.k());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Native reference and circuit agree on random periods of random length.
    #[test]
    fn native_and_circuit_agree(
        readings in proptest::collection::vec(0..=MAX_READING_WH, 1..=N),
        seed in any::<u64>(),
        blinding in any::<u64>(),
    ) {
        let prices: Vec<i64> = readings
            .iter()
            .enumerate()
            .map(|(i, _)| {
                let x = seed.wrapping_mul(i as u64 + 1).wrapping_add(0x9e37_79b9) % (2 * MAX_ABS_PRICE as u64 + 1);
                x as i64 - MAX_ABS_PRICE
            })
            .collect();
        let (circuit, instance) = honest(&readings, &prices, Fp::from(blinding));
        prop_assert_eq!(run(&circuit, &instance), Ok(()));
    }
}
