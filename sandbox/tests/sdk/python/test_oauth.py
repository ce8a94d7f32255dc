"""stripe-python's Connect OAuth helpers against the sandbox: authorize URL, token exchange (client
and legacy styles), refresh, deauthorize, and the OAuth error classes."""

import unittest
import urllib.parse

import stripe

from _common import URL, client, consent, platform, use_globals

# The legacy `stripe.OAuth.authorize_url` reads `connect_api_base` when `stripe._oauth` is first
# imported, so the globals are set before anything touches `stripe.OAuth`.
use_globals()

REDIRECT = "https://platform.example/oauth/callback"


class OAuth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.me = platform()
        stripe.client_id = cls.me["client_id"]
        cls.stripe = client(client_id=cls.me["client_id"])

    def connect(self, express=False):
        url = self.stripe.oauth.authorize_url(
            params={"redirect_uri": REDIRECT, "scope": "read_write", "state": "s-1"},
            options={"express": express},
        )
        self.assertTrue(url.startswith(URL + ("/express" if express else "") + "/oauth/authorize?"), url)
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(url).query))
        self.assertEqual(query["client_id"], self.me["client_id"])
        back = consent(url)
        self.assertEqual(back["state"], "s-1")
        return back["code"]

    def test_client_token_exchange_and_refresh(self):
        token = self.stripe.oauth.token(
            params={"grant_type": "authorization_code", "code": self.connect()}
        )
        self.assertTrue(token.access_token.startswith("sk_test_"))
        self.assertTrue(token.stripe_user_id.startswith("acct_"))
        self.assertEqual(token.token_type, "bearer")
        self.assertEqual(token.scope, "read_write")
        merchant = client(token.access_token)
        self.assertEqual(merchant.v1.accounts.retrieve_current().id, token.stripe_user_id)
        via_header = self.stripe.v1.accounts.retrieve(token.stripe_user_id)
        self.assertEqual(via_header.id, token.stripe_user_id)
        refreshed = self.stripe.oauth.token(
            params={"grant_type": "refresh_token", "refresh_token": token.refresh_token}
        )
        self.assertEqual(refreshed.stripe_user_id, token.stripe_user_id)
        self.assertEqual(
            client(refreshed.access_token).v1.accounts.retrieve_current().id,
            token.stripe_user_id,
        )

    def test_legacy_token_and_deauthorize(self):
        code = self.connect()
        token = stripe.OAuth.token(grant_type="authorization_code", code=code)
        self.assertTrue(token["access_token"].startswith("sk_test_"))
        acct = token["stripe_user_id"]
        self.assertEqual(stripe.Account.retrieve(acct).id, acct)
        legacy_url = stripe.OAuth.authorize_url(redirect_uri=REDIRECT, scope="read_only")
        self.assertTrue(legacy_url.startswith(URL + "/oauth/authorize?"), legacy_url)
        with self.assertRaises(stripe.oauth_error.InvalidGrantError):
            stripe.OAuth.token(grant_type="authorization_code", code=code)
        res = stripe.OAuth.deauthorize(stripe_user_id=acct)
        self.assertEqual(res["stripe_user_id"], acct)
        with self.assertRaises(stripe.AuthenticationError):
            client(token["access_token"]).v1.accounts.retrieve_current()
        with self.assertRaises(stripe.PermissionError):
            stripe.Account.retrieve(acct)

    def test_client_deauthorize(self):
        token = self.stripe.oauth.token(
            params={"grant_type": "authorization_code", "code": self.connect()}
        )
        res = self.stripe.oauth.deauthorize(params={"stripe_user_id": token.stripe_user_id})
        self.assertEqual(res.stripe_user_id, token.stripe_user_id)
        with self.assertRaises(stripe.oauth_error.OAuthError):
            self.stripe.oauth.deauthorize(params={"stripe_user_id": token.stripe_user_id})

    def test_oauth_errors(self):
        with self.assertRaises(stripe.oauth_error.InvalidGrantError):
            self.stripe.oauth.token(params={"grant_type": "authorization_code", "code": "ac_unknown"})
        with self.assertRaises(stripe.oauth_error.OAuthError):
            self.stripe.oauth.token(params={"grant_type": "password", "code": "x"})

    def test_express(self):
        token = self.stripe.oauth.token(
            params={"grant_type": "authorization_code", "code": self.connect(express=True)}
        )
        self.assertEqual(self.stripe.v1.accounts.retrieve(token.stripe_user_id).type, "express")


if __name__ == "__main__":
    unittest.main(verbosity=2)
