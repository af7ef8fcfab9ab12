//! What the page shows about the model and the last answer.

use crate::store::StoredMessage;
use hearth::engine::EngineInfo;
use serde::Serialize;

/// The model card: name, size, quantization, adapter, and whether it chats.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelView {
    pub name: String,
    pub architecture: String,
    /// e.g. "1.1 MB".
    pub size: String,
    /// e.g. "260K parameters".
    pub parameters: String,
    pub quantization: String,
    pub adapter: String,
    pub context_length: usize,
    /// False for base models: the app then runs in completion mode.
    pub chat_template: bool,
}

impl ModelView {
    pub fn new(i: &EngineInfo) -> Self {
        ModelView {
            name: i.model_name.clone(),
            architecture: i.architecture.clone(),
            size: human_bytes(i.file_size),
            parameters: format!("{} parameters", human_count(i.parameters)),
            quantization: i.quantization.clone(),
            adapter: i.adapter.clone(),
            context_length: i.context_length,
            chat_template: i.chat_template,
        }
    }
}

/// The status line after an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub adapter: String,
    pub tokens: usize,
    pub tokens_per_s: f64,
    pub ttft_ms: f64,
    pub finish_reason: String,
    /// Resident memory of the app process, when the platform tells.
    pub memory_bytes: Option<u64>,
}

impl Stats {
    pub fn after(info: &EngineInfo, answer: &StoredMessage) -> Self {
        let m = answer.meta.clone().unwrap_or_else(|| crate::store::AnswerMeta {
            finish_reason: String::new(),
            tokens: 0,
            tokens_per_s: 0.0,
            ttft_ms: 0.0,
        });
        Stats {
            adapter: info.adapter.clone(),
            tokens: m.tokens,
            tokens_per_s: m.tokens_per_s,
            ttft_ms: m.ttft_ms,
            finish_reason: m.finish_reason,
            memory_bytes: resident_bytes(),
        }
    }
}

/// Physical memory used by this process (weights live on the GPU where there is one).
pub fn resident_bytes() -> Option<u64> {
    memory_stats::memory_stats().map(|m| m.physical_mem as u64)
}

/// 1536 → "1.5 KB" (powers of 1000, as file managers show sizes).
pub fn human_bytes(n: u64) -> String {
    scaled(n, &["B", "KB", "MB", "GB", "TB"], " ")
}

/// 260_000 → "260K", 1_540_000_000 → "1.5B".
pub fn human_count(n: u64) -> String {
    scaled(n, &["", "K", "M", "B", "T"], "")
}

fn scaled(n: u64, units: &[&str], sep: &str) -> String {
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < units.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n}{sep}{}", units[0]).trim_end().to_owned()
    } else if v < 10.0 {
        format!("{v:.1}{sep}{}", units[unit])
    } else {
        format!("{v:.0}{sep}{}", units[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_a_file_manager() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_536), "1.5 KB");
        assert_eq!(human_bytes(1_126_400), "1.1 MB");
        assert_eq!(human_bytes(138_000_000), "138 MB");
        assert_eq!(human_bytes(4_200_000_000), "4.2 GB");
    }

    #[test]
    fn counts_are_short() {
        assert_eq!(human_count(512), "512");
        assert_eq!(human_count(260_000), "260K");
        assert_eq!(human_count(1_540_000_000), "1.5B");
    }

    #[test]
    fn memory_is_reported_on_this_platform() {
        // Linux, macOS and Windows all tell; zero would mean a broken reading.
        assert!(resident_bytes().is_some_and(|b| b > 0));
    }
}
