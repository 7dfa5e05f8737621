//! The baseline privacy plugin: the bill, the opening sum, and everything the meter signed.

use crate::meter::RecordedPeriod;
use crate::wire::{BillMessage, MAX_READINGS};
use crate::{scalar_from_i128, BaselineError, Scalar};

/// Computes `B = sum p_i r_i` (exact) and `O = sum p_i o_i` for `prices` (one per reading)
/// and returns the message for the utility.
///
/// # Errors
/// [`BaselineError::WrongCount`] when the prices are not one per reading (or there are more
/// than [`MAX_READINGS`]); [`BaselineError::Overflow`] never within those bounds.
pub fn bill_message(period: &RecordedPeriod, prices: &[i64]) -> Result<BillMessage, BaselineError> {
    let n = period.readings.len();
    if prices.len() != n || n == 0 || n > MAX_READINGS || period.openings.len() != n {
        return Err(BaselineError::WrongCount {
            found: n,
            expected: prices.len(),
        });
    }
    let mut bill: i128 = 0;
    let mut opening_sum = Scalar::zero();
    for ((&r, &o), &p) in period.readings.iter().zip(&period.openings).zip(prices) {
        bill = bill
            .checked_add(i128::from(p) * i128::from(r))
            .ok_or(BaselineError::Overflow)?;
        opening_sum += scalar_from_i128(p.into()) * o;
    }
    Ok(BillMessage {
        period: period.period,
        bill,
        opening_sum,
        readings: period.signed.clone(),
    })
}
