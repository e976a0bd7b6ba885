//! What the engine asks of the process running it: the clock and the
//! environment. The engine's modules read neither; each face hands them in
//! from its [`Host`] (taplo's `Environment` and biome's `FileSystem` play the
//! same part), so a test can pin them and `SOURCE_DATE_EPOCH` is honoured
//! everywhere a date or time is shown or compared.
//!
//! Files are still read directly by the batch pipeline and the project index
//! (see docs/architecture.md, "Invariants").

/// The clock and the environment.
pub trait Host: Send + Sync {
    /// Now (reproducible builds pin it).
    fn now(&self) -> jiff::Timestamp;

    /// An environment variable, `None` when unset or not Unicode.
    fn env(&self, name: &str) -> Option<String>;

    /// Today's date in **UTC**: the one "today" for exception expiry, lock
    /// records and reports, so a CI runner and a laptop in another time zone
    /// agree on the same instant.
    fn today(&self) -> jiff::civil::Date {
        self.now().to_zoned(jiff::tz::TimeZone::UTC).date()
    }
}

/// The running process: the system clock, or `SOURCE_DATE_EPOCH` when set.
#[derive(Debug, Clone, Copy, Default)]
pub struct System;

impl Host for System {
    fn now(&self) -> jiff::Timestamp {
        self.env("SOURCE_DATE_EPOCH")
            .and_then(|s| s.trim().parse::<i64>().ok())
            .and_then(|secs| jiff::Timestamp::from_second(secs).ok())
            .unwrap_or_else(jiff::Timestamp::now)
    }

    fn env(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// A host with a fixed clock and environment, for tests.
#[derive(Debug, Clone, Default)]
pub struct Fixed {
    pub now: jiff::Timestamp,
    pub env: Vec<(String, String)>,
}

impl Host for Fixed {
    fn now(&self) -> jiff::Timestamp {
        self.now
    }

    fn env(&self, name: &str) -> Option<String> {
        self.env
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_the_utc_date_of_now() {
        let host = Fixed {
            now: jiff::Timestamp::from_second(1_767_225_599).expect("time"),
            env: Vec::new(),
        };
        // 2025-12-31T23:59:59Z: still the 31st in UTC, whatever the local zone.
        assert_eq!(host.today(), jiff::civil::date(2025, 12, 31));
    }
}
