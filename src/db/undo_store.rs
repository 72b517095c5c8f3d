//! Undoing an import, per backend: the plan (who goes, who stays and why, what in the project
//! refers to them) and the removal; the SQLite side is `db::undo`.

use super::undo::{UndoPlan, UndoResult};

/// What the undo page reads and its Undo button writes.
pub trait UndoStore {
    /// The import's users split into those an undo removes and those it keeps.
    fn undo_plan(&mut self, import_id: i64) -> anyhow::Result<UndoPlan>;
    /// Removes the users left as imported and marks the import undone, inside the caller's write
    /// transaction; writes nothing when it was undone already or project rows refer to a user.
    fn undo_import(&mut self, import_id: i64, actor: &str) -> anyhow::Result<UndoResult>;
}
