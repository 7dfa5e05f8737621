//! Exact decimal text to fixed-point integers. No floating point anywhere.
//!
//! A decimal is `[+-]digits[.digits][e[+-]digits]` (at most [`MAX_DIGITS`] significant digits,
//! exponent within +-[`MAX_EXPONENT`]). [`Decimal::scaled`] multiplies by `10^shift` and rounds
//! the result to an integer **half to even** (banker's rounding), reporting whether it rounded;
//! the rule is written down in docs/protocol.md "Importing readings and prices".

/// Most significant digits accepted (keeps every mantissa far inside `i128`).
pub const MAX_DIGITS: usize = 30;
/// Largest exponent magnitude accepted.
pub const MAX_EXPONENT: i32 = 60;

/// An exact decimal number `mantissa * 10^-scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal {
    mantissa: i128,
    /// Power of ten dividing the mantissa (may be negative after an exponent).
    scale: i32,
}

/// Why a decimal text was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecimalError {
    /// Not a decimal number at all.
    #[error("'{0}' is not a decimal number")]
    Syntax(String),
    /// Too many digits or too large an exponent.
    #[error("'{0}' has too many digits or too large an exponent")]
    TooLong(String),
    /// The scaled value does not fit.
    #[error("'{0}' is out of range")]
    OutOfRange(String),
}

impl Decimal {
    /// Parses decimal text (surrounding ASCII whitespace is trimmed).
    pub fn parse(text: &str) -> Result<Self, DecimalError> {
        let t = text.trim();
        let shown = || truncate(t);
        let (neg, rest) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let (body, exp) = match rest.find(['e', 'E']) {
            Some(i) => {
                let e = &rest[i + 1..];
                let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
                if digits.is_empty()
                    || digits.len() > 3
                    || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(DecimalError::Syntax(shown()));
                }
                let v: i32 = e.parse().map_err(|_| DecimalError::Syntax(shown()))?;
                if v.abs() > MAX_EXPONENT {
                    return Err(DecimalError::TooLong(shown()));
                }
                (&rest[..i], v)
            }
            None => (rest, 0),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if (int.is_empty() && frac.is_empty())
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(DecimalError::Syntax(shown()));
        }
        let digits = format!("{int}{frac}");
        let significant = digits.trim_start_matches('0');
        if significant.len() > MAX_DIGITS || frac.len() > MAX_DIGITS {
            return Err(DecimalError::TooLong(shown()));
        }
        let magnitude: i128 = if significant.is_empty() {
            0
        } else {
            significant
                .parse()
                .map_err(|_| DecimalError::TooLong(shown()))?
        };
        let scale = frac.len() as i32 - exp;
        Ok(Decimal {
            mantissa: if neg { -magnitude } else { magnitude },
            scale,
        })
    }

    /// An integer as a decimal.
    pub fn from_int(v: i64) -> Self {
        Decimal {
            mantissa: v.into(),
            scale: 0,
        }
    }

    /// The exact sum, or `None` if it would not fit.
    pub fn checked_add(&self, other: &Decimal) -> Option<Decimal> {
        let scale = self.scale.max(other.scale);
        let a = self.mantissa.checked_mul(pow10(scale - self.scale)?)?;
        let b = other.mantissa.checked_mul(pow10(scale - other.scale)?)?;
        Some(Decimal {
            mantissa: a.checked_add(b)?,
            scale,
        })
    }

    /// True when the value is below zero.
    pub fn is_negative(&self) -> bool {
        self.mantissa < 0
    }

    /// `self * 10^shift`, rounded half to even to an integer; also says whether it rounded.
    pub fn scaled(&self, shift: i32) -> Result<(i128, bool), DecimalError> {
        let range = || DecimalError::OutOfRange(self.to_string());
        let net = shift - self.scale; // value = mantissa * 10^net
        if self.mantissa == 0 {
            return Ok((0, false));
        }
        if net >= 0 {
            let factor = pow10(net).ok_or_else(range)?;
            let v = self.mantissa.checked_mul(factor).ok_or_else(range)?;
            return Ok((v, false));
        }
        let Some(divisor) = pow10(-net) else {
            // |mantissa| < 10^30 < 10^39: far below one half of the divisor.
            return Ok((0, true));
        };
        let q = self.mantissa / divisor;
        let r = self.mantissa % divisor;
        if r == 0 {
            return Ok((q, false));
        }
        let twice = r.abs() * 2;
        let away = twice > divisor || (twice == divisor && q % 2 != 0);
        let q = if away { q + self.mantissa.signum() } else { q };
        Ok((q, true))
    }

    /// `self * 10^shift` when that is a whole number; `None` when it would need rounding.
    pub fn scaled_exact(&self, shift: i32) -> Result<Option<i128>, DecimalError> {
        let (v, rounded) = self.scaled(shift)?;
        Ok((!rounded).then_some(v))
    }
}

impl Decimal {
    /// `(m, e)` with `self = m x 10^e` exactly and `m` a non-negative integer: the digits as
    /// written, so a fraction keeps its precision (`12.50` is `1250 x 10^-2`), and a positive
    /// exponent is multiplied out (`2.5e2` is `250 x 10^0`). `None` for a negative number, or
    /// when `m` does not fit a `u64`.
    pub fn to_unsigned_scaled(&self) -> Option<(u64, i32)> {
        if self.mantissa < 0 {
            return None;
        }
        if self.scale >= 0 {
            return Some((u64::try_from(self.mantissa).ok()?, -self.scale));
        }
        let m = self.mantissa.checked_mul(pow10(-self.scale)?)?;
        Some((u64::try_from(m).ok()?, 0))
    }
}

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}e{}", self.mantissa, -self.scale)
    }
}

/// `10^n` for `0 <= n <= 38`.
fn pow10(n: i32) -> Option<i128> {
    (0..=38).contains(&n).then(|| 10i128.pow(n as u32))
}

/// Shortens text quoted in an error to 40 characters.
pub(crate) fn truncate(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        s.push_str("...");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str, shift: i32) -> (i128, bool) {
        Decimal::parse(text).unwrap().scaled(shift).unwrap()
    }

    #[test]
    fn exact_values_scale_exactly() {
        assert_eq!(s("9.4815", 4), (94815, false));
        assert_eq!(s("-10.7835", 4), (-107835, false));
        assert_eq!(s("64.98", 3), (64980, false));
        assert_eq!(s("0.122372", 6), (122372, false));
        assert_eq!(s("1e-7", 7), (1, false));
        assert_eq!(s("2.5E+2", 0), (250, false));
        assert_eq!(s(".5", 1), (5, false));
        assert_eq!(s("7.", 0), (7, false));
        assert_eq!(s("-0.000", 6), (0, false));
        let sum = Decimal::parse("0.122372")
            .unwrap()
            .checked_add(&Decimal::parse("0.062351").unwrap())
            .unwrap();
        assert_eq!(sum.scaled(6).unwrap(), (184723, false));
    }

    #[test]
    fn unsigned_scaled_keeps_the_written_digits() {
        let u = |t: &str| Decimal::parse(t).unwrap().to_unsigned_scaled();
        assert_eq!(u("1067300"), Some((1_067_300, 0)));
        assert_eq!(u("1067.3"), Some((10_673, -1)));
        assert_eq!(u("12.50"), Some((1250, -2)));
        assert_eq!(u("2.5E+2"), Some((250, 0)));
        assert_eq!(u("0.000"), Some((0, -3)));
        assert_eq!(u("-0"), Some((0, 0)));
        assert_eq!(u("-1"), None);
        assert_eq!(u("18446744073709551615"), Some((u64::MAX, 0)));
        assert_eq!(u("18446744073709551616"), None);
        assert_eq!(u("1e20"), None);
    }

    #[test]
    fn inexact_values_round_half_to_even() {
        assert_eq!(s("0.5", 0), (0, true));
        assert_eq!(s("1.5", 0), (2, true));
        assert_eq!(s("2.5", 0), (2, true));
        assert_eq!(s("-2.5", 0), (-2, true));
        assert_eq!(s("-3.5", 0), (-4, true));
        assert_eq!(s("0.49999", 0), (0, true));
        assert_eq!(s("-0.51", 0), (-1, true));
        assert_eq!(s("1e-50", 0), (0, true));
    }

    #[test]
    fn malformed_text_is_refused() {
        for bad in [
            "", "-", ".", "1.2.3", "1,5", "abc", "1e", "1e+", "NaN", "inf", "--1", "1 2",
        ] {
            assert!(
                matches!(Decimal::parse(bad), Err(DecimalError::Syntax(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            Decimal::parse(&"9".repeat(31)),
            Err(DecimalError::TooLong(_))
        ));
        assert!(matches!(
            Decimal::parse("1e99"),
            Err(DecimalError::TooLong(_))
        ));
        let big = Decimal::parse(&"9".repeat(30)).unwrap();
        assert!(matches!(big.scaled(20), Err(DecimalError::OutOfRange(_))));
    }
}
