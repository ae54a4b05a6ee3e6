//! Beancount numbers and number expressions (`-1,234.50`, `(10 + 2) / 3`).
//!
//! A small recursive-descent evaluator with the precedence of Beancount's
//! grammar; its literals are read by `rust_decimal`.

use rust_decimal::Decimal;

use super::parse::skip_ws;

/// Parses a number expression at the start of `s`.
///
/// Returns the value and the number of bytes consumed (trailing spaces
/// after the expression are not consumed). `None` when `s` does not start
/// with a number expression or the expression cannot be evaluated
/// (overflow, division by zero).
pub(crate) fn parse_expr(s: &[u8]) -> Option<(Decimal, usize)> {
    let mut parser = Expr { s, pos: 0 };
    let value = parser.sum()?;
    Some((value, parser.pos))
}

/// Parses an unsigned or signed literal (`-1,234.5`, `10.`) at the start of `s`.
pub(crate) fn parse_literal(s: &[u8]) -> Option<(Decimal, usize)> {
    let sign = usize::from(matches!(s.first(), Some(b'-' | b'+')));
    if !s.get(sign).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let mut end = sign;
    let mut fraction = false;
    let mut separators = false;
    while let Some(&c) = s.get(end) {
        match c {
            b'0'..=b'9' => {}
            // Thousands separators are only valid in the integer part.
            b',' if !fraction && s.get(end + 1).is_some_and(u8::is_ascii_digit) => {
                separators = true;
            }
            b'.' if !fraction => fraction = true,
            _ => break,
        }
        end += 1;
    }
    let text = std::str::from_utf8(&s[..end]).expect("signs, digits, commas and a dot are ASCII");
    let value = if separators {
        text.replace(',', "").parse::<Decimal>()
    } else {
        text.parse::<Decimal>()
    };
    value.ok().map(|d| (d, end))
}

/// True when `s` starts with a binary operator. A `/` directly followed by
/// a letter starts a Beancount 3 currency (`/ESZ20`), not a division.
fn starts_operator(s: &[u8]) -> bool {
    match s.first() {
        Some(b'+' | b'-' | b'*') => true,
        Some(b'/') => !s.get(1).is_some_and(u8::is_ascii_alphabetic),
        _ => false,
    }
}

struct Expr<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Expr<'_> {
    fn peek_after_spaces(&mut self) -> Option<u8> {
        self.pos = skip_ws(self.s, self.pos);
        self.s.get(self.pos).copied()
    }

    fn sum(&mut self) -> Option<Decimal> {
        let mut value = self.product()?;
        loop {
            let save = self.pos;
            match self.peek_after_spaces() {
                Some(b'+') => {
                    self.pos += 1;
                    value = value.checked_add(self.product()?)?;
                }
                Some(b'-') => {
                    self.pos += 1;
                    value = value.checked_sub(self.product()?)?;
                }
                _ => {
                    self.pos = save;
                    return Some(value);
                }
            }
        }
    }

    fn product(&mut self) -> Option<Decimal> {
        let mut value = self.unary()?;
        loop {
            let save = self.pos;
            match self.peek_after_spaces() {
                Some(b'*') => {
                    self.pos += 1;
                    value = value.checked_mul(self.unary()?)?;
                }
                Some(b'/') if starts_operator(&self.s[self.pos..]) => {
                    self.pos += 1;
                    value = value.checked_div(self.unary()?)?;
                }
                _ => {
                    self.pos = save;
                    return Some(value);
                }
            }
        }
    }

    fn unary(&mut self) -> Option<Decimal> {
        match self.peek_after_spaces()? {
            b'-' => {
                self.pos += 1;
                Some(-self.unary()?)
            }
            b'+' => {
                self.pos += 1;
                self.unary()
            }
            b'(' => {
                self.pos += 1;
                let value = self.sum()?;
                if self.peek_after_spaces()? != b')' {
                    return None;
                }
                self.pos += 1;
                Some(value)
            }
            _ => {
                let (value, used) = parse_literal(&self.s[self.pos..])?;
                self.pos += used;
                Some(value)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn eval(s: &str) -> Option<(Decimal, usize)> {
        parse_expr(s.as_bytes())
    }

    #[test]
    fn literals() {
        assert_eq!(eval("10"), Some((d("10"), 2)));
        assert_eq!(eval("-1,234.50 EUR"), Some((d("-1234.50"), 9)));
        assert_eq!(eval("10. EUR"), Some((d("10"), 3)));
        assert_eq!(eval("+0.001"), Some((d("0.001"), 6)));
        assert_eq!(eval("EUR"), None);
        assert_eq!(eval(".5"), None);
        assert_eq!(eval("1,5"), Some((d("15"), 3)));
        // Scale is kept: 1.50 and 1.5 are equal but print differently.
        assert_eq!(eval("1.50").unwrap().0.to_string(), "1.50");
    }

    #[test]
    fn long_literals_are_rounded_not_rejected() {
        let (value, used) = eval("1.23456789012345678901234567890123 EUR").unwrap();
        assert_eq!(used, 34);
        assert!(value > d("1.2345678901") && value < d("1.2345678902"));
    }

    #[test]
    fn expressions() {
        assert_eq!(eval("(10 + 2) EUR"), Some((d("12"), 8)));
        assert_eq!(eval("10 + 2 * 3 USD"), Some((d("16"), 10)));
        assert_eq!(eval("-(1 - 3)"), Some((d("2"), 8)));
        assert_eq!(eval("10/4"), Some((d("2.5"), 4)));
        assert_eq!(eval("1 / 0"), None);
        assert_eq!(eval("(1 + 2"), None);
    }

    #[test]
    fn slash_currency_is_not_division() {
        assert_eq!(eval("10 /ESZ20"), Some((d("10"), 2)));
    }
}
