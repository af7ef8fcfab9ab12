//! `Engine` and `Session` objects, the listener interfaces, and the async variants.

use crate::error::{guard, HearthError};
use crate::types::{ChatMessage, Completion, EngineInfo, EngineOptions, GenerateOptions, LoadProgress};
use hearth::engine as sdk;
use std::sync::{Arc, Mutex, MutexGuard};

/// Receives generated text as it is produced; return false to stop generation
/// (the completion then ends with `FinishReason.Cancelled`).
#[uniffi::export(with_foreign)]
pub trait TokenListener: Send + Sync {
    fn on_token(&self, text: String) -> bool;
}

/// Receives load progress (stage and fraction) while a model loads.
#[uniffi::export(with_foreign)]
pub trait LoadListener: Send + Sync {
    fn on_progress(&self, progress: LoadProgress);
}

/// A loaded model; share it between threads and open any number of sessions on it.
#[derive(Debug, uniffi::Object)]
pub struct Engine(sdk::Engine);

#[uniffi::export]
impl Engine {
    /// Load a `.gguf` file or a Hugging Face folder.
    #[uniffi::constructor(default(progress = None))]
    pub fn load(
        path: String,
        options: EngineOptions,
        progress: Option<Arc<dyn LoadListener>>,
    ) -> Result<Arc<Self>, HearthError> {
        guard(|| {
            let mut report = |p: sdk::LoadProgress| {
                if let Some(l) = &progress {
                    l.on_progress(LoadProgress { stage: p.stage.to_owned(), fraction: p.fraction });
                }
            };
            Ok(Arc::new(Engine(sdk::Engine::load(path, &options.into(), &mut report)?)))
        })
    }

    /// `load` on a background thread, for coroutines / Swift concurrency / asyncio.
    #[uniffi::constructor(default(progress = None))]
    pub async fn load_async(
        path: String,
        options: EngineOptions,
        progress: Option<Arc<dyn LoadListener>>,
    ) -> Result<Arc<Self>, HearthError> {
        off_thread(None, move || Engine::load(path, options, progress)).await
    }

    /// A new session with an empty KV cache.
    pub fn new_session(&self) -> Result<Arc<Session>, HearthError> {
        guard(|| {
            let inner = self.0.new_session()?;
            let cancel = inner.cancel_handle();
            Ok(Arc::new(Session { inner: Mutex::new(inner), cancel }))
        })
    }

    /// Architecture, parameter count, adapter, context length, …
    pub fn info(&self) -> EngineInfo {
        self.0.info().into()
    }
}

/// A conversation with its own KV cache. Calls on one session run one at a time;
/// `cancel()` may be called from any thread while one runs.
#[derive(Debug, uniffi::Object)]
pub struct Session {
    inner: Mutex<sdk::Session>,
    cancel: sdk::CancelHandle,
}

#[uniffi::export]
impl Session {
    /// Continue `prompt`, streaming text to `listener`.
    #[uniffi::method(default(listener = None))]
    pub fn generate(
        &self,
        prompt: String,
        options: GenerateOptions,
        listener: Option<Arc<dyn TokenListener>>,
    ) -> Result<Completion, HearthError> {
        guard(|| {
            let mut on_token = forward(listener);
            Ok(self.lock().generate(&prompt, &options.into(), &mut on_token)?.into())
        })
    }

    /// Answer the last message of a conversation (the model's chat template, or
    /// completion mode for models without one).
    #[uniffi::method(default(listener = None))]
    pub fn chat(
        &self,
        messages: Vec<ChatMessage>,
        options: GenerateOptions,
        listener: Option<Arc<dyn TokenListener>>,
    ) -> Result<Completion, HearthError> {
        guard(|| {
            let messages: Vec<hearth::chat::ChatMessage> = messages.into_iter().map(Into::into).collect();
            let mut on_token = forward(listener);
            Ok(self.lock().chat(&messages, &options.into(), &mut on_token)?.into())
        })
    }

    /// `generate` on a background thread; cancelling the awaiting coroutine/task cancels generation.
    #[uniffi::method(default(listener = None))]
    pub async fn generate_async(
        self: Arc<Self>,
        prompt: String,
        options: GenerateOptions,
        listener: Option<Arc<dyn TokenListener>>,
    ) -> Result<Completion, HearthError> {
        let cancel = self.cancel.clone();
        off_thread(Some(cancel), move || self.generate(prompt, options, listener)).await
    }

    /// `chat` on a background thread; cancelling the awaiting coroutine/task cancels generation.
    #[uniffi::method(default(listener = None))]
    pub async fn chat_async(
        self: Arc<Self>,
        messages: Vec<ChatMessage>,
        options: GenerateOptions,
        listener: Option<Arc<dyn TokenListener>>,
    ) -> Result<Completion, HearthError> {
        let cancel = self.cancel.clone();
        off_thread(Some(cancel), move || self.chat(messages, options, listener)).await
    }

    /// Stop the generate/chat running on another thread (within one decode step).
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Forget the conversation.
    pub fn reset(&self) {
        self.lock().reset();
    }

    /// Save the KV cache and its tokens to a file.
    pub fn save_state(&self, path: String) -> Result<(), HearthError> {
        guard(|| Ok(self.lock().save_state(path)?))
    }

    /// Restore a state saved by `save_state` for the same model.
    pub fn restore_state(&self, path: String) -> Result<(), HearthError> {
        guard(|| Ok(self.lock().restore_state(path)?))
    }

    /// How many tokens the KV cache holds.
    pub fn cached_token_count(&self) -> u64 {
        self.lock().cached_tokens().len() as u64
    }
}

impl Session {
    /// The SDK session. A poisoned lock means a call panicked midway (the caller got
    /// `HearthError::Panic`): the cache is then forgotten rather than trusted.
    fn lock(&self) -> MutexGuard<'_, sdk::Session> {
        self.inner.lock().unwrap_or_else(|poisoned| {
            let mut session = poisoned.into_inner();
            session.reset();
            self.inner.clear_poison();
            session
        })
    }
}

/// The SDK's token callback, forwarding to the foreign listener (none: keep going).
fn forward(listener: Option<Arc<dyn TokenListener>>) -> impl FnMut(&str) -> bool {
    move |text| listener.as_ref().is_none_or(|l| l.on_token(text.to_owned()))
}

/// Runs a blocking call on its own thread and awaits its result. The SDK has no async
/// runtime (and needs none): the foreign side's executor polls this future, and the
/// thread completes it. If the awaiting task is dropped (a cancelled coroutine or
/// Swift task), `cancel` stops the generation it was waiting for.
async fn off_thread<T: Send + 'static>(
    cancel: Option<sdk::CancelHandle>,
    call: impl FnOnce() -> Result<T, HearthError> + Send + 'static,
) -> Result<T, HearthError> {
    let (tx, rx) = futures_channel::oneshot::channel();
    std::thread::Builder::new()
        .name("hearth-call".into())
        .spawn(move || {
            // The receiver is gone only if the awaiting task was dropped: nobody to tell.
            let _ = tx.send(guard(call));
        })
        .map_err(|e| HearthError::Other { message: format!("cannot start a thread: {e}") })?;
    let mut on_drop = CancelOnDrop(cancel);
    let result = rx.await;
    on_drop.0 = None;
    result.unwrap_or_else(|_| Err(HearthError::Panic { message: "the call's thread ended without a result".into() }))
}

/// Cancels a generation when the future awaiting it is dropped before it finished.
struct CancelOnDrop(Option<sdk::CancelHandle>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(c) = &self.0 {
            c.cancel();
        }
    }
}
