//! The application fee the platform takes on each direct charge: a percentage (in basis points)
//! plus a fixed amount, per currency, with an optional rule for every other currency.

use serde::{Deserialize, Serialize};

/// One currency's fee. `currency` is a lowercase ISO code, or `*` for all others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeRule {
    pub currency: String,
    /// Hundredths of a percent: 250 = 2.5 %.
    pub percent_bps: u32,
    /// In the currency's minor units.
    pub fixed: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeePolicy {
    pub rules: Vec<FeeRule>,
}

impl Default for FeePolicy {
    /// 5 % on everything until the platform says otherwise.
    fn default() -> Self {
        Self {
            rules: vec![FeeRule {
                currency: "*".into(),
                percent_bps: 500,
                fixed: 0,
            }],
        }
    }
}

pub const MAX_PERCENT_BPS: u32 = 10_000;
pub const MAX_FIXED_FEE: i64 = 10_000_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeeError {
    #[error("\"{0}\" is not a currency: use a three-letter code like eur, or * for all others.")]
    Currency(String),
    #[error("The percentage must be between 0 and 100 %.")]
    Percent,
    #[error("The fixed fee must be between 0 and {MAX_FIXED_FEE} minor units.")]
    Fixed,
    #[error("{0} has two fee rules.")]
    Duplicate(String),
}

impl FeePolicy {
    pub fn validate(&self) -> Result<(), FeeError> {
        let mut seen = std::collections::HashSet::new();
        for rule in &self.rules {
            let valid_code = rule.currency == "*"
                || (rule.currency.len() == 3
                    && rule.currency.chars().all(|c| c.is_ascii_lowercase()));
            if !valid_code {
                return Err(FeeError::Currency(rule.currency.clone()));
            }
            if rule.percent_bps > MAX_PERCENT_BPS {
                return Err(FeeError::Percent);
            }
            if !(0..=MAX_FIXED_FEE).contains(&rule.fixed) {
                return Err(FeeError::Fixed);
            }
            if !seen.insert(rule.currency.as_str()) {
                return Err(FeeError::Duplicate(rule.currency.clone()));
            }
        }
        Ok(())
    }

    /// The fee on `amount` minor units of `currency`, rounded half up and never more than the
    /// amount itself. No rule for the currency (and no `*`) means no fee.
    pub fn fee_for(&self, amount: i64, currency: &str) -> i64 {
        let rule = self
            .rules
            .iter()
            .find(|r| r.currency == currency)
            .or_else(|| self.rules.iter().find(|r| r.currency == "*"));
        let Some(rule) = rule else {
            return 0;
        };
        let percent = (i128::from(amount) * i128::from(rule.percent_bps) + 5_000) / 10_000;
        let fee = percent + i128::from(rule.fixed);
        fee.clamp(0, i128::from(amount.max(0))) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> FeePolicy {
        FeePolicy {
            rules: vec![
                FeeRule {
                    currency: "eur".into(),
                    percent_bps: 250,
                    fixed: 25,
                },
                FeeRule {
                    currency: "*".into(),
                    percent_bps: 500,
                    fixed: 0,
                },
            ],
        }
    }

    #[test]
    fn fees_use_the_currency_rule_then_the_catch_all() {
        assert_eq!(policy().fee_for(10_000, "eur"), 275);
        assert_eq!(policy().fee_for(10_000, "usd"), 500);
        assert_eq!(policy().fee_for(1, "eur"), 1, "never more than the amount");
        assert_eq!(policy().fee_for(199, "usd"), 10, "9.95 rounds half up");
        assert_eq!(FeePolicy { rules: vec![] }.fee_for(10_000, "eur"), 0);
        assert_eq!(
            policy().fee_for(i64::MAX, "usd"),
            i64::MAX / 20,
            "no overflow; .35 rounds down"
        );
    }

    #[test]
    fn bad_rules_are_refused() {
        let rule = |currency: &str, bps, fixed| FeePolicy {
            rules: vec![FeeRule {
                currency: currency.into(),
                percent_bps: bps,
                fixed,
            }],
        };
        assert_eq!(
            rule("EUR", 1, 0).validate(),
            Err(FeeError::Currency("EUR".into()))
        );
        assert_eq!(rule("eur", 10_001, 0).validate(), Err(FeeError::Percent));
        assert_eq!(rule("eur", 1, -1).validate(), Err(FeeError::Fixed));
        let twice = FeePolicy {
            rules: [policy().rules.clone(), policy().rules].concat(),
        };
        assert_eq!(twice.validate(), Err(FeeError::Duplicate("eur".into())));
        assert_eq!(policy().validate(), Ok(()));
    }
}
