//! Due dates in business days: the promise to makers is an answer within seven of them.

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};

/// Business days a reviewer has to answer a request.
pub const REVIEW_BUSINESS_DAYS: u32 = 7;

/// The moment `days` business days after `from`, at the same time of day: each step forward lands on the
/// next day, and only Mondays to Fridays count. A request sent on a Friday evening or a weekend is due on
/// the seventh working day after it.
pub fn add_business_days(from: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    let mut at = from;
    let mut counted = 0;
    while counted < days {
        at += Duration::days(1);
        if !matches!(at.weekday(), Weekday::Sat | Weekday::Sun) {
            counted += 1;
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).single().expect("a valid date")
    }

    #[test]
    fn a_monday_request_is_due_the_wednesday_of_the_next_week() {
        // 2026-11-23 is a Monday.
        assert_eq!(add_business_days(at(2026, 11, 23, 10), 7), at(2026, 12, 2, 10));
    }

    #[test]
    fn a_friday_request_skips_two_weekends() {
        assert_eq!(add_business_days(at(2026, 11, 27, 17), 7), at(2026, 12, 8, 17));
    }

    #[test]
    fn weekend_requests_count_from_the_monday() {
        let saturday = add_business_days(at(2026, 11, 28, 9), 7);
        let sunday = add_business_days(at(2026, 11, 29, 9), 7);
        assert_eq!(saturday, at(2026, 12, 8, 9));
        assert_eq!(sunday, at(2026, 12, 8, 9));
        assert_eq!(saturday.weekday(), Weekday::Tue);
    }

    #[test]
    fn one_business_day_after_friday_is_monday_and_zero_is_now() {
        assert_eq!(add_business_days(at(2026, 11, 27, 12), 1), at(2026, 11, 30, 12));
        assert_eq!(add_business_days(at(2026, 11, 27, 12), 0), at(2026, 11, 27, 12));
    }

    #[test]
    fn the_review_promise_spans_at_least_nine_calendar_days_across_a_weekend() {
        for day in 23..=29 {
            let from = at(2026, 11, day, 12);
            let due = add_business_days(from, REVIEW_BUSINESS_DAYS);
            assert!((due - from).num_days() >= 9, "{from} → {due}");
            assert!(!matches!(due.weekday(), Weekday::Sat | Weekday::Sun), "due on a weekday");
        }
    }
}
