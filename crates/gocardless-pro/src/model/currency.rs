//! Currencies, and the step from minor units (pence, cents) to major units.

use rust_decimal::Decimal;

use source::open_enum;

open_enum! {
    /// An ISO 4217 currency code. GoCardless collects and pays out in the
    /// eight below; another code is kept as sent.
    pub enum Currency {
        /// Australian dollar.
        Aud = "AUD",
        /// Canadian dollar.
        Cad = "CAD",
        /// Danish krone.
        Dkk = "DKK",
        /// Euro.
        Eur = "EUR",
        /// Pound sterling.
        Gbp = "GBP",
        /// New Zealand dollar.
        Nzd = "NZD",
        /// Swedish krona.
        Sek = "SEK",
        /// US dollar.
        Usd = "USD",
    }
}

impl Currency {
    /// How many minor units make one major unit, as a power of ten: 2 for
    /// every currency GoCardless supports; `None` for a code this crate
    /// does not know, whose amounts cannot be converted safely.
    pub fn minor_digits(&self) -> Option<u32> {
        match self {
            Currency::Other(_) => None,
            _ => Some(2),
        }
    }

    /// An amount in minor units (as the API writes every amount) in major
    /// units, exactly: `1050` pence is `10.50` GBP, a payout item's
    /// `-24.5` pence is `-0.245` GBP. `None` when the currency's minor unit
    /// is unknown (see [`Currency::minor_digits`]).
    ///
    /// ```
    /// use gocardless_pro::model::Currency;
    /// use rust_decimal::Decimal;
    /// assert_eq!(Currency::Gbp.to_major(Decimal::from(1050)).unwrap().to_string(), "10.50");
    /// assert_eq!(Currency::Eur.to_major("-24.5".parse().unwrap()).unwrap().to_string(), "-0.245");
    /// assert_eq!(Currency::parse("XTS").to_major(Decimal::ONE), None);
    /// ```
    pub fn to_major(&self, minor: Decimal) -> Option<Decimal> {
        let digits = self.minor_digits()?;
        let mut major = minor;
        major.set_scale(minor.scale().checked_add(digits)?).ok()?;
        Some(major)
    }
}
