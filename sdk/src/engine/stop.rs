//! Stop strings matched across token boundaries.
//!
//! Text is released only when it can no longer be the start of a stop string,
//! so the stop text itself is never emitted even when it arrives split over
//! several tokens.

/// Incremental stop-string matcher over streamed text.
#[derive(Debug, Default)]
pub struct StopMatcher {
    stops: Vec<String>,
    pending: String,
}

/// What pushing text produced.
#[derive(Debug, PartialEq, Eq)]
pub enum StopEvent {
    /// Text safe to emit (possibly empty).
    Emit(String),
    /// A stop string matched; emit this text before it, then stop.
    Stopped(String),
}

impl StopMatcher {
    /// A matcher for `stops` (empty strings are ignored).
    pub fn new(stops: &[String]) -> Self {
        StopMatcher { stops: stops.iter().filter(|s| !s.is_empty()).cloned().collect(), pending: String::new() }
    }

    /// Add decoded text.
    pub fn push(&mut self, text: &str) -> StopEvent {
        self.pending.push_str(text);
        let first = self.stops.iter().filter_map(|s| self.pending.find(s.as_str())).min();
        if let Some(at) = first {
            let before = self.pending[..at].to_string();
            self.pending.clear();
            return StopEvent::Stopped(before);
        }
        // Hold back the longest tail that is a proper prefix of some stop string.
        let hold = self
            .stops
            .iter()
            .flat_map(|s| (1..s.len()).filter(|&n| s.is_char_boundary(n)).map(move |n| &s[..n]))
            .filter(|p| self.pending.ends_with(p))
            .map(str::len)
            .max()
            .unwrap_or(0);
        let cut = self.pending.len() - hold;
        let out = self.pending[..cut].to_string();
        self.pending.drain(..cut);
        StopEvent::Emit(out)
    }

    /// Text still held back (released when generation ends without a stop).
    pub fn finish(&mut self) -> String {
        std::mem::take(&mut self.pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stops: &[&str], pieces: &[&str]) -> (String, bool) {
        let stops: Vec<String> = stops.iter().map(|s| s.to_string()).collect();
        let mut m = StopMatcher::new(&stops);
        let mut out = String::new();
        for p in pieces {
            match m.push(p) {
                StopEvent::Emit(t) => out.push_str(&t),
                StopEvent::Stopped(t) => {
                    out.push_str(&t);
                    return (out, true);
                }
            }
        }
        out.push_str(&m.finish());
        (out, false)
    }

    #[test]
    fn stop_spanning_tokens_is_not_emitted() {
        assert_eq!(run(&["\nUser:"], &["Hello", " there", "\nUs", "er", ": hi"]), ("Hello there".into(), true));
        assert_eq!(run(&["END"], &["abcE", "N", "D tail"]), ("abc".into(), true));
    }

    #[test]
    fn partial_match_is_released_when_it_fails() {
        assert_eq!(run(&["END"], &["abcE", "Nx"]), ("abcENx".into(), false));
        assert_eq!(run(&["END"], &["EN"]), ("EN".into(), false));
    }

    #[test]
    fn earliest_of_several_stops_wins_and_multibyte_is_safe() {
        assert_eq!(run(&["xyz", "b"], &["a", "bxyz"]), ("a".into(), true));
        assert_eq!(run(&["é!"], &["caf", "é", "!"]), ("caf".into(), true));
        assert_eq!(run(&[], &["plain"]), ("plain".into(), false));
    }
}
