//! Time as the domain sees it: a clock that tests can set, and Unix timestamps in seconds.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

/// Seconds since the Unix epoch, as Stripe counts them.
pub type Timestamp = i64;

/// Where "now" comes from. Production uses the system clock; tests use a manual one so expiry
/// (sessions, OAuth state, client secrets, webhook tolerance) can be exercised without sleeping.
#[derive(Clone)]
pub struct Clock(Arc<ClockSource>);

enum ClockSource {
    System,
    Manual(AtomicI64),
}

impl Clock {
    pub fn system() -> Self {
        Self(Arc::new(ClockSource::System))
    }

    /// A clock frozen at `start` until [`Clock::advance`] moves it.
    pub fn manual(start: Timestamp) -> Self {
        Self(Arc::new(ClockSource::Manual(AtomicI64::new(start))))
    }

    pub fn now(&self) -> Timestamp {
        match &*self.0 {
            ClockSource::System => time::OffsetDateTime::now_utc().unix_timestamp(),
            ClockSource::Manual(now) => now.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual clock forward. A system clock cannot be moved; the call is ignored.
    pub fn advance(&self, seconds: i64) {
        if let ClockSource::Manual(now) = &*self.0 {
            now.fetch_add(seconds, Ordering::SeqCst);
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.0 {
            ClockSource::System => f.write_str("Clock::System"),
            ClockSource::Manual(now) => write!(f, "Clock::Manual({})", now.load(Ordering::SeqCst)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let clock = Clock::manual(1_700_000_000);
        assert_eq!(clock.now(), 1_700_000_000);
        clock.advance(301);
        assert_eq!(clock.now(), 1_700_000_301);
    }
}
