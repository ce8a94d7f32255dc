//! The request budget every sync shares: a token bucket that keeps Comptoir under Stripe's rate
//! limits (25 requests a second per endpoint in test mode, 100 operations a second live) however
//! many accounts sync at once, and slows down for a while after Stripe answers 429.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

/// How long the rate stays lowered after a 429.
const SLOWDOWN: Duration = Duration::from_secs(10);

/// A token bucket of `rate` requests a second with a burst of one second's worth.
#[derive(Debug)]
pub struct RequestBudget {
    rate: f64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    tokens: f64,
    refilled: Instant,
    slow_until: Option<Instant>,
    used: u64,
}

impl RequestBudget {
    /// `requests_per_second` is clamped to at least 0.1.
    pub fn new(requests_per_second: f64) -> Self {
        let rate = requests_per_second.max(0.1);
        Self {
            rate,
            state: Mutex::new(State {
                tokens: rate.min(rate.max(1.0)),
                refilled: Instant::now(),
                slow_until: None,
                used: 0,
            }),
        }
    }

    /// The configured rate, in requests a second.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// How many requests were let through so far.
    pub fn used(&self) -> u64 {
        self.lock().used
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until a request may be sent, and counts it.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut state = self.lock();
                let now = Instant::now();
                let rate = match state.slow_until {
                    Some(until) if until > now => self.rate / 4.0,
                    _ => self.rate,
                };
                let elapsed = now.duration_since(state.refilled).as_secs_f64();
                state.tokens = (state.tokens + elapsed * rate).min(rate.max(1.0));
                state.refilled = now;
                if state.tokens >= 1.0 {
                    state.tokens -= 1.0;
                    state.used += 1;
                    None
                } else {
                    Some(Duration::from_secs_f64((1.0 - state.tokens) / rate))
                }
            };
            match wait {
                None => return,
                Some(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// Stripe said 429: send a quarter of the rate for a while.
    pub fn slow_down(&self) {
        let mut state = self.lock();
        state.slow_until = Some(Instant::now() + SLOWDOWN);
        state.tokens = state.tokens.min(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_rate_is_kept_over_a_second() {
        let budget = RequestBudget::new(20.0);
        let start = Instant::now();
        for _ in 0..40 {
            budget.acquire().await;
        }
        let elapsed = start.elapsed();
        // 20 from the burst, 20 more at 20/s.
        assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(2000), "{elapsed:?}");
        assert_eq!(budget.used(), 40);
    }

    #[tokio::test]
    async fn a_429_slows_the_budget_down() {
        let budget = RequestBudget::new(40.0);
        budget.slow_down();
        let start = Instant::now();
        for _ in 0..5 {
            budget.acquire().await;
        }
        // A quarter of 40/s is 10/s: five requests take about half a second.
        assert!(
            start.elapsed() >= Duration::from_millis(400),
            "{:?}",
            start.elapsed()
        );
    }
}
