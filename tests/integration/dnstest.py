"""Python side of the DNS tests (the C side is dnstest.c): a TXT lookup
against the test's unbound, in the form python3-dkim's verifiers take
(dnsfunc), for the cross-checks of test-dkim.py and test-arc.py."""
import dns.resolver


def txt_dnsfunc(port):
    """dnsfunc(name) -> the first TXT record's strings joined, or None."""
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    res.port = int(port)
    res.lifetime = 5

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        try:
            ans = res.resolve(name, "TXT")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return None
        return b"".join(ans[0].strings)

    return dnsfunc
