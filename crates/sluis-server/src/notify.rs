//! Readiness for systemd (`Type=notify`, sd_notify(3)): one datagram with `READY=1` to the
//! unix socket named by `NOTIFY_SOCKET` once the listener is bound and the store is open,
//! `STOPPING=1` when the server stops. Without `NOTIFY_SOCKET` nothing is sent.

use std::os::unix::net::UnixDatagram;

/// Send `state` (`READY=1`, `STOPPING=1`, `STATUS=…`, newline-separated) to the service
/// manager. `Ok(false)`: not started by one that listens.
pub fn notify(state: &str) -> std::io::Result<bool> {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return Ok(false);
    };
    let socket = UnixDatagram::unbound()?;
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str());
    match bytes.split_first() {
        // An abstract socket (`@name`), as systemd uses for some units.
        #[cfg(target_os = "linux")]
        Some((b'@', name)) => {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
            socket.send_to_addr(state.as_bytes(), &addr)?;
        }
        Some(_) => {
            socket.send_to(state.as_bytes(), &path)?;
        }
        None => return Ok(false),
    }
    Ok(true)
}
