//! The process's heap (glibc malloc on Linux): fewer arenas, and the room freed after the
//! start-up given back. Measured at a million messages (docs/performance.md): glibc's default
//! of eight arenas per core keeps the freed memory of every worker thread apart, and the
//! start-up (the store's integrity walk, the trajectory index) frees some hundreds of MB that
//! malloc would otherwise keep.

/// At most two malloc arenas, and large blocks mapped on their own. Call before the server
/// starts its threads.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes malloc's tuning; it is called before the server's
        // threads exist and takes no pointers.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
            // Blocks of 128 KiB and more (a query's maps over a million records, the book's
            // arenas, sled's zeroed histograms) are mapped and unmapped on their own, so they
            // go back to the system when freed and a zeroed one is not touched. This is
            // glibc's starting value, kept: it would raise it (to 32 MiB) as such blocks are
            // freed, and a query's maps would then stay in the heap after it. (At 1 MiB
            // sled's 512 KiB histograms came from the heap, zeroed by hand: 21.5 MB resident.)
            libc::mallopt(libc::M_MMAP_THRESHOLD, 128 << 10);
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

/// Trim the heap every `period`, on a thread of its own, for as long as the process runs (the
/// server): what the messages' transient buffers leave free between live blocks goes back.
pub fn trim_every(period: std::time::Duration) {
    let spawned = std::thread::Builder::new()
        .name("malloc-trim".into())
        .spawn(move || loop {
            std::thread::sleep(period);
            trim();
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "no thread to trim the heap");
    }
}
