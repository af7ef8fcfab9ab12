//! `strftime_now(format)`, the date function Hugging Face exposes to templates.
//!
//! Llama 3.2/3.3 templates call `strftime_now("%d %b %Y")` to put today's date
//! into the system header. Hugging Face implements it as
//! `datetime.now().strftime(format)`, i.e. local time; so do we.

use chrono::format::StrftimeItems;
use chrono::{DateTime, Local, TimeZone};
use minijinja::{Error, ErrorKind};
use std::fmt::{Display, Write as _};

/// A format string longer than this is refused: real templates pass a few
/// characters, and every code can expand to dozens of bytes of output.
const MAX_FORMAT_LEN: usize = 256;

/// The `strftime_now` global function.
pub(super) fn strftime_now(format: &str) -> Result<String, Error> {
    format_time(&Local::now(), format)
}

/// Formats `time` with strftime codes (`%d`, `%b`, `%Y`, `%B`, `%A`, `%H:%M`,
/// `%-d`, ...). Split from [`strftime_now`] so tests can pin the clock.
pub(super) fn format_time<Tz>(time: &DateTime<Tz>, format: &str) -> Result<String, Error>
where
    Tz: TimeZone,
    Tz::Offset: Display,
{
    if format.len() > MAX_FORMAT_LEN {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("strftime_now: format longer than {MAX_FORMAT_LEN} bytes"),
        ));
    }
    // Parse first: chrono's formatter reports an unknown code only as a bare
    // fmt::Error while writing, which would lose which format was wrong.
    let items = StrftimeItems::new(format)
        .parse()
        .map_err(|_| Error::new(ErrorKind::InvalidOperation, format!("strftime_now: invalid format {format:?}")))?;
    let mut out = String::new();
    write!(out, "{}", time.format_with_items(items.iter())).map_err(|_| {
        Error::new(ErrorKind::InvalidOperation, format!("strftime_now: cannot format the date with {format:?}"))
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::format_time;
    use chrono::{TimeZone, Utc};

    #[test]
    fn formats_codes_used_by_templates() -> Result<(), Box<dyn std::error::Error>> {
        let t = Utc.with_ymd_and_hms(2024, 7, 6, 9, 5, 3).single().ok_or("bad date")?;
        assert_eq!(format_time(&t, "%d %b %Y")?, "06 Jul 2024");
        assert_eq!(format_time(&t, "%B %-d, %Y")?, "July 6, 2024");
        assert_eq!(format_time(&t, "%A %Y-%m-%d %H:%M:%S")?, "Saturday 2024-07-06 09:05:03");
        assert_eq!(format_time(&t, "100%%")?, "100%");
        Ok(())
    }

    #[test]
    fn rejects_bad_formats() -> Result<(), Box<dyn std::error::Error>> {
        let t = Utc.with_ymd_and_hms(2024, 7, 6, 0, 0, 0).single().ok_or("bad date")?;
        assert!(format_time(&t, "%Q").is_err());
        assert!(format_time(&t, &"%Y".repeat(200)).is_err());
        Ok(())
    }
}
