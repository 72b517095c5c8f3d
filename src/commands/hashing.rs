//! The hashing threads every command that hashes passwords starts (`--hash-threads`).

use anyhow::bail;

/// Sizes the pool that hashes passwords: one thread per core unless told otherwise.
pub(super) fn configure_hashing(threads: Option<usize>) -> anyhow::Result<()> {
    let threads = match threads {
        Some(0) => bail!("ROSTER_HASH_THREADS must be at least 1"),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("roster-hash-{i}"))
        .build_global()
        .map_err(|e| anyhow::anyhow!("cannot start the hashing threads: {e}"))
}
