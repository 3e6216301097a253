//! The HTTP client of Sluis's own tools (`bench-load`, `demo`, `rapport`) and tests.

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
