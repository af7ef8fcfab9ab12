//! Conversations kept on the device: one SQLite file in the app's data folder.
//! Nothing here knows about Tauri, so it is tested without a display.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("conversation database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("no conversation with id {id}")]
    NoConversation { id: i64 },
    #[error("setting {key}: {source}")]
    Setting { key: String, source: serde_json::Error },
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A conversation as the side panel lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationSummary {
    pub id: i64,
    pub title: String,
    /// Milliseconds since the Unix epoch of the last message.
    pub updated_at: i64,
    pub message_count: i64,
}

/// How an assistant answer went (absent for user messages).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerMeta {
    /// "stop", "length", "context_full" or "cancelled".
    pub finish_reason: String,
    pub tokens: usize,
    pub tokens_per_s: f64,
    pub ttft_ms: f64,
}

/// One stored message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredMessage {
    pub id: i64,
    /// "user" or "assistant".
    pub role: String,
    pub content: String,
    pub meta: Option<AnswerMeta>,
}

/// The conversation database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

/// Schema version 1; `PRAGMA user_version` tells which one a file has.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    finish_reason TEXT,
    tokens INTEGER,
    tokens_per_s REAL,
    ttft_ms REAL,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages(conversation_id, id);
CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
PRAGMA user_version = 1;
";

/// Longest conversation title, in characters.
const TITLE_CHARS: usize = 48;

impl Store {
    /// Open (or create) the database file.
    pub fn open(path: &Path) -> StoreResult<Self> {
        Self::init(Connection::open(path)?)
    }

    /// A database that lives only in memory (tests).
    pub fn open_in_memory() -> StoreResult<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> StoreResult<Self> {
        // Foreign keys are off per connection by default; deleting a
        // conversation relies on the cascade.
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL;")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Store { conn })
    }

    /// A new conversation titled after its first prompt.
    pub fn create_conversation(&self, first_prompt: &str) -> StoreResult<i64> {
        let now = now_ms();
        self.conn.execute(
            "INSERT INTO conversations (title, created_at, updated_at) VALUES (?1, ?2, ?2)",
            params![title_from(first_prompt), now],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Append a message and mark the conversation as just updated.
    pub fn add_message(
        &self,
        conversation: i64,
        role: &str,
        content: &str,
        meta: Option<&AnswerMeta>,
    ) -> StoreResult<i64> {
        let now = now_ms();
        let changed =
            self.conn.execute("UPDATE conversations SET updated_at = ?1 WHERE id = ?2", params![now, conversation])?;
        if changed == 0 {
            return Err(StoreError::NoConversation { id: conversation });
        }
        self.conn.execute(
            "INSERT INTO messages (conversation_id, role, content, finish_reason, tokens, tokens_per_s, ttft_ms, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                conversation,
                role,
                content,
                meta.map(|m| m.finish_reason.as_str()),
                meta.map(|m| m.tokens as i64),
                meta.map(|m| m.tokens_per_s),
                meta.map(|m| m.ttft_ms),
                now
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Every conversation, the most recently updated first.
    pub fn list_conversations(&self) -> StoreResult<Vec<ConversationSummary>> {
        let mut stmt = self.conn.prepare(
            "SELECT c.id, c.title, c.updated_at, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id)
             FROM conversations c ORDER BY c.updated_at DESC, c.id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ConversationSummary { id: r.get(0)?, title: r.get(1)?, updated_at: r.get(2)?, message_count: r.get(3)? })
        })?;
        Ok(rows.collect::<Result<Vec<_>, rusqlite::Error>>()?)
    }

    /// The messages of a conversation in order.
    pub fn messages(&self, conversation: i64) -> StoreResult<Vec<StoredMessage>> {
        self.require(conversation)?;
        let mut stmt = self.conn.prepare(
            "SELECT id, role, content, finish_reason, tokens, tokens_per_s, ttft_ms
             FROM messages WHERE conversation_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([conversation], |r| {
            let finish: Option<String> = r.get(3)?;
            let meta = match finish {
                Some(finish_reason) => Some(AnswerMeta {
                    finish_reason,
                    tokens: r.get::<_, Option<i64>>(4)?.unwrap_or(0).max(0) as usize,
                    tokens_per_s: r.get::<_, Option<f64>>(5)?.unwrap_or(0.0),
                    ttft_ms: r.get::<_, Option<f64>>(6)?.unwrap_or(0.0),
                }),
                None => None,
            };
            Ok(StoredMessage { id: r.get(0)?, role: r.get(1)?, content: r.get(2)?, meta })
        })?;
        Ok(rows.collect::<Result<Vec<_>, rusqlite::Error>>()?)
    }

    /// Delete a conversation and its messages.
    pub fn delete_conversation(&self, conversation: i64) -> StoreResult<()> {
        if self.conn.execute("DELETE FROM conversations WHERE id = ?1", [conversation])? == 0 {
            return Err(StoreError::NoConversation { id: conversation });
        }
        Ok(())
    }

    /// A JSON setting, or `None` when it was never saved.
    pub fn setting<T: serde::de::DeserializeOwned>(&self, key: &str) -> StoreResult<Option<T>> {
        let raw: Option<String> =
            self.conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?;
        raw.map(|v| serde_json::from_str(&v).map_err(|source| StoreError::Setting { key: key.to_owned(), source }))
            .transpose()
    }

    /// Save a JSON setting.
    pub fn put_setting<T: Serialize>(&self, key: &str, value: &T) -> StoreResult<()> {
        let json =
            serde_json::to_string(value).map_err(|source| StoreError::Setting { key: key.to_owned(), source })?;
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, json],
        )?;
        Ok(())
    }

    fn require(&self, conversation: i64) -> StoreResult<()> {
        let found: Option<i64> = self
            .conn
            .query_row("SELECT id FROM conversations WHERE id = ?1", [conversation], |r| r.get(0))
            .optional()?;
        found.map(|_| ()).ok_or(StoreError::NoConversation { id: conversation })
    }
}

/// The first line of the prompt, whitespace collapsed, cut at a word boundary.
pub fn title_from(prompt: &str) -> String {
    let line = prompt.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut title = String::new();
    for w in words {
        let extra = if title.is_empty() { 0 } else { 1 };
        if title.chars().count() + extra + w.chars().count() > TITLE_CHARS {
            if title.is_empty() {
                title = w.chars().take(TITLE_CHARS).collect();
            }
            title.push('…');
            break;
        }
        if extra == 1 {
            title.push(' ');
        }
        title.push_str(w);
    }
    if title.is_empty() {
        "New chat".to_owned()
    } else {
        title
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
