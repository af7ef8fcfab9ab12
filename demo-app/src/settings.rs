//! The settings panel and what it means for a generation call.

use crate::store::StoredMessage;
use hearth::chat::ChatMessage;
use hearth::engine::GenerateOptions;
use hearth::sampling::SamplingOptions;
use serde::{Deserialize, Serialize};

/// What the user can set in the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Sent first in chat mode; not used in completion mode (see [`build_prompt`]).
    pub system_prompt: String,
    /// 0 is greedy.
    pub temperature: f32,
    /// Nucleus sampling; 1.0 is off.
    pub top_p: f32,
    /// Most tokens per answer.
    pub max_tokens: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { system_prompt: String::new(), temperature: 0.7, top_p: 0.95, max_tokens: 256 }
    }
}

/// A setting out of its range; the message names the field as the UI does.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingsError {
    #[error("temperature must be between 0 and {max} (got {got})")]
    Temperature { got: f32, max: f32 },
    #[error("top-p must be above 0 and at most 1 (got {got})")]
    TopP { got: f32 },
    #[error("max tokens must be between 1 and {max} (got {got})")]
    MaxTokens { got: usize, max: usize },
}

/// Temperatures above this only produce noise from small models.
pub const MAX_TEMPERATURE: f32 = 2.0;
/// Upper bound of the max-tokens field, whatever the model's context.
pub const MAX_TOKENS_LIMIT: usize = 8192;

impl Settings {
    /// Check every field (NaN fails each range check).
    pub fn validate(&self) -> Result<(), SettingsError> {
        if !(0.0..=MAX_TEMPERATURE).contains(&self.temperature) {
            return Err(SettingsError::Temperature { got: self.temperature, max: MAX_TEMPERATURE });
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return Err(SettingsError::TopP { got: self.top_p });
        }
        if !(1..=MAX_TOKENS_LIMIT).contains(&self.max_tokens) {
            return Err(SettingsError::MaxTokens { got: self.max_tokens, max: MAX_TOKENS_LIMIT });
        }
        Ok(())
    }

    /// Options of one answer. The other sampling knobs keep the SDK's
    /// (llama.cpp's) defaults; `seed` varies per answer so that asking again
    /// at a temperature above 0 gives a different answer.
    pub fn generate_options(&self, seed: u64) -> Result<GenerateOptions, SettingsError> {
        self.validate()?;
        let sampling = SamplingOptions { temperature: self.temperature, top_p: self.top_p, seed, ..Default::default() };
        Ok(GenerateOptions { max_tokens: self.max_tokens, sampling, ..Default::default() })
    }
}

/// What is sent to the model for the next answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Prompt {
    /// Rendered with the model's chat template: system prompt, history, new message.
    Chat(Vec<ChatMessage>),
    /// A base model continues the latest text alone: earlier turns and the
    /// system prompt would only be more text for it to continue.
    Completion(String),
}

/// The prompt for `new_message` after `history`, for a model with or without a chat template.
pub fn build_prompt(settings: &Settings, history: &[StoredMessage], new_message: &str, has_template: bool) -> Prompt {
    if !has_template {
        return Prompt::Completion(new_message.to_owned());
    }
    let mut messages = Vec::with_capacity(history.len() + 2);
    if !settings.system_prompt.trim().is_empty() {
        messages.push(ChatMessage::system(settings.system_prompt.trim()));
    }
    // Empty answers (stopped before the first token) would render as empty turns.
    let past = history.iter().filter(|m| !(m.role == "assistant" && m.content.is_empty()));
    messages.extend(past.map(|m| ChatMessage::new(m.role.clone(), m.content.clone())));
    messages.push(ChatMessage::user(new_message));
    Prompt::Chat(messages)
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
