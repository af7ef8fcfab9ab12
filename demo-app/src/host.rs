//! The loaded model and its one chat session, shared by the app's commands.
//! Knows nothing of Tauri: the tests drive it with the real tiny model.

use crate::settings::Prompt;
use hearth::engine::{
    Backend, CancelHandle, Completion, Engine, EngineInfo, EngineOptions, GenerateOptions, LoadProgress, Session,
};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Model host failures, worded for the status line.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("no model is loaded: pick a .gguf file or a model folder first")]
    NoModel,
    #[error("{path}: {source}")]
    Load { path: PathBuf, source: hearth::Error },
    #[error("{0}")]
    Generate(#[from] hearth::Error),
    #[error("an answer is still being written: stop it first")]
    Busy,
}

struct Loaded {
    engine: Engine,
    session: Session,
}

/// Holds at most one model; loading another replaces it.
#[derive(Default)]
pub struct ModelHost {
    loaded: Mutex<Option<Loaded>>,
    /// Kept outside `loaded` so Stop works while a generation holds that lock.
    cancel: Mutex<Option<CancelHandle>>,
    /// An answer was asked for and has not finished yet.
    pending: AtomicBool,
    /// Stop was pressed during the pending answer. The session's own cancel
    /// flag is cleared when its call starts, so a Stop that lands before that
    /// (during prefill, or before the command got its thread) is kept here.
    stop_requested: AtomicBool,
}

impl std::fmt::Debug for ModelHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelHost").field("info", &self.info()).finish()
    }
}

impl ModelHost {
    /// Load `path` on the GPU; where no GPU adapter works, fall back to the
    /// CPU reference so the app still answers (slowly), and say so in the adapter name.
    pub fn load(
        &self,
        path: &Path,
        backend: Backend,
        progress: &mut dyn FnMut(LoadProgress),
    ) -> Result<EngineInfo, HostError> {
        let opts = EngineOptions { backend, ..Default::default() };
        let engine = match Engine::load(path, &opts, progress) {
            Ok(e) => e,
            Err(hearth::Error::Gpu { .. }) if backend == Backend::Gpu => {
                let cpu = EngineOptions { backend: Backend::Cpu, ..opts };
                Engine::load(path, &cpu, progress).map_err(|source| HostError::Load { path: path.into(), source })?
            }
            Err(source) => return Err(HostError::Load { path: path.into(), source }),
        };
        let session = engine.new_session()?;
        let info = engine.info().clone();
        let mut slot = self.loaded.try_lock().map_err(|_| HostError::Busy)?;
        *lock(&self.cancel) = Some(session.cancel_handle());
        *slot = Some(Loaded { engine, session });
        Ok(info)
    }

    /// What is loaded, if anything (`None` too while an answer is being written:
    /// the UI asks only at start-up, and must never wait on a generation).
    pub fn info(&self) -> Option<EngineInfo> {
        self.loaded.try_lock().ok().and_then(|l| l.as_ref().map(|l| l.engine.info().clone()))
    }

    /// What is loaded, or why nothing can be asked of it right now.
    pub fn ready(&self) -> Result<EngineInfo, HostError> {
        let slot = self.loaded.try_lock().map_err(|_| HostError::Busy)?;
        slot.as_ref().map(|l| l.engine.info().clone()).ok_or(HostError::NoModel)
    }

    /// Mark an answer as coming, so that a Stop pressed from now on counts
    /// for it. Call before [`ModelHost::answer`]; `answer` ends the mark.
    pub fn begin_answer(&self) {
        self.stop_requested.store(false, Ordering::SeqCst);
        self.pending.store(true, Ordering::SeqCst);
    }

    /// Generate an answer, streaming pieces to `on_piece`.
    pub fn answer(
        &self,
        prompt: &Prompt,
        opts: &GenerateOptions,
        on_piece: &mut dyn FnMut(&str) -> bool,
    ) -> Result<Completion, HostError> {
        self.pending.store(true, Ordering::SeqCst);
        let result = self
            .answer_locked(prompt, opts, &mut |piece| !self.stop_requested.load(Ordering::SeqCst) && on_piece(piece));
        self.pending.store(false, Ordering::SeqCst);
        self.stop_requested.store(false, Ordering::SeqCst);
        result
    }

    fn answer_locked(
        &self,
        prompt: &Prompt,
        opts: &GenerateOptions,
        on_piece: &mut dyn FnMut(&str) -> bool,
    ) -> Result<Completion, HostError> {
        let mut slot = self.loaded.try_lock().map_err(|_| HostError::Busy)?;
        let loaded = slot.as_mut().ok_or(HostError::NoModel)?;
        let done = match prompt {
            Prompt::Chat(messages) => loaded.session.chat(messages, opts, on_piece)?,
            Prompt::Completion(text) => loaded.session.generate(text, opts, on_piece)?,
        };
        Ok(done)
    }

    /// Stop the answer in progress or about to start (no effect otherwise,
    /// so a late click cannot cancel the next answer).
    pub fn stop(&self) {
        if !self.pending.load(Ordering::SeqCst) {
            return;
        }
        self.stop_requested.store(true, Ordering::SeqCst);
        if let Some(c) = lock(&self.cancel).as_ref() {
            c.cancel();
        }
    }
}

/// A poisoned lock only means another command panicked; the data is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
#[path = "host_tests.rs"]
mod tests;
