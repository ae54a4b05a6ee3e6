//! Retry counts and back-off.

use std::time::Duration;

/// How failed requests are retried.
///
/// What is retried is each client's decision (its API says which answers
/// are safe to repeat); how often and how long to wait is this policy: the
/// n-th retry waits a random time between half and all of
/// `base_delay × 2ⁿ⁻¹`, and no retry starts once `max_total` has passed
/// since the first attempt. A rate limit (429) that asks for a wait of at
/// most `max_api_wait` is waited out; a longer one is returned at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retry).
    pub max_attempts: u32,
    /// The wait before the first retry.
    pub base_delay: Duration,
    /// No retry starts after this much time since the first attempt.
    pub max_total: Duration,
    /// The longest rate-limit wait that is waited out.
    pub max_api_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_total: Duration::from_secs(30),
            max_api_wait: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The back-off before retry number `retry` (1-based), with jitter.
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = source::RetryPolicy::default();
    /// let d = p.backoff(2);
    /// assert!(d >= Duration::from_millis(500) && d <= Duration::from_secs(1));
    /// ```
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1).min(16));
        let full = self.base_delay.saturating_mul(factor).min(self.max_total);
        full.mul_f64(0.5 + fastrand::f64() * 0.5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_total: Duration::from_secs(1),
            max_api_wait: Duration::from_secs(60),
        };
        for _ in 0..100 {
            for (retry, full) in [
                (1, 100),
                (2, 200),
                (3, 400),
                (4, 800),
                (5, 1000),
                (30, 1000),
            ] {
                let d = p.backoff(retry);
                let full = Duration::from_millis(full);
                assert!(d >= full / 2 && d <= full, "retry {retry}: {d:?}");
            }
        }
    }
}
