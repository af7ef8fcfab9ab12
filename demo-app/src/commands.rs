//! The commands the page invokes. Each one is a thin shell over `host`,
//! `store` and `settings`; long work runs on a blocking thread so the window
//! stays responsive.

use crate::host::{HostError, ModelHost};
use crate::settings::{build_prompt, Settings, SettingsError};
use crate::status::{ModelView, Stats};
use crate::store::{AnswerMeta, ConversationSummary, Store, StoreError, StoredMessage};
use hearth::engine::{Backend, LoadProgress};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};
use tauri::ipc::Channel;
use tauri::State;
use tauri_plugin_dialog::DialogExt;

/// Shared by every command.
#[derive(Debug, Clone)]
pub struct AppState {
    pub host: Arc<ModelHost>,
    pub store: Arc<Mutex<Store>>,
}

/// Errors reach the page as their message.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Host(#[from] HostError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("the prompt is empty")]
    EmptyPrompt,
    #[error("background task failed: {0}")]
    Task(String),
    #[error("file dialog: {0}")]
    Dialog(String),
}

impl Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

type CmdResult<T> = Result<T, CommandError>;

const SETTINGS_KEY: &str = "settings";
const LAST_MODEL_KEY: &str = "last_model";

/// What the page needs at start-up.
#[derive(Debug, Serialize)]
pub struct Startup {
    pub settings: Settings,
    pub last_model: Option<String>,
    pub model: Option<ModelView>,
    pub conversations: Vec<ConversationSummary>,
}

/// A streamed event of one answer.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnswerEvent {
    Piece { text: String },
}

/// The outcome of one prompt.
#[derive(Debug, Serialize)]
pub struct Turn {
    pub conversation_id: i64,
    pub answer: StoredMessage,
    pub stats: Stats,
    pub conversations: Vec<ConversationSummary>,
}

fn store(state: &AppState) -> MutexGuard<'_, Store> {
    state.store.lock().unwrap_or_else(|p| p.into_inner())
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> CmdResult<T> + Send + 'static) -> CmdResult<T> {
    tauri::async_runtime::spawn_blocking(f).await.map_err(|e| CommandError::Task(e.to_string()))?
}

#[tauri::command]
pub fn startup(state: State<'_, AppState>) -> CmdResult<Startup> {
    let s = store(&state);
    Ok(Startup {
        settings: s.setting(SETTINGS_KEY)?.unwrap_or_default(),
        last_model: s.setting(LAST_MODEL_KEY)?,
        model: state.host.info().map(|i| ModelView::new(&i)),
        conversations: s.list_conversations()?,
    })
}

/// Ask for a `.gguf` file, or a Hugging Face folder when `folder` is set.
#[tauri::command]
pub async fn pick_model(app: tauri::AppHandle, folder: bool) -> CmdResult<Option<String>> {
    blocking(move || {
        let dialog = app.dialog().file().set_title("Choose a model");
        let picked = if folder {
            dialog.blocking_pick_folder()
        } else {
            dialog.add_filter("GGUF model", &["gguf"]).blocking_pick_file()
        };
        let path = picked.map(|p| p.into_path().map_err(|e| CommandError::Dialog(e.to_string()))).transpose()?;
        Ok(path.map(|p| p.to_string_lossy().into_owned()))
    })
    .await
}

#[tauri::command]
pub async fn load_model(
    state: State<'_, AppState>,
    path: String,
    progress: Channel<LoadProgress>,
) -> CmdResult<ModelView> {
    let st = state.inner().clone();
    blocking(move || {
        let path = PathBuf::from(path.trim());
        let info = st.host.load(&path, Backend::Gpu, &mut |p| {
            // A closed channel only means the page went away; loading goes on.
            let _ = progress.send(p);
        })?;
        store(&st).put_setting(LAST_MODEL_KEY, &path.to_string_lossy())?;
        Ok(ModelView::new(&info))
    })
    .await
}

#[tauri::command]
pub fn save_settings(state: State<'_, AppState>, settings: Settings) -> CmdResult<()> {
    settings.validate()?;
    Ok(store(&state).put_setting(SETTINGS_KEY, &settings)?)
}

/// Answer `prompt` in conversation `conversation_id` (a new one when absent).
#[tauri::command]
pub async fn send(
    state: State<'_, AppState>,
    conversation_id: Option<i64>,
    prompt: String,
    settings: Settings,
    events: Channel<AnswerEvent>,
) -> CmdResult<Turn> {
    let st = state.inner().clone();
    // Before the blocking thread starts: a Stop clicked from now on counts.
    st.host.begin_answer();
    blocking(move || {
        if prompt.trim().is_empty() {
            return Err(CommandError::EmptyPrompt);
        }
        let info = st.host.ready()?;
        let opts = settings.generate_options(seed())?;
        let (id, history) = {
            let s = store(&st);
            let id = match conversation_id {
                Some(id) => id,
                None => s.create_conversation(&prompt)?,
            };
            let history = s.messages(id)?;
            s.add_message(id, "user", &prompt, None)?;
            (id, history)
        };
        let request = build_prompt(&settings, &history, &prompt, info.chat_template);
        let done = st
            .host
            .answer(&request, &opts, &mut |piece| events.send(AnswerEvent::Piece { text: piece.to_owned() }).is_ok())?;
        let meta = AnswerMeta {
            finish_reason: done.finish_reason.as_str().to_owned(),
            tokens: done.tokens.len(),
            tokens_per_s: done.timings.decode_tokens_per_s,
            ttft_ms: done.timings.ttft_ms,
        };
        let s = store(&st);
        let answer_id = s.add_message(id, "assistant", &done.text, Some(&meta))?;
        let answer = StoredMessage { id: answer_id, role: "assistant".into(), content: done.text, meta: Some(meta) };
        Ok(Turn {
            conversation_id: id,
            stats: Stats::after(&info, &answer),
            answer,
            conversations: s.list_conversations()?,
        })
    })
    .await
}

#[tauri::command]
pub fn stop(state: State<'_, AppState>) {
    state.host.stop();
}

#[tauri::command]
pub fn open_conversation(state: State<'_, AppState>, id: i64) -> CmdResult<Vec<StoredMessage>> {
    Ok(store(&state).messages(id)?)
}

#[tauri::command]
pub fn delete_conversation(state: State<'_, AppState>, id: i64) -> CmdResult<Vec<ConversationSummary>> {
    let s = store(&state);
    s.delete_conversation(id)?;
    Ok(s.list_conversations()?)
}

/// Process memory in use now, for the status line.
#[tauri::command]
pub fn memory() -> Option<u64> {
    crate::status::resident_bytes()
}

/// A different seed per answer, so asking again can give another answer.
fn seed() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}
