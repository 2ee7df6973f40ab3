//! When to try again: exponential backoff with jitter, or what `Retry-After` asks.

use std::time::Duration;

/// Retry settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The wait after the first failed attempt, doubled after each one.
    pub base: Duration,
    /// The longest backoff between two attempts.
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; a server asking for more is given up on.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1-based): exactly what `Retry-After`
    /// asks when the server gave it, else base × 2^(attempt-1) scaled by a random 50–100 %.
    /// `None` when the server asks for longer than `max_retry_after`.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        match retry_after {
            Some(asked) if asked <= self.max_retry_after => Some(asked),
            Some(_) => None,
            None => {
                let exponential = self
                    .base
                    .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
                Some(
                    exponential
                        .min(self.max_delay)
                        .mul_f64(0.5 + fastrand::f64() / 2.0),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_honours_retry_after() {
        let policy = RetryPolicy::default();
        for _ in 0..100 {
            let first = policy.delay(1, None).unwrap();
            assert!(
                first >= Duration::from_millis(250) && first <= Duration::from_millis(500),
                "{first:?}"
            );
            let third = policy.delay(3, None).unwrap();
            assert!(
                third >= Duration::from_secs(1) && third <= Duration::from_secs(2),
                "{third:?}"
            );
            assert!(policy.delay(40, None).unwrap() <= policy.max_delay);
        }
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(7))),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(60))),
            Some(Duration::from_secs(60))
        );
        assert_eq!(policy.delay(1, Some(Duration::from_secs(3600))), None);
    }
}
