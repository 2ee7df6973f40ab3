//! A rate limiter that spaces calls evenly: at most `per_second` starts, no bursts.

use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

use crate::config::MAX_RATE_PER_SECOND as MAX_RATE;

/// Hands out start times one interval apart.
pub struct RateLimiter {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// A limiter for `per_second` calls (clamped to 0.01..=500).
    pub fn new(per_second: f64) -> RateLimiter {
        let rate = per_second.clamp(0.01, MAX_RATE);
        RateLimiter {
            interval: Duration::from_secs_f64(1.0 / rate),
            next: Mutex::new(None),
        }
    }

    /// Waits for the next free slot.
    pub async fn acquire(&self) {
        let slot = {
            let mut next = self
                .next
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn slots_are_one_interval_apart() {
        let limiter = RateLimiter::new(100.0);
        let start = Instant::now();
        for _ in 0..50 {
            limiter.acquire().await;
        }
        // 50 slots at 100/s: the first is now, the last 49 intervals later (virtual time).
        assert_eq!(start.elapsed(), Duration::from_millis(490));
    }

    #[test]
    fn the_rate_is_clamped_to_ajos_ceiling() {
        assert_eq!(
            RateLimiter::new(10_000.0).interval,
            Duration::from_millis(2)
        );
    }
}
