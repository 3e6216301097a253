//! Who may do what: the roles, the authenticated [`Principal`], every [`Endpoint`] and ONE table
//! of endpoint × role. `docs/security.md` shows the same table; a test renders it from [`TABLE`]
//! and compares, so the two cannot drift apart.
//!
//! A request is decided in two steps: [`decide`] looks only at the endpoint and the principal
//! (401, 403, allowed, or allowed if a [`ScopeCheck`] passes); the handler then loads what it
//! needs and calls [`ScopeCheck::check`] with the [`Facts`] of the object. Missing facts fail
//! closed (403).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The five roles of issue #6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A care provider (system or person), identified by its AGB-code.
    Aanbieder,
    /// The municipality's back office, identified by its gemeentecode.
    Gemeente,
    /// A district team of the municipality: plan status and doelbereik of its own clients.
    Gebiedsteam,
    /// Reads audit, flows, financing and indicators of its gemeente; changes nothing.
    Contractmanager,
    /// Runs the gateway: tokens, replay, metrics. Reads no care details.
    Operator,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Aanbieder,
        Role::Gemeente,
        Role::Gebiedsteam,
        Role::Contractmanager,
        Role::Operator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Aanbieder => "aanbieder",
            Role::Gemeente => "gemeente",
            Role::Gebiedsteam => "gebiedsteam",
            Role::Contractmanager => "contractmanager",
            Role::Operator => "operator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which party, gemeente and team a token or certificate speaks for. What a role needs:
/// aanbieder: `party` (AGB-code); gemeente: `party` or `gemeente` (gemeentecode);
/// gebiedsteam: `gemeente` and `team`; contractmanager: `gemeente`; operator: nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gemeente: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

/// Why a scope does not fit its role. Holds no secret and no personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("role {0} needs an AGB-code of 8 digits as party")]
    NeedsAgb(Role),
    #[error("role {0} needs a gemeentecode of 4 digits")]
    NeedsGemeente(Role),
    #[error("role {0} needs a team (1-64 characters: letters, digits, '-', '_')")]
    NeedsTeam(Role),
    #[error("role {0} takes no {1}")]
    Superfluous(Role, &'static str),
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn team_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// An authenticated caller. `actor` names who it is in the audit (`token:<id>`,
/// `cert:<fingerprint prefix>`); it is never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub actor: String,
    pub role: Role,
    /// AGB-code (aanbieder) or gemeentecode (gemeente); `None` for the other roles.
    pub party: Option<String>,
    /// The gemeente the caller belongs to (all roles but aanbieder and operator).
    pub gemeente: Option<String>,
    /// The gebiedsteam (role gebiedsteam only).
    pub team: Option<String>,
}

impl Principal {
    /// Check the scope against the role and build the principal; a gemeente's party is its
    /// gemeentecode.
    pub fn new(
        actor: impl Into<String>,
        role: Role,
        scope: &Scope,
    ) -> Result<Principal, ScopeError> {
        let Scope {
            party,
            gemeente,
            team,
        } = scope.clone();
        let gm_ok = |g: &Option<String>| g.as_deref().is_some_and(|g| digits(g, 4));
        let (party, gemeente, team) = match role {
            Role::Aanbieder => {
                if !party.as_deref().is_some_and(|p| digits(p, 8)) {
                    return Err(ScopeError::NeedsAgb(role));
                }
                if team.is_some() {
                    return Err(ScopeError::Superfluous(role, "team"));
                }
                (party, gemeente.filter(|g| digits(g, 4)), None)
            }
            Role::Gemeente => {
                let code = gemeente.clone().or(party.clone());
                if !gm_ok(&code) || (party.is_some() && gemeente.is_some() && party != gemeente) {
                    return Err(ScopeError::NeedsGemeente(role));
                }
                if team.is_some() {
                    return Err(ScopeError::Superfluous(role, "team"));
                }
                (code.clone(), code, None)
            }
            Role::Gebiedsteam | Role::Contractmanager => {
                if !gm_ok(&gemeente) {
                    return Err(ScopeError::NeedsGemeente(role));
                }
                if party.is_some() {
                    return Err(ScopeError::Superfluous(role, "party"));
                }
                if role == Role::Gebiedsteam {
                    if !team.as_deref().is_some_and(team_name) {
                        return Err(ScopeError::NeedsTeam(role));
                    }
                } else if team.is_some() {
                    return Err(ScopeError::Superfluous(role, "team"));
                }
                (None, gemeente, team)
            }
            Role::Operator => {
                if party.is_some() || team.is_some() {
                    return Err(ScopeError::Superfluous(role, "party or team"));
                }
                (None, None, None)
            }
        };
        Ok(Principal {
            actor: actor.into(),
            role,
            party,
            gemeente,
            team,
        })
    }

    pub fn scope(&self) -> Scope {
        Scope {
            party: self.party.clone(),
            gemeente: self.gemeente.clone(),
            team: self.team.clone(),
        }
    }
}

/// Every endpoint of the API, today's and the ones issues #5/#6 add. The path is the actix
/// route pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Healthz,
    Readyz,
    Metrics,
    PostBericht,
    ListBerichten,
    GetBericht,
    ReplayBericht,
    GetToewijzing,
    ToewijzingStroom,
    ClientToewijzingen,
    GetInbox,
    AckInbox,
    PostBehandelplan,
    PostResultaatmelding,
    PostBeoordeling,
    ClientPlanstatus,
    TeamDoelbereik,
    GetClientTeam,
    PutClientTeam,
    Financiering,
    Indicatoren,
    Stromen,
    Audit,
    CreateToken,
    ListTokens,
    RevokeToken,
    Validatie,
    OpenApi,
    Referentie,
    DeliveryBacklog,
    DeliveryRedrive,
    // The web pages (`crate::web`, docs/pages.md): the same roles and scopes as the API.
    PageStart,
    PageStyle,
    PageSignIn,
    PageSignOut,
    PageCaseload,
    PageClient,
    PageBeoordeling,
    PageAanbieders,
    PageAanbieder,
    PageDownload,
    PageBerichten,
    PageBericht,
    PageToewijzing,
    PageValidatie,
    PageValideer,
}

impl Endpoint {
    pub fn method(self) -> &'static str {
        self.route().0
    }

    pub fn path(self) -> &'static str {
        self.route().1
    }

    fn route(self) -> (&'static str, &'static str) {
        use Endpoint::*;
        match self {
            Healthz => ("GET", "/healthz"),
            Readyz => ("GET", "/readyz"),
            Metrics => ("GET", "/metrics"),
            PostBericht => ("POST", "/api/v1/berichten"),
            ListBerichten => ("GET", "/api/v1/berichten"),
            GetBericht => ("GET", "/api/v1/berichten/{id}"),
            ReplayBericht => ("POST", "/api/v1/berichten/{id}/replay"),
            GetToewijzing => ("GET", "/api/v1/toewijzingen/{nummer}"),
            ToewijzingStroom => ("GET", "/api/v1/toewijzingen/{nummer}/stroom"),
            ClientToewijzingen => ("GET", "/api/v1/clienten/{bsn}/toewijzingen"),
            GetInbox => ("GET", "/api/v1/inbox/{party}"),
            AckInbox => ("POST", "/api/v1/inbox/{party}/ack"),
            PostBehandelplan => ("POST", "/api/v1/behandelplannen"),
            PostResultaatmelding => ("POST", "/api/v1/resultaatmeldingen"),
            PostBeoordeling => ("POST", "/api/v1/beoordelingen"),
            ClientPlanstatus => ("GET", "/api/v1/clienten/{bsn}/planstatus"),
            TeamDoelbereik => ("GET", "/api/v1/teams/{team}/doelbereik"),
            GetClientTeam => ("GET", "/api/v1/clienten/{bsn}/team"),
            PutClientTeam => ("PUT", "/api/v1/clienten/{bsn}/team"),
            Financiering => ("GET", "/api/v1/financiering"),
            Indicatoren => ("GET", "/api/v1/indicatoren"),
            Stromen => ("GET", "/api/v1/stromen"),
            Audit => ("GET", "/api/v1/audit"),
            CreateToken => ("POST", "/api/v1/tokens"),
            ListTokens => ("GET", "/api/v1/tokens"),
            RevokeToken => ("DELETE", "/api/v1/tokens/{id}"),
            Validatie => ("POST", "/api/v1/validatie"),
            OpenApi => ("GET", "/api/v1/openapi.json"),
            Referentie => ("GET", "/api/v1/referentie"),
            DeliveryBacklog => ("GET", "/api/v1/bezorging"),
            DeliveryRedrive => ("POST", "/api/v1/bezorging/opnieuw"),
            PageStart => ("GET", "/"),
            PageStyle => ("GET", "/static/sluis.css"),
            PageSignIn => ("POST", "/aanmelden"),
            PageSignOut => ("POST", "/afmelden"),
            PageCaseload => ("GET", "/caseload"),
            PageClient => ("GET", "/clienten/{client}"),
            PageBeoordeling => ("POST", "/clienten/{client}/beoordeling"),
            PageAanbieders => ("GET", "/aanbieders"),
            PageAanbieder => ("GET", "/aanbieders/{agb}"),
            PageDownload => ("GET", "/downloads/{tabel}"),
            PageBerichten => ("GET", "/berichten"),
            PageBericht => ("GET", "/berichten/{id}"),
            PageToewijzing => ("GET", "/toewijzingen/{nummer}"),
            PageValidatie => ("GET", "/validatie"),
            PageValideer => ("POST", "/validatie"),
        }
    }

    /// A web page (HTML, a session cookie instead of a bearer token; `crate::web`).
    pub fn is_page(self) -> bool {
        use Endpoint::*;
        matches!(
            self,
            PageStart
                | PageStyle
                | PageSignIn
                | PageSignOut
                | PageCaseload
                | PageClient
                | PageBeoordeling
                | PageAanbieders
                | PageAanbieder
                | PageDownload
                | PageBerichten
                | PageBericht
                | PageToewijzing
                | PageValidatie
                | PageValideer
        )
    }

    /// A POST that stores nothing of the gateway's data (a session begins or ends, a message
    /// is checked and forgotten): the contractmanager, who changes nothing, may do it.
    pub fn stores_nothing(self) -> bool {
        matches!(
            self,
            Endpoint::PageSignIn
                | Endpoint::PageSignOut
                | Endpoint::PageValideer
                | Endpoint::Validatie
        )
    }

    /// The methods the table has for a route pattern (empty: the path is not served).
    pub fn methods_of(pattern: &str) -> Vec<&'static str> {
        TABLE
            .iter()
            .map(|row| row.endpoint)
            .filter(|e| e.path() == pattern)
            .map(Endpoint::method)
            .collect()
    }

    /// The endpoint of a method and actix route pattern (`HttpRequest::match_pattern()`).
    pub fn from_route(method: &str, pattern: &str) -> Option<Endpoint> {
        TABLE
            .iter()
            .map(|row| row.endpoint)
            // Methods are case-sensitive (RFC 9110): `get` is not GET and has no row.
            .find(|e| e.method() == method && e.path() == pattern)
    }
}

/// What the handler must check against the object before it answers. Each names the facts it
/// needs (see [`Facts`]); a fact that is missing fails the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeCheck {
    /// The posted message's Afzender is the principal's party (AGB-code or gemeentecode).
    OwnAfzender,
    /// The `{party}` in the path is the principal's party.
    OwnParty,
    /// The object concerns the principal's party: it is one of `Facts::parties` (Afzender or
    /// Ontvanger of a message, the aanbieder of a toewijzing or plan). Lists are filtered to it.
    Concerns,
    /// The object belongs to the principal's gemeente (`Facts::gemeente`). Lists are filtered.
    OwnGemeente,
    /// The object's team (`Facts::team`: the client's team, or `{team}` in the path) is the
    /// principal's team, within its gemeente.
    OwnTeam,
}

impl ScopeCheck {
    pub fn label(self) -> &'static str {
        match self {
            ScopeCheck::OwnAfzender => "own-afzender",
            ScopeCheck::OwnParty => "own-party",
            ScopeCheck::Concerns => "concerns",
            ScopeCheck::OwnGemeente => "own-gemeente",
            ScopeCheck::OwnTeam => "own-team",
        }
    }

    /// Whether the object described by `facts` is within the principal's scope.
    pub fn check(self, p: &Principal, facts: &Facts<'_>) -> Decision {
        let same =
            |a: Option<&str>, b: Option<&str>| matches!((a, b), (Some(a), Some(b)) if a == b);
        let ok = match self {
            ScopeCheck::OwnAfzender => same(p.party.as_deref(), facts.afzender),
            ScopeCheck::OwnParty => same(p.party.as_deref(), facts.party),
            ScopeCheck::Concerns => p
                .party
                .as_deref()
                .is_some_and(|me| facts.parties.contains(&me)),
            ScopeCheck::OwnGemeente => same(p.gemeente.as_deref(), facts.gemeente),
            ScopeCheck::OwnTeam => {
                same(p.team.as_deref(), facts.team)
                    && facts
                        .gemeente
                        .is_none_or(|g| p.gemeente.as_deref() == Some(g))
            }
        };
        if ok {
            Decision::Allow
        } else {
            Decision::Forbidden
        }
    }
}

/// What the handler knows about the object of a request, for [`ScopeCheck::check`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts<'a> {
    /// Afzender of a posted message.
    pub afzender: Option<&'a str>,
    /// `{party}` of the path.
    pub party: Option<&'a str>,
    /// The parties the object concerns (Afzender, Ontvanger, aanbieder).
    pub parties: &'a [&'a str],
    /// The gemeente the object belongs to.
    pub gemeente: Option<&'a str>,
    /// The team of the client concerned, or `{team}` of the path.
    pub team: Option<&'a str>,
}

/// One cell of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// Also without credentials.
    Public,
    Allow,
    Scoped(ScopeCheck),
    Deny,
}

impl Grant {
    /// The cell as `docs/security.md` and the OpenAPI document (`x-sluis-rollen`) show it.
    pub fn label(self) -> String {
        match self {
            Grant::Public => "public".to_string(),
            Grant::Allow => "allow".to_string(),
            Grant::Scoped(c) => format!("scoped: {}", c.label()),
            Grant::Deny => "–".to_string(),
        }
    }
}

/// One row: an endpoint and the rule per role, in [`Role::ALL`] order.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub endpoint: Endpoint,
    pub rules: [Grant; 5],
}

use Grant::{Allow as A, Deny as D, Public as P};
const fn s(c: ScopeCheck) -> Grant {
    Grant::Scoped(c)
}
const AFZ: Grant = s(ScopeCheck::OwnAfzender);
const PARTY: Grant = s(ScopeCheck::OwnParty);
const CONC: Grant = s(ScopeCheck::Concerns);
const GEM: Grant = s(ScopeCheck::OwnGemeente);
const TEAM: Grant = s(ScopeCheck::OwnTeam);

/// THE table: every endpoint × (aanbieder, gemeente, gebiedsteam, contractmanager, operator).
#[rustfmt::skip]
pub const TABLE: &[Row] = &[
    //                                     aanbieder gemeente gebiedsteam contractmanager operator
    Row { endpoint: Endpoint::Healthz,              rules: [P,    P,    P,    P,    P] },
    Row { endpoint: Endpoint::Readyz,               rules: [P,    P,    P,    P,    P] },
    Row { endpoint: Endpoint::Metrics,              rules: [D,    D,    D,    D,    A] },
    Row { endpoint: Endpoint::PostBericht,          rules: [AFZ,  AFZ,  D,    D,    D] },
    Row { endpoint: Endpoint::ListBerichten,        rules: [CONC, CONC, D,    GEM,  A] },
    Row { endpoint: Endpoint::GetBericht,           rules: [CONC, CONC, D,    D,    D] },
    Row { endpoint: Endpoint::ReplayBericht,        rules: [D,    D,    D,    D,    A] },
    Row { endpoint: Endpoint::GetToewijzing,        rules: [CONC, GEM,  D,    D,    D] },
    Row { endpoint: Endpoint::ToewijzingStroom,     rules: [CONC, GEM,  D,    GEM,  D] },
    Row { endpoint: Endpoint::ClientToewijzingen,   rules: [CONC, GEM,  D,    D,    D] },
    Row { endpoint: Endpoint::GetInbox,             rules: [PARTY, PARTY, D,  D,    D] },
    Row { endpoint: Endpoint::AckInbox,             rules: [PARTY, PARTY, D,  D,    D] },
    Row { endpoint: Endpoint::PostBehandelplan,     rules: [AFZ,  D,    D,    D,    D] },
    Row { endpoint: Endpoint::PostResultaatmelding, rules: [AFZ,  D,    D,    D,    D] },
    Row { endpoint: Endpoint::PostBeoordeling,      rules: [D,    D,    TEAM, D,    D] },
    Row { endpoint: Endpoint::ClientPlanstatus,     rules: [CONC, D,    TEAM, D,    D] },
    Row { endpoint: Endpoint::TeamDoelbereik,       rules: [D,    D,    TEAM, D,    D] },
    Row { endpoint: Endpoint::GetClientTeam,        rules: [D,    GEM,  D,    D,    D] },
    Row { endpoint: Endpoint::PutClientTeam,        rules: [D,    GEM,  D,    D,    D] },
    Row { endpoint: Endpoint::Financiering,         rules: [D,    D,    D,    GEM,  D] },
    Row { endpoint: Endpoint::Indicatoren,          rules: [D,    D,    TEAM, GEM,  D] },
    Row { endpoint: Endpoint::Stromen,              rules: [D,    D,    D,    GEM,  D] },
    Row { endpoint: Endpoint::Audit,                rules: [D,    D,    D,    GEM,  A] },
    Row { endpoint: Endpoint::CreateToken,          rules: [D,    D,    D,    D,    A] },
    Row { endpoint: Endpoint::ListTokens,           rules: [D,    D,    D,    D,    A] },
    Row { endpoint: Endpoint::RevokeToken,          rules: [D,    D,    D,    D,    A] },
    Row { endpoint: Endpoint::Validatie,            rules: [A,    A,    A,    A,    A] },
    Row { endpoint: Endpoint::OpenApi,              rules: [P,    P,    P,    P,    P] },
    Row { endpoint: Endpoint::Referentie,           rules: [P,    P,    P,    P,    P] },
    Row { endpoint: Endpoint::DeliveryBacklog,      rules: [D,    D,    D,    D,    A] },
    Row { endpoint: Endpoint::DeliveryRedrive,      rules: [D,    D,    D,    D,    A] },
    // The web pages: a page shows what its API twin shows, to the same roles.
    Row { endpoint: Endpoint::PageStart,            rules: [P,    P,    P,    P,    P] },
    Row { endpoint: Endpoint::PageStyle,            rules: [P,    P,    P,    P,    P] },
    Row { endpoint: Endpoint::PageSignIn,           rules: [P,    P,    P,    P,    P] },
    Row { endpoint: Endpoint::PageSignOut,          rules: [A,    A,    A,    A,    A] },
    Row { endpoint: Endpoint::PageCaseload,         rules: [D,    D,    TEAM, D,    D] },
    Row { endpoint: Endpoint::PageClient,           rules: [D,    D,    TEAM, D,    D] },
    Row { endpoint: Endpoint::PageBeoordeling,      rules: [D,    D,    TEAM, D,    D] },
    Row { endpoint: Endpoint::PageAanbieders,       rules: [D,    D,    D,    GEM,  D] },
    Row { endpoint: Endpoint::PageAanbieder,        rules: [D,    D,    D,    GEM,  D] },
    Row { endpoint: Endpoint::PageDownload,         rules: [D,    D,    D,    GEM,  D] },
    Row { endpoint: Endpoint::PageBerichten,        rules: [CONC, CONC, D,    GEM,  A] },
    Row { endpoint: Endpoint::PageBericht,          rules: [CONC, CONC, D,    D,    D] },
    Row { endpoint: Endpoint::PageToewijzing,       rules: [CONC, GEM,  D,    D,    D] },
    Row { endpoint: Endpoint::PageValidatie,        rules: [A,    A,    A,    A,    A] },
    Row { endpoint: Endpoint::PageValideer,         rules: [A,    A,    A,    A,    A] },
];

/// The rule of one cell.
pub fn rule(endpoint: Endpoint, role: Role) -> Grant {
    let col = Role::ALL.iter().position(|r| *r == role).unwrap_or(0);
    TABLE
        .iter()
        .find(|row| row.endpoint == endpoint)
        .map_or(Grant::Deny, |row| row.rules[col])
}

/// The outcome of the first step, typed so that 401 and 403 cannot be confused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Allowed if the handler's [`ScopeCheck::check`] on the object passes.
    AllowIf(ScopeCheck),
    /// No (valid) credentials: 401 with `WWW-Authenticate: Bearer`.
    Unauthenticated,
    /// Authenticated, but not for this: 403.
    Forbidden,
}

impl Decision {
    /// The HTTP status of a refusal; `None` when (possibly) allowed.
    pub fn refusal_status(self) -> Option<u16> {
        match self {
            Decision::Allow | Decision::AllowIf(_) => None,
            Decision::Unauthenticated => Some(401),
            Decision::Forbidden => Some(403),
        }
    }
}

/// Decide a request by its endpoint and caller (`None`: no valid credentials were presented).
pub fn decide(endpoint: Endpoint, principal: Option<&Principal>) -> Decision {
    let public = TABLE
        .iter()
        .find(|row| row.endpoint == endpoint)
        .is_some_and(|row| row.rules.iter().all(|r| *r == Grant::Public));
    match principal {
        _ if public => Decision::Allow,
        None => Decision::Unauthenticated,
        Some(p) => match rule(endpoint, p.role) {
            Grant::Public | Grant::Allow => Decision::Allow,
            Grant::Scoped(c) => Decision::AllowIf(c),
            Grant::Deny => Decision::Forbidden,
        },
    }
}

/// The table as Markdown, exactly as it stands in `docs/security.md`.
pub fn table_markdown() -> String {
    let mut out = String::from("| endpoint |");
    for r in Role::ALL {
        out.push_str(&format!(" {r} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(Role::ALL.len()));
    out.push('\n');
    for row in TABLE {
        out.push_str(&format!(
            "| `{} {}` |",
            row.endpoint.method(),
            row.endpoint.path()
        ));
        for r in row.rules {
            out.push_str(&format!(" {} |", r.label()));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role) -> Principal {
        let scope = match role {
            Role::Aanbieder => Scope {
                party: Some("12345678".into()),
                ..Scope::default()
            },
            Role::Gemeente => Scope {
                gemeente: Some("0599".into()),
                ..Scope::default()
            },
            Role::Gebiedsteam => Scope {
                gemeente: Some("0599".into()),
                team: Some("noord".into()),
                ..Scope::default()
            },
            Role::Contractmanager => Scope {
                gemeente: Some("0599".into()),
                ..Scope::default()
            },
            Role::Operator => Scope::default(),
        };
        Principal::new("test", role, &scope).expect("valid scope")
    }

    #[test]
    fn every_endpoint_has_one_row_and_routes_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for row in TABLE {
            assert!(seen.insert(row.endpoint), "{:?} twice", row.endpoint);
            assert_eq!(
                Endpoint::from_route(row.endpoint.method(), row.endpoint.path()),
                Some(row.endpoint)
            );
        }
        assert_eq!(Endpoint::from_route("get", "/healthz"), None);
        // The match in `Endpoint::route` is exhaustive; this count keeps TABLE complete.
        assert_eq!(TABLE.len(), 46);
    }

    #[test]
    fn the_table_in_the_docs_is_the_code_s_table() {
        let doc = include_str!("../../../../docs/security.md");
        let start = "<!-- access-table:start -->\n";
        let end = "<!-- access-table:end -->";
        let from = doc.find(start).expect("start marker") + start.len();
        let to = doc.find(end).expect("end marker");
        assert_eq!(
            &doc[from..to],
            table_markdown(),
            "docs/security.md is out of date: paste table_markdown()"
        );
    }

    /// The whole table: no credentials → 401 (public aside), each role → its cell.
    #[test]
    fn decide_walks_the_whole_table() {
        for row in TABLE {
            let public = row.rules.iter().all(|r| *r == Grant::Public);
            assert_eq!(
                decide(row.endpoint, None),
                if public {
                    Decision::Allow
                } else {
                    Decision::Unauthenticated
                }
            );
            for (i, role) in Role::ALL.into_iter().enumerate() {
                let got = decide(row.endpoint, Some(&principal(role)));
                let want = match row.rules[i] {
                    Grant::Public | Grant::Allow => Decision::Allow,
                    Grant::Scoped(c) => Decision::AllowIf(c),
                    Grant::Deny => Decision::Forbidden,
                };
                assert_eq!(got, want, "{:?} as {role}", row.endpoint);
            }
        }
        assert_eq!(Decision::Unauthenticated.refusal_status(), Some(401));
        assert_eq!(Decision::Forbidden.refusal_status(), Some(403));
    }

    #[test]
    fn the_issue_s_rules() {
        use Endpoint::*;
        let cm = principal(Role::Contractmanager);
        // The contractmanager changes nothing. The validation's POST is a dry run that stores
        // nothing (open to every role).
        for row in TABLE {
            if row.endpoint.method() != "GET" && !row.endpoint.stores_nothing() {
                assert_eq!(decide(row.endpoint, Some(&cm)), Decision::Forbidden);
            }
        }
        // Nobody but the parties themselves reads message bodies or inboxes.
        for role in [Role::Gebiedsteam, Role::Contractmanager, Role::Operator] {
            for e in [
                GetBericht,
                GetInbox,
                AckInbox,
                ClientToewijzingen,
                PageBericht,
            ] {
                assert_eq!(decide(e, Some(&principal(role))), Decision::Forbidden);
            }
        }
        assert_eq!(
            decide(CreateToken, Some(&principal(Role::Operator))),
            Decision::Allow
        );
    }

    #[test]
    fn scope_checks() {
        let a = principal(Role::Aanbieder);
        let g = principal(Role::Gemeente);
        let t = principal(Role::Gebiedsteam);
        let allow = Decision::Allow;
        let no = Decision::Forbidden;
        let afz = |s| Facts {
            afzender: Some(s),
            ..Facts::default()
        };
        assert_eq!(ScopeCheck::OwnAfzender.check(&a, &afz("12345678")), allow);
        assert_eq!(ScopeCheck::OwnAfzender.check(&a, &afz("23456789")), no);
        assert_eq!(ScopeCheck::OwnAfzender.check(&g, &afz("0599")), allow);
        assert_eq!(ScopeCheck::OwnAfzender.check(&a, &Facts::default()), no);
        let party = |s| Facts {
            party: Some(s),
            ..Facts::default()
        };
        assert_eq!(ScopeCheck::OwnParty.check(&a, &party("12345678")), allow);
        assert_eq!(ScopeCheck::OwnParty.check(&a, &party("0599")), no);
        let parties = ["0599", "23456789"];
        let f = Facts {
            parties: &parties,
            ..Facts::default()
        };
        assert_eq!(ScopeCheck::Concerns.check(&a, &f), no);
        assert_eq!(ScopeCheck::Concerns.check(&g, &f), allow);
        let team = |t, g| Facts {
            team: Some(t),
            gemeente: g,
            ..Facts::default()
        };
        assert_eq!(ScopeCheck::OwnTeam.check(&t, &team("noord", None)), allow);
        assert_eq!(
            ScopeCheck::OwnTeam.check(&t, &team("noord", Some("0599"))),
            allow
        );
        assert_eq!(ScopeCheck::OwnTeam.check(&t, &team("zuid", None)), no);
        assert_eq!(
            ScopeCheck::OwnTeam.check(&t, &team("noord", Some("0363"))),
            no
        );
        // An operator has no party: nothing "concerns" it.
        assert_eq!(
            ScopeCheck::Concerns.check(&principal(Role::Operator), &f),
            no
        );
    }

    #[test]
    fn scopes_must_fit_their_role() {
        let sc = |p: Option<&str>, g: Option<&str>, t: Option<&str>| Scope {
            party: p.map(Into::into),
            gemeente: g.map(Into::into),
            team: t.map(Into::into),
        };
        assert!(Principal::new("x", Role::Aanbieder, &sc(None, None, None)).is_err());
        assert!(Principal::new("x", Role::Aanbieder, &sc(Some("0599"), None, None)).is_err());
        let g = Principal::new("x", Role::Gemeente, &sc(Some("0599"), None, None)).expect("ok");
        assert_eq!(g.gemeente.as_deref(), Some("0599"));
        assert!(
            Principal::new("x", Role::Gemeente, &sc(Some("0599"), Some("0363"), None)).is_err()
        );
        assert!(Principal::new("x", Role::Gebiedsteam, &sc(None, Some("0599"), None)).is_err());
        assert!(
            Principal::new("x", Role::Gebiedsteam, &sc(None, Some("0599"), Some("a b"))).is_err()
        );
        assert!(Principal::new("x", Role::Contractmanager, &sc(None, None, None)).is_err());
        assert!(Principal::new("x", Role::Operator, &sc(Some("12345678"), None, None)).is_err());
        assert_eq!(Role::parse("gebiedsteam"), Some(Role::Gebiedsteam));
        assert_eq!(Role::parse("admin"), None);
    }
}
