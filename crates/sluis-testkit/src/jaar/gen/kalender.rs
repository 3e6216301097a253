//! Dates by the calendar month, and the code lists the generator draws its reasons from.

use crate::bericht::Std;
use time::{Date, Duration, Month};

pub(super) fn date(y: i32, m: u8, d: u8) -> Date {
    let month = Month::try_from(m.clamp(1, 12)).unwrap_or(Month::January);
    Date::from_calendar_date(y, month, d.clamp(1, 28)).unwrap_or(Date::MIN)
}

pub(super) fn first_of(d: Date) -> Date {
    d.replace_day(1).unwrap_or(d)
}

pub(super) fn last_of(d: Date) -> Date {
    let next = if d.month() == Month::December {
        Date::from_calendar_date(d.year() + 1, Month::January, 1)
    } else {
        Date::from_calendar_date(d.year(), d.month().next(), 1)
    };
    next.map(|n| n - Duration::days(1)).unwrap_or(d)
}

pub(super) fn next_month(d: Date) -> Date {
    last_of(d) + Duration::days(1)
}

pub(super) fn plus_months(d: Date, n: u32) -> Date {
    let mut x = first_of(d);
    for _ in 0..n {
        x = next_month(x);
    }
    x.replace_day(d.day().min(28)).unwrap_or(x)
}

pub(super) fn fmt(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

pub(super) fn days(a: Date, b: Date) -> i64 {
    (b - a).whole_days() + 1
}

/// RedenBeeindiging "volgens plan".
pub(super) fn plan(std: Std) -> &'static str {
    match std {
        Std::Ijw => "31",
        Std::Iwmo => "19",
    }
}

/// Early ends on the aanbieder's initiative.
pub(super) fn vroeg(std: Std) -> &'static [&'static str] {
    match std {
        Std::Ijw => &["32", "33", "34", "02", "35", "38", "39"],
        Std::Iwmo => &["21", "22", "23", "02", "31", "38", "39"],
    }
}

/// RedenWijziging of the municipality with the RedenBeeindiging of the stop that follows.
pub(super) fn gemeente_redenen(std: Std) -> &'static [(&'static str, &'static str)] {
    match std {
        Std::Ijw => &[
            ("02", "02"),
            ("03", "36"),
            ("05", "36"),
            ("06", "39"),
            ("07", "35"),
            ("08", "36"),
            ("09", "38"),
            ("10", "36"),
            ("11", "36"),
        ],
        Std::Iwmo => &[
            ("02", "02"),
            ("03", "36"),
            ("05", "36"),
            ("06", "39"),
            ("07", "31"),
            ("08", "36"),
            ("09", "38"),
            ("10", "36"),
            ("11", "36"),
        ],
    }
}
