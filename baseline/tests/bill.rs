//! The baseline protocol end to end: the honest bill verifies; each corruption fails with its
//! own reason (every test first shows the honest message passes).

use p256::ecdsa::SigningKey;
use p256::elliptic_curve::Generate;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use zkmeter_baseline::{bill_message, BaselineError, BillMessage, Meter, PeriodId, Utility};

const N: usize = 96;
const START: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

struct Fixture {
    utility: Utility,
    period: PeriodId,
    prices: Vec<i64>,
    honest: BillMessage,
    expected_bill: i128,
}

fn fixture() -> Fixture {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let meter = Meter::new(SigningKey::try_generate_from_rng(&mut rng).unwrap(), 1001);
    let readings: Vec<u32> = (0..N as u32).map(|i| 50 + (i * 7919) % 700).collect();
    // Market-shaped prices, some negative.
    let prices: Vec<i64> = (0..N as i64)
        .map(|i| (i * 104_729) % 420_000 - 50_000)
        .collect();
    assert!(
        prices.iter().any(|&p| p < 0),
        "the fixture covers negative prices"
    );
    let expected_bill = readings
        .iter()
        .zip(&prices)
        .map(|(&r, &p)| i128::from(r) * i128::from(p))
        .sum();
    let recorded = meter.record(START, &readings, &mut rng);
    let honest = bill_message(&recorded, &prices).unwrap();
    Fixture {
        utility: Utility::new(meter.public_key()),
        period: recorded.period,
        prices,
        honest,
        expected_bill,
    }
}

impl Fixture {
    fn verify(&self, msg: &BillMessage) -> Result<i128, BaselineError> {
        self.utility
            .verify_bytes(&msg.to_bytes(), self.period, &self.prices)
    }

    fn honest_passes(&self) {
        assert_eq!(self.verify(&self.honest), Ok(self.expected_bill));
    }
}

#[test]
fn honest_bill_verifies_with_exact_size() {
    let f = fixture();
    f.honest_passes();
    assert_eq!(f.honest.to_bytes().len(), 73 + 96 * N);
}

#[test]
fn changed_bill_fails_the_opening() {
    let f = fixture();
    f.honest_passes();
    let mut msg = f.honest.clone();
    msg.bill += 1;
    assert_eq!(f.verify(&msg), Err(BaselineError::OpeningMismatch));
}

#[test]
fn changed_opening_sum_fails_the_opening() {
    let f = fixture();
    f.honest_passes();
    let mut msg = f.honest.clone();
    msg.opening_sum += zkmeter_baseline::Scalar::from(1u64);
    assert_eq!(f.verify(&msg), Err(BaselineError::OpeningMismatch));
}

#[test]
fn changed_commitment_fails_its_signature() {
    let f = fixture();
    f.honest_passes();
    // Another valid point (the commitment of slot 11) in slot 10.
    let mut msg = f.honest.clone();
    msg.readings[10].commitment = msg.readings[11].commitment;
    assert_eq!(
        f.verify(&msg),
        Err(BaselineError::InvalidSignature { slot: 10 })
    );
}

#[test]
fn commitment_that_is_not_a_point_is_refused() {
    let f = fixture();
    f.honest_passes();
    let mut msg = f.honest.clone();
    msg.readings[5].commitment = [0xff; 32];
    assert_eq!(
        f.verify(&msg),
        Err(BaselineError::MalformedCommitment { slot: 5 })
    );
}

#[test]
fn bad_signature_fails() {
    let f = fixture();
    f.honest_passes();
    let mut msg = f.honest.clone();
    msg.readings[20].signature[10] ^= 1; // r changed, still in range
    assert_eq!(
        f.verify(&msg),
        Err(BaselineError::InvalidSignature { slot: 20 })
    );
}

#[test]
fn malformed_or_high_s_signature_fails() {
    let f = fixture();
    f.honest_passes();
    let mut zero = f.honest.clone();
    zero.readings[3].signature = [0; 64];
    assert_eq!(
        f.verify(&zero),
        Err(BaselineError::MalformedSignature { slot: 3 })
    );
    // The high-s twin of a valid signature: s -> n - s.
    let mut high = f.honest.clone();
    let sig = p256::ecdsa::Signature::from_slice(&high.readings[4].signature).unwrap();
    let (r, s) = sig.split_scalars();
    let twin = p256::ecdsa::Signature::from_scalars(r, -*s).unwrap();
    high.readings[4].signature = twin.to_bytes().into();
    assert_eq!(
        f.verify(&high),
        Err(BaselineError::MalformedSignature { slot: 4 })
    );
}

#[test]
fn reordered_commitments_fail_their_signatures() {
    let f = fixture();
    f.honest_passes();
    // Swap two slots with their signatures: each signature binds its slot index.
    let mut msg = f.honest.clone();
    msg.readings.swap(30, 31);
    assert_eq!(
        f.verify(&msg),
        Err(BaselineError::InvalidSignature { slot: 30 })
    );
}

#[test]
fn dropped_reading_or_other_period_is_refused() {
    let f = fixture();
    f.honest_passes();
    let mut short = f.honest.clone();
    short.readings.pop();
    assert_eq!(
        f.verify(&short),
        Err(BaselineError::WrongCount {
            found: N - 1,
            expected: N
        })
    );
    let other = PeriodId {
        start: START + 86_400,
        ..f.period
    };
    assert_eq!(
        f.utility
            .verify_bytes(&f.honest.to_bytes(), other, &f.prices),
        Err(BaselineError::WrongPeriod)
    );
}

#[test]
fn replay_under_another_period_id_fails_signatures() {
    let f = fixture();
    f.honest_passes();
    // The plugin claims the commitments are for the next day: signatures bind the period.
    let mut msg = f.honest.clone();
    msg.period.start += 86_400;
    let claimed = msg.period;
    assert_eq!(
        f.utility.verify_bytes(&msg.to_bytes(), claimed, &f.prices),
        Err(BaselineError::InvalidSignature { slot: 0 })
    );
}

#[test]
fn other_prices_fail_the_opening() {
    let f = fixture();
    f.honest_passes();
    let mut prices = f.prices.clone();
    prices[0] += 1;
    assert_eq!(
        f.utility
            .verify_bytes(&f.honest.to_bytes(), f.period, &prices),
        Err(BaselineError::OpeningMismatch)
    );
}
