//! Data types of the basisschema as Rust types that can only hold what the XSD allows.
//!
//! Lexical checks (is this a calendar date, nine digits …) live here as constructors; the
//! standard's *rules* about values (elfproef, begin before end …) are not checked here but in
//! the rule layer, where they are reported with their official codes.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// XML Schema's whitespace for the `collapse` facet of non-string types.
pub fn trim_xsd(s: &str) -> &str {
    // Byte-wise: the four characters are ASCII, and this runs for every value read.
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let bytes = s.as_bytes();
    let start = bytes
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |e| e + 1);
    s.get(start..end).unwrap_or("")
}

/// Whether a text holds nothing but XSD white space.
pub fn is_blank(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// A calendar date without time zone (`LDT_Datum`, an `xs:date`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Datum(time::Date);

impl Datum {
    /// Parses `JJJJ-MM-DD`; the date must exist in the calendar.
    pub fn parse(s: &str) -> Option<Datum> {
        // Fixed positions: this runs for every date read, and `time` checks the calendar.
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            b[r].iter().try_fold(0u32, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
        let d = time::Date::from_calendar_date(year as i32, month, u8::try_from(day).ok()?).ok()?;
        (year >= 1).then_some(Datum(d))
    }

    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<Datum> {
        let month = time::Month::try_from(month).ok()?;
        time::Date::from_calendar_date(year, month, day)
            .ok()
            .filter(|d| (1..=9999).contains(&d.year()))
            .map(Datum)
    }

    /// Today's Dutch calendar date by the system clock (see [`Datum::dutch_day`]).
    pub fn today() -> Datum {
        Datum::dutch_day(time::OffsetDateTime::now_utc())
    }

    /// The calendar date in the Netherlands (Europe/Amsterdam) at `instant`: UTC+2 from the
    /// last Sunday of March 01:00 UTC until the last Sunday of October 01:00 UTC, UTC+1
    /// otherwise. Hand-written rather than a time zone database: the EU summer-time rule is
    /// fixed by directive 2000/84/EC, and a tz crate would add data and a dependency for one zone.
    pub fn dutch_day(instant: time::OffsetDateTime) -> Datum {
        Datum(Datum::dutch_time(instant).date())
    }

    /// The wall-clock time in the Netherlands at `instant` (the rule of [`Datum::dutch_day`]).
    pub fn dutch_time(instant: time::OffsetDateTime) -> time::PrimitiveDateTime {
        let utc = instant.to_offset(time::UtcOffset::UTC);
        let year = utc.year();
        // 01:00 UTC on the last Sunday of the month (31 March and 31 October always exist).
        let switch = |month: time::Month| {
            let last = time::Date::from_calendar_date(year, month, 31).ok()?;
            let back = i64::from(last.weekday().number_days_from_sunday());
            let sunday = last.checked_sub(time::Duration::days(back))?;
            Some(sunday.with_hms(1, 0, 0).ok()?.assume_utc())
        };
        let summer = match (switch(time::Month::March), switch(time::Month::October)) {
            (Some(start), Some(end)) => utc >= start && utc < end,
            _ => false,
        };
        let hours = if summer { 2 } else { 1 };
        let local = utc + time::Duration::hours(hours);
        time::PrimitiveDateTime::new(local.date(), local.time())
    }

    pub fn date(&self) -> time::Date {
        self.0
    }

    /// The date as a day number (the Julian day): four bytes for compact indexes.
    pub fn to_days(self) -> i32 {
        self.0.to_julian_day()
    }

    /// The date of a day number from [`Datum::to_days`]; `None` outside years 1–9999.
    pub fn from_days(days: i32) -> Option<Datum> {
        time::Date::from_julian_day(days)
            .ok()
            .filter(|d| (1..=9999).contains(&d.year()))
            .map(Datum)
    }
}

impl Datum {
    /// `JJJJ-MM-DD` without the formatting machinery: every date written goes through here.
    pub fn to_bytes(&self) -> [u8; 10] {
        let d = self.0;
        // Years are 1..=9999 by construction of the messages' dates; clamp for the odd clock.
        let y = d.year().clamp(0, 9999) as u32;
        let (m, day) = (d.month() as u32, u32::from(d.day()));
        let digit = |n: u32| b'0' + (n % 10) as u8;
        [
            digit(y / 1000),
            digit(y / 100),
            digit(y / 10),
            digit(y),
            b'-',
            digit(m / 10),
            digit(m),
            b'-',
            digit(day / 10),
            digit(day),
        ]
    }
}

impl fmt::Display for Datum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.to_bytes();
        // Only ASCII digits and dashes.
        f.write_str(std::str::from_utf8(&b).unwrap_or("0000-00-00"))
    }
}

impl fmt::Debug for Datum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Datum({self})")
    }
}

/// A time of day without time zone (`LDT_Tijd`, an `xs:time`), fraction of seconds kept.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tijd(time::Time);

impl Tijd {
    /// Parses `uu:mm:ss` with an optional fraction of seconds.
    pub fn parse(s: &str) -> Option<Tijd> {
        let b = s.as_bytes();
        if b.len() < 8 || b[2] != b':' || b[5] != b':' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u8> {
            let part = &s[r];
            part.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| part.parse().ok())
                .flatten()
        };
        let (h, m, sec) = (num(0..2)?, num(3..5)?, num(6..8)?);
        let mut nanos = 0u32;
        if b.len() > 8 {
            let frac = s.get(9..)?;
            if b[8] != b'.' || frac.is_empty() || !frac.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            // Digits past nanoseconds carry no value we keep; they are not an error.
            for (i, c) in frac.bytes().take(9).enumerate() {
                nanos += u32::from(c - b'0') * 10u32.pow(8 - i as u32);
            }
        }
        time::Time::from_hms_nano(h, m, sec, nanos).ok().map(Tijd)
    }

    pub fn time(&self) -> time::Time {
        self.0
    }
}

impl fmt::Display for Tijd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(f, "{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())?;
        if t.nanosecond() != 0 {
            let frac = format!("{:09}", t.nanosecond());
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Tijd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tijd({self})")
    }
}

macro_rules! string_serde {
    ($t:ty, $what:literal) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<str>::deserialize(d)?;
                <$t>::parse(&s)
                    .ok_or_else(|| serde::de::Error::custom(concat!("not a valid ", $what)))
            }
        }
    };
}

macro_rules! display_serde {
    ($t:ty, $what:literal) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<str>::deserialize(d)?;
                <$t>::parse(&s)
                    .ok_or_else(|| serde::de::Error::custom(concat!("not a valid ", $what)))
            }
        }
    };
}

display_serde!(Datum, "date");
display_serde!(Tijd, "time");

/// A fixed number of ASCII digits.
fn digits<const N: usize>(s: &str) -> Option<[u8; N]> {
    let b = s.as_bytes();
    (b.len() == N && b.iter().all(u8::is_ascii_digit)).then(|| {
        let mut out = [0u8; N];
        out.copy_from_slice(b);
        out
    })
}

/// A burgerservicenummer: nine digits. Whether it passes the elfproef is a rule (with its own
/// code), not a property of the type. Its `Debug` never shows the number.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bsn([u8; 9]);

impl Bsn {
    pub fn parse(s: &str) -> Option<Bsn> {
        digits::<9>(s).map(Bsn)
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    pub fn digits(&self) -> [u8; 9] {
        self.0.map(|c| c - b'0')
    }
}

impl fmt::Debug for Bsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bsn(*********)")
    }
}

/// An AGB-code: eight digits identifying a care provider.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AgbCode([u8; 8]);

impl AgbCode {
    pub fn parse(s: &str) -> Option<AgbCode> {
        digits::<8>(s).map(AgbCode)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for AgbCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AgbCode({})", self.as_str())
    }
}

/// A CBS gemeentecode: four digits identifying a municipality.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gemeentecode([u8; 4]);

impl Gemeentecode {
    pub fn parse(s: &str) -> Option<Gemeentecode> {
        digits::<4>(s).map(Gemeentecode)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for Gemeentecode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gemeentecode({})", self.as_str())
    }
}

string_serde!(Bsn, "burgerservicenummer");
string_serde!(AgbCode, "AGB-code");
string_serde!(Gemeentecode, "gemeentecode");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datum_is_a_real_calendar_date() {
        assert_eq!(
            Datum::parse("2024-02-29").map(|d| d.to_string()),
            Some("2024-02-29".into())
        );
        assert!(Datum::parse("2023-02-29").is_none(), "not a leap year");
        assert!(Datum::parse("1900-02-29").is_none(), "century rule");
        assert!(Datum::parse("2000-02-29").is_some(), "400-year rule");
        assert!(Datum::parse("2026-04-31").is_none());
        assert!(Datum::parse("2026-13-01").is_none());
        assert!(Datum::parse("2026-00-10").is_none());
        assert!(
            Datum::parse("0000-01-01").is_none(),
            "no year zero in xs:date"
        );
        assert!(Datum::parse("2026-1-01").is_none());
        assert!(Datum::parse("+026-01-01").is_none());
        assert!(Datum::parse("26-01-2026").is_none());
        assert!(Datum::parse("2026-01-01Z").is_none());
        assert!(Datum::parse("").is_none());
        assert!(Datum::parse("2026-01-01") < Datum::parse("2026-01-02"));
    }

    fn dutch(utc: time::PrimitiveDateTime) -> String {
        Datum::dutch_day(utc.assume_utc()).to_string()
    }

    #[test]
    fn dutch_day_at_half_past_midnight() {
        use time::macros::datetime;
        // Winter: 00:30 in the Netherlands is 23:30 UTC the day before.
        assert_eq!(dutch(datetime!(2026-01-14 23:30)), "2026-01-15");
        assert_eq!(dutch(datetime!(2026-01-14 22:59)), "2026-01-14");
        // Summer: 00:30 in the Netherlands is 22:30 UTC the day before.
        assert_eq!(dutch(datetime!(2026-07-14 22:30)), "2026-07-15");
        assert_eq!(dutch(datetime!(2026-07-14 21:59)), "2026-07-14");
        // New Year's Eve in UTC is already the new year in the Netherlands.
        assert_eq!(dutch(datetime!(2025-12-31 23:00)), "2026-01-01");
        // An instant given with another offset is the same instant.
        let amsterdam = time::macros::datetime!(2026-07-15 00:30 +2);
        assert_eq!(Datum::dutch_day(amsterdam).to_string(), "2026-07-15");
    }

    #[test]
    fn dutch_day_at_the_summer_time_switches() {
        use time::macros::datetime;
        // 2026: summer time from Sunday 29 March 01:00 UTC to Sunday 25 October 01:00 UTC.
        // Just before the switch it is 29 March 01:59 (+1); at 22:00 UTC the same day it is
        // 30 March 00:00 (+2), while with +1 it would still be the 29th.
        assert_eq!(dutch(datetime!(2026-03-29 00:59)), "2026-03-29");
        assert_eq!(dutch(datetime!(2026-03-29 01:00)), "2026-03-29");
        assert_eq!(dutch(datetime!(2026-03-29 22:00)), "2026-03-30");
        assert_eq!(
            dutch(datetime!(2026-03-28 22:30)),
            "2026-03-28",
            "still winter"
        );
        // The day before the autumn switch is summer: 22:30 UTC is 00:30 the next day.
        assert_eq!(dutch(datetime!(2026-10-24 22:30)), "2026-10-25");
        // From 25 October 01:00 UTC it is winter: 22:30 UTC is 23:30 the same day.
        assert_eq!(dutch(datetime!(2026-10-25 00:59)), "2026-10-25");
        assert_eq!(dutch(datetime!(2026-10-25 22:30)), "2026-10-25");
        assert_eq!(dutch(datetime!(2026-10-25 23:00)), "2026-10-26");
        // A year whose 31 March is a Sunday (2024): the switch is on the 31st itself.
        assert_eq!(dutch(datetime!(2024-03-30 22:30)), "2024-03-30");
        assert_eq!(dutch(datetime!(2024-03-31 22:30)), "2024-04-01");
        // And one whose 31 October is a Sunday (2027): summer time until that day.
        assert_eq!(dutch(datetime!(2027-10-30 22:30)), "2027-10-31");
        assert_eq!(dutch(datetime!(2027-10-31 22:30)), "2027-10-31");
    }

    #[test]
    fn tijd_accepts_fractions_and_rejects_impossible_times() {
        assert_eq!(
            Tijd::parse("12:34:56").map(|t| t.to_string()),
            Some("12:34:56".into())
        );
        assert_eq!(
            Tijd::parse("00:00:00.250").map(|t| t.to_string()),
            Some("00:00:00.25".into())
        );
        assert!(Tijd::parse("24:00:01").is_none());
        assert!(Tijd::parse("12:60:00").is_none());
        assert!(Tijd::parse("12:00:60").is_none());
        assert!(Tijd::parse("12:00").is_none());
        assert!(Tijd::parse("12:00:00.").is_none());
        assert!(Tijd::parse("1:00:00").is_none());
        assert!(Tijd::parse("12:00:00+01:00").is_none());
    }

    #[test]
    fn identifiers_are_fixed_digit_strings_and_bsn_is_redacted() {
        let bsn = Bsn::parse("999900006").expect("nine digits");
        assert_eq!(bsn.as_str(), "999900006");
        assert!(!format!("{bsn:?}").contains("9999"));
        assert!(Bsn::parse("99990000").is_none());
        assert!(Bsn::parse("9999000061").is_none());
        assert!(Bsn::parse("99990000a").is_none());
        assert!(AgbCode::parse("42420001").is_some());
        assert!(AgbCode::parse("4242000").is_none());
        assert!(Gemeentecode::parse("0384").is_some());
        assert!(Gemeentecode::parse("384").is_none());
        let json = serde_json::to_string(&bsn).expect("serializes");
        assert_eq!(json, "\"999900006\"");
        assert!(serde_json::from_str::<Bsn>("\"12\"").is_err());
    }
}
