//! sled panics on some damaged files instead of returning an error. Opening a store goes
//! through [`quietly`]: the panic becomes an error, and its message and backtrace stay off
//! standard error (the operator gets one line that says what to do, not a backtrace).

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Set on a thread while it runs [`quietly`]: the panic hook keeps silent for it.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

static HOOK: Once = Once::new();

/// Run `f`; a panic in it is returned as its message. Other threads' panics are reported as
/// before.
pub fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_string())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_becomes_an_error() {
        assert_eq!(super::quietly(|| 3), Ok(3));
        let r: Result<(), String> = super::quietly(|| panic!("damaged page"));
        assert_eq!(r, Err("damaged page".to_string()));
    }
}
