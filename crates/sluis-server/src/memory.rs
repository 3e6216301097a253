//! The process's heap (glibc malloc on Linux): fewer arenas, and the room freed after the
//! start-up given back. Measured at a million messages (docs/performance.md): glibc's default
//! of eight arenas per core keeps the freed memory of every worker thread apart, and the
//! start-up (the store's integrity walk, the trajectory index) frees some hundreds of MB that
//! malloc would otherwise keep.

/// At most two malloc arenas. Call before the server starts its threads.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let arenas = std::env::var("SLUIS_MALLOC_ARENAS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2);
        if arenas > 0 {
            // SAFETY: mallopt only changes malloc's tuning; it is called before the server's
            // threads exist and takes no pointers.
            unsafe {
                libc::mallopt(libc::M_ARENA_MAX, arenas);
            }
        }
    }
}

/// Give the heap's free pages back to the system (after the start-up).
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers and is safe to call from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}
