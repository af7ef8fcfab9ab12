//! Hearth Chat: a private, offline desktop chat on the hearth SDK.
//!
//! The Tauri shell (`commands`, `run`) is thin; the logic it calls — the
//! conversation store, settings → generation options, the model host and the
//! status figures — lives in modules that the unit tests run without a display.

pub mod commands;
pub mod host;
pub mod settings;
pub mod status;
pub mod store;

use commands::AppState;
use std::sync::{Arc, Mutex};
use tauri::Manager;

/// The database file inside the app's data folder.
pub const DB_FILE: &str = "conversations.sqlite3";

/// Start the app (blocks until the last window closes).
pub fn run() -> Result<(), tauri::Error> {
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let dir = app.path().app_data_dir()?;
            std::fs::create_dir_all(&dir)?;
            let store = store::Store::open(&dir.join(DB_FILE))?;
            app.manage(AppState { host: Arc::new(host::ModelHost::default()), store: Arc::new(Mutex::new(store)) });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::startup,
            commands::pick_model,
            commands::load_model,
            commands::save_settings,
            commands::send,
            commands::stop,
            commands::open_conversation,
            commands::delete_conversation,
            commands::memory,
        ])
        .run(tauri::generate_context!())
}
