//! Who is on the other end of a request: the connection's peer, or — only when that peer is a
//! proxy the operator named — the client the proxy says it forwards for. Throttling counts
//! failures per client address, and a merchant's acceptance of Stripe's terms records it, so a
//! client must not be able to choose it by sending `X-Forwarded-For` itself.

use std::{fmt, net::IpAddr, str::FromStr};

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, de};

/// The request's client address, as [`TrustedProxies::client_ip`] decided it; `None` when the
/// server runs without connection info (never in `comptoir serve`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

/// The proxies whose `X-Forwarded-For` is believed: addresses or networks (`10.0.0.0/8`).
/// Empty (the default) believes nobody: the peer is the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an IP address or a network such as 10.0.0.0/8")]
pub struct InvalidProxy(String);

impl TrustedProxies {
    /// Reads a comma- or whitespace-separated list of addresses and networks.
    pub fn parse_list(text: &str) -> Result<Self, InvalidProxy> {
        text.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|entry| !entry.is_empty())
            .map(parse_entry)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client of a request that arrived from `peer` with these `X-Forwarded-For` values
    /// (each a comma-separated chain, oldest hop first). An untrusted peer is the client. A
    /// trusted peer's chain is read from the right, skipping the proxies named here: the first
    /// address no trusted proxy made up is the client. A chain that cannot be read stops the
    /// walk at the last trusted hop.
    pub fn client_ip<'a>(
        &self,
        peer: Option<IpAddr>,
        forwarded_for: impl IntoIterator<Item = &'a str>,
    ) -> ClientIp {
        let Some(peer) = peer else {
            return ClientIp(None);
        };
        if !self.trusts(peer) {
            return ClientIp(Some(peer));
        }
        let chain: Vec<&str> = forwarded_for
            .into_iter()
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in chain.iter().rev() {
            let Ok(address) = hop.parse::<IpAddr>() else {
                break;
            };
            client = canonical(address);
            if !self.trusts(client) {
                break;
            }
        }
        ClientIp(Some(client))
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries: Vec<String> = self.0.iter().map(IpNet::to_string).collect();
        f.write_str(&entries.join(", "))
    }
}

impl FromStr for TrustedProxies {
    type Err = InvalidProxy;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse_list(text)
    }
}

/// A list in a config file, or one text (an environment variable) separated by commas.
impl<'de> Deserialize<'de> for TrustedProxies {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Given {
            Text(String),
            List(Vec<String>),
        }
        let text = match Given::deserialize(deserializer)? {
            Given::Text(text) => text,
            Given::List(list) => list.join(","),
        };
        Self::parse_list(&text).map_err(de::Error::custom)
    }
}

fn parse_entry(entry: &str) -> Result<IpNet, InvalidProxy> {
    entry
        .parse::<IpNet>()
        .or_else(|_| entry.parse::<IpAddr>().map(|ip| IpNet::from(canonical(ip))))
        .map(|net| net.trunc())
        .map_err(|_| InvalidProxy(entry.to_string()))
}

/// An IPv4 address mapped into IPv6 (`::ffff:10.0.0.1`, how a dual-stack socket reports IPv4
/// peers) is the IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn proxies(text: &str) -> TrustedProxies {
        TrustedProxies::parse_list(text).unwrap()
    }

    #[test]
    fn nobody_trusted_means_the_peer_is_the_client_whatever_the_header_says() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_ip(Some(ip("198.51.100.4")), ["203.0.113.7"]),
            ClientIp(Some(ip("198.51.100.4")))
        );
        assert_eq!(none.client_ip(None, ["203.0.113.7"]), ClientIp(None));
    }

    #[test]
    fn a_trusted_proxy_s_chain_is_read_from_the_right_past_the_trusted_hops() {
        let trusted = proxies("10.0.0.0/8, 192.0.2.1");
        let peer = Some(ip("10.1.2.3"));
        // The client forged the first entry; the proxies appended the rest.
        let chain = ["6.6.6.6, 203.0.113.7, 192.0.2.1"];
        assert_eq!(
            trusted.client_ip(peer, chain),
            ClientIp(Some(ip("203.0.113.7")))
        );
        // Several header lines are one chain.
        assert_eq!(
            trusted.client_ip(peer, ["6.6.6.6", "203.0.113.7", "10.9.9.9"]),
            ClientIp(Some(ip("203.0.113.7")))
        );
        // No header: the proxy itself.
        assert_eq!(trusted.client_ip(peer, []), ClientIp(peer));
        // Only proxies in the chain: the oldest of them.
        assert_eq!(
            trusted.client_ip(peer, ["10.0.0.9, 192.0.2.1"]),
            ClientIp(Some(ip("10.0.0.9")))
        );
        // Garbage stops the walk at the last trusted hop.
        assert_eq!(
            trusted.client_ip(peer, ["203.0.113.7, junk, 192.0.2.1"]),
            ClientIp(Some(ip("192.0.2.1")))
        );
        // An untrusted peer sending the same header is its own client.
        assert_eq!(
            trusted.client_ip(Some(ip("198.51.100.4")), chain),
            ClientIp(Some(ip("198.51.100.4")))
        );
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_networks() {
        let trusted = proxies("127.0.0.1");
        assert_eq!(
            trusted.client_ip(Some(ip("::ffff:127.0.0.1")), ["203.0.113.7"]),
            ClientIp(Some(ip("203.0.113.7")))
        );
    }

    #[test]
    fn lists_parse_from_text_and_refuse_what_is_not_an_address() {
        assert_eq!(
            proxies(" 10.0.0.1,\t2001:db8::/32  127.0.0.0/8 ").0.len(),
            3
        );
        assert!(proxies("").is_empty());
        let err = TrustedProxies::parse_list("10.0.0.1, proxy.internal").unwrap_err();
        assert!(err.to_string().contains("proxy.internal"), "{err}");
        assert!(TrustedProxies::parse_list("10.0.0.0/33").is_err());
        let from_list: TrustedProxies =
            serde_json::from_value(serde_json::json!(["10.0.0.1", "10.0.1.0/24"])).unwrap();
        assert_eq!(from_list.to_string(), "10.0.0.1/32, 10.0.1.0/24");
    }
}
