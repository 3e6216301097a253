//! The HTTP client of Sluis's own tools (`bench-load`, `demo`, `rapport`, `jaar afspelen`) and
//! tests, and how they treat "later": a 429 or 503 with `Retry-After` is waited out, not
//! counted as a rejection.

use std::time::Duration;

/// The longest wait on one `Retry-After`, and how often one request is sent at most.
const MOST_WAIT: Duration = Duration::from_secs(60);
const TRIES: u32 = 10;

/// A client builder with ring as the process's rustls provider: one crypto stack, and a
/// reqwest built with TLS but without a provider of its own (as in the test builds) needs one.
pub fn builder() -> reqwest::ClientBuilder {
    // Installing twice is refused harmlessly: the first provider stays.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

/// A client with the defaults.
pub fn client() -> Result<reqwest::Client, reqwest::Error> {
    builder().build()
}

/// How long an answer asks to wait before the same request is sent again: a 429 or 503 with
/// `Retry-After` in seconds (Sluis sends those; nothing was stored), at most a minute.
pub fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    if !matches!(resp.status().as_u16(), 429 | 503) {
        return None;
    }
    let secs: u64 = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs).clamp(Duration::from_millis(100), MOST_WAIT))
}

/// Send `request`; while the answer says to come back later ([`retry_after`]), wait as long
/// as it says and send it again (at most ten times). The last answer is returned, whatever it
/// is. A request whose body cannot be copied is sent once.
pub async fn send_patiently(
    request: reqwest::RequestBuilder,
) -> reqwest::Result<reqwest::Response> {
    let mut next = request;
    for _ in 1..TRIES {
        let Some(copy) = next.try_clone() else {
            return next.send().await;
        };
        let resp = next.send().await?;
        match retry_after(&resp) {
            Some(wait) => {
                drop(resp);
                tokio::time::sleep(wait).await;
                next = copy;
            }
            None => return Ok(resp),
        }
    }
    next.send().await
}

/// A progress bar on standard error for `len` steps of `what`; indicatif hides it when
/// standard error is no terminal (a pipe, a CI log).
pub fn progress(len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}
