"""Shared helpers for the stripe-python tests. Each test file is run by `tests/it/sdk.rs` with:

    SANDBOX_URL         http://127.0.0.1:PORT/ (the sandbox)
    SANDBOX_SECRET_KEY  a platform's sk_test_ key

and the `target/sdk-venv` interpreter, where `stripe` is installed.
"""

import http.server
import json
import os
import re
import threading
import time
import urllib.parse
import urllib.request

import stripe

URL = os.environ["SANDBOX_URL"].rstrip("/")
KEY = os.environ["SANDBOX_SECRET_KEY"]
assert KEY.startswith("sk_test_"), "SANDBOX_SECRET_KEY must be a test secret key"

stripe.enable_telemetry = False


def client(key=KEY, **kwargs):
    """A StripeClient pointed at the sandbox for every API base, as the README shows."""
    return stripe.StripeClient(
        key,
        base_addresses={"api": URL, "connect": URL, "files": URL},
        **kwargs,
    )


def use_globals(key=KEY):
    """The legacy module-level configuration."""
    stripe.api_key = key
    stripe.api_base = URL
    stripe.connect_api_base = URL
    stripe.upload_api_base = URL


def platform():
    """The platform behind SANDBOX_SECRET_KEY (sandbox-only endpoint)."""
    req = urllib.request.Request(
        URL + "/_sandbox/platform", headers={"Authorization": "Bearer " + KEY}
    )
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def consent(authorize_url):
    """What the merchant's browser does: open the consent page, approve, read the redirect."""
    with urllib.request.urlopen(authorize_url) as res:
        html = res.read().decode("utf-8")
    match = re.search(r'name="request" value="([^"]+)"', html)
    assert match, "consent page has a request id"
    body = urllib.parse.urlencode(
        {
            "request": match.group(1),
            "decision": "approve",
            "account": "new",
            "business_name": "Python Bistro",
            "email": "py-bistro@example.com",
            "country": "FR",
        }
    ).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(URL + "/oauth/authorize/decision", data=body)
        raise AssertionError("the decision should redirect")
    except urllib.error.HTTPError as err:
        location = err.headers["Location"]
    return dict(urllib.parse.parse_qsl(urllib.parse.urlparse(location).query))


class Receiver:
    """A webhook receiver on 127.0.0.1:0 keeping raw bodies and headers."""

    def __init__(self):
        self.hits = []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                headers = {k.lower(): v for k, v in self.headers.items()}
                hits.append({"body": self.rfile.read(length), "headers": headers})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"received": true}')

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/webhooks" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, predicate, what, timeout=10.0):
        deadline = time.time() + timeout
        while True:
            for hit in list(self.hits):
                if predicate(hit):
                    return hit
            if time.time() > deadline:
                raise AssertionError("timed out waiting for " + what)
            time.sleep(0.02)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
