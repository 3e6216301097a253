//! The demo parties' tokens and posting the set to a running gateway.

use super::*;

/// The bearer tokens the demo parties post with: per party code (an aanbieder's AGB-code, a
/// gemeente's gemeentecode), per gebiedsteam (by name) and the operator's (for `/metrics`).
/// Built from the demo tokens of the configuration ([`Tokens::from_settings`]). `Debug` shows
/// which parties have a token, never the token.
#[derive(Clone, Default)]
pub struct Tokens {
    parties: BTreeMap<String, String>,
    teams: BTreeMap<String, String>,
    operator: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("parties", &self.parties.keys().collect::<Vec<_>>())
            .field("teams", &self.teams.keys().collect::<Vec<_>>())
            .field("operator", &self.operator.is_some())
            .finish()
    }
}

impl Tokens {
    /// The demo tokens (`demo_secret`) of `[[security.tokens]]`: role aanbieder by its party,
    /// gemeente by its gemeentecode, gebiedsteam by its team, and the operator. The first of
    /// each wins; tokens given only as a hash cannot be used and are skipped.
    pub fn from_settings(settings: &crate::config::Settings) -> Tokens {
        Tokens::from_configured(&settings.security.tokens)
    }

    /// As [`Tokens::from_settings`], from the token entries themselves.
    pub fn from_configured(tokens: &[crate::security::tokens::ConfiguredToken]) -> Tokens {
        use crate::security::access::Role;
        let mut out = Tokens::default();
        for t in tokens {
            let Some(secret) = &t.demo_secret else {
                continue;
            };
            let key = match t.role {
                Role::Aanbieder => t.party.clone().map(|p| (false, p)),
                Role::Gemeente => t.gemeente.clone().or(t.party.clone()).map(|g| (false, g)),
                Role::Gebiedsteam => t.team.clone().map(|team| (true, team)),
                Role::Operator => {
                    out.operator.get_or_insert_with(|| secret.clone());
                    None
                }
                Role::Contractmanager => None,
            };
            match key {
                Some((false, party)) => {
                    out.parties.entry(party).or_insert_with(|| secret.clone());
                }
                Some((true, team)) => {
                    out.teams.entry(team).or_insert_with(|| secret.clone());
                }
                None => {}
            }
        }
        out
    }

    /// Use `token` for the party `code` (AGB-code or gemeentecode).
    pub fn set_party(&mut self, code: &str, token: &str) {
        self.parties.insert(code.to_string(), token.to_string());
    }

    /// Use `token` for the gebiedsteam `team`.
    pub fn set_team(&mut self, team: &str, token: &str) {
        self.teams.insert(team.to_string(), token.to_string());
    }

    /// Use `token` for the operator.
    pub fn set_operator(&mut self, token: &str) {
        self.operator = Some(token.to_string());
    }

    /// The token of a party (AGB-code or gemeentecode).
    pub fn party(&self, code: &str) -> Option<&str> {
        self.parties.get(code).map(String::as_str)
    }

    /// The token of a gebiedsteam.
    pub fn team(&self, team: &str) -> Option<&str> {
        self.teams.get(team).map(String::as_str)
    }

    /// The operator's token.
    pub fn operator(&self) -> Option<&str> {
        self.operator.as_deref()
    }

    /// The token a message's sender posts with.
    pub fn sender(&self, sender: &Sender) -> Option<&str> {
        match sender {
            Sender::Party(code) => self.party(code),
            Sender::Team(team) => self.team(team),
        }
    }

    /// Whether there is no token at all (a configuration without demo tokens).
    pub fn is_empty(&self) -> bool {
        self.parties.is_empty() && self.teams.is_empty() && self.operator.is_none()
    }
}

/// `request` with `Authorization: Bearer …` when there is a token; without one the gateway
/// decides (401 once it requires credentials).
pub fn with_token(
    request: reqwest::RequestBuilder,
    token: Option<&str>,
) -> reqwest::RequestBuilder {
    match token {
        Some(t) => request.bearer_auth(t),
        None => request,
    }
}

/// What became of posting a set.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Posted {
    pub accepted: usize,
    /// Labels (no BSN) and HTTP status of the messages not accepted.
    pub rejected: Vec<(String, u16)>,
}

/// Post every message of the set, in order, to the gateway at `base` (`http://127.0.0.1:8080`),
/// each with the token of its sender from `tokens`. A berichten post is answered with its
/// retourbericht, so whether it was accepted is asked after (`GET` its `Location`, as the
/// sender, whom the message concerns); a behandelplan, resultaatmelding or beoordeling is
/// accepted when the answer is a success (a rejected one gets 422). Stops at a transport
/// error; a rejection is counted and posting goes on.
pub async fn post_all(base: &str, set: &DemoSet, tokens: &Tokens) -> Result<Posted, String> {
    let base = base.trim_end_matches('/');
    let client = crate::client::client().map_err(|e| e.to_string())?;
    let mut out = Posted::default();
    let bar = crate::client::progress(set.messages.len() as u64, "demo");
    for m in &set.messages {
        bar.inc(1);
        let token = tokens.sender(&m.sender);
        // A 429 or 503 with Retry-After is "later", not a rejection.
        let resp = crate::client::send_patiently(
            with_token(client.post(format!("{base}{}", m.path)), token)
                .header("Content-Type", m.content_type)
                .body(m.body.clone()),
        )
        .await
        .map_err(|e| format!("{}: {e}", m.label))?;
        let status = resp.status();
        let location = resp
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_string);
        let accepted = match (status.is_success(), location) {
            (true, Some(loc)) if m.path == PATH_BERICHTEN => {
                let stored: serde_json::Value = crate::client::send_patiently(with_token(
                    client.get(format!("{base}{loc}")),
                    token,
                ))
                .await
                .map_err(|e| format!("{}: {e}", m.label))?
                .json()
                .await
                .map_err(|e| format!("{}: {e}", m.label))?;
                stored["accepted"] == true
            }
            (success, _) => success && m.path != PATH_BERICHTEN,
        };
        if accepted {
            out.accepted += 1;
        } else {
            out.rejected.push((m.label.clone(), status.as_u16()));
        }
    }
    bar.finish_and_clear();
    Ok(out)
}
