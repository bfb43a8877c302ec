//! Stop requests: SIGINT and SIGTERM (registered here for the command line) set a process-wide flag
//! that long loops and every simulation poll, so a run stops quickly and commits nothing.

use crate::diag::Diagnostic;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

static SIGNAL: LazyLock<Arc<AtomicUsize>> = LazyLock::new(Arc::default);

/// The flag a signal handler stores its signal number into.
pub fn flag() -> Arc<AtomicUsize> {
    Arc::clone(&SIGNAL)
}

/// SIGINT and SIGTERM ask the command to stop (see `interrupt`): it abandons its work and
/// commits nothing. A second signal ends the process at once.
pub fn stop_on_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use std::sync::atomic::AtomicBool;
    let again = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        let _ = signal_hook::flag::register_conditional_shutdown(
            signal,
            128 + signal,
            Arc::clone(&again),
        );
        let _ = signal_hook::flag::register(signal, Arc::clone(&again));
        let _ = signal_hook::flag::register_usize(signal, flag(), signal as usize);
    }
}

/// The signal that asked the process to stop, if one did.
pub fn requested() -> Option<i32> {
    match SIGNAL.load(Ordering::Relaxed) {
        0 => None,
        signal => i32::try_from(signal).ok(),
    }
}

/// The error of work abandoned because `signal` asked to stop.
pub fn stopped(signal: i32) -> Diagnostic {
    let name = match signal {
        2 => "SIGINT".to_string(),
        15 => "SIGTERM".to_string(),
        other => format!("signal {other}"),
    };
    Diagnostic::new(format!("stopped by {name}: nothing was written"))
        .note("any previous result in the output folder is left as it was")
}

/// Fails with `stopped` once a stop was requested.
pub fn check() -> Result<(), Diagnostic> {
    requested().map_or(Ok(()), |signal| Err(stopped(signal)))
}
