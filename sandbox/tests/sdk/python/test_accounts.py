"""stripe-python against the sandbox: connected accounts, account links and sessions, listing with
auto-pagination, idempotent retries, payment method configurations, error classes."""

import json
import time
import unittest
import urllib.request

import stripe

from _common import KEY, URL, client, platform, use_globals

CUSTOM = {"type": "custom", "country": "US", "capabilities": {"transfers": {"requested": True}}}


class Accounts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stripe = client()
        cls.me = platform()
        cls.account = cls.stripe.v1.accounts.create(
            params={
                "country": "US",
                "email": "py-merchant@example.com",
                "controller": {
                    "fees": {"payer": "application"},
                    "losses": {"payments": "application"},
                    "requirement_collection": "stripe",
                    "stripe_dashboard": {"type": "express"},
                },
                "capabilities": {
                    "card_payments": {"requested": True},
                    "transfers": {"requested": True},
                },
                "metadata": {"source": "stripe-python"},
            }
        )

    def test_create_with_controller_properties(self):
        a = self.account
        self.assertIsInstance(a, stripe.Account)
        self.assertTrue(a.id.startswith("acct_"))
        self.assertEqual(a.type, "express")
        self.assertEqual(a.controller.stripe_dashboard.type, "express")
        self.assertEqual(a.controller.losses.payments, "application")
        self.assertEqual(a.metadata["source"], "stripe-python")
        self.assertEqual(a.capabilities["card_payments"], "inactive")
        self.assertTrue(a.last_response.request_id.startswith("req_"))

    def test_account_link(self):
        link = self.stripe.v1.account_links.create(
            params={
                "account": self.account.id,
                "refresh_url": "https://platform.example/refresh",
                "return_url": "https://platform.example/return",
                "type": "account_onboarding",
            }
        )
        self.assertIsInstance(link, stripe.AccountLink)
        self.assertTrue(link.url.startswith(URL), link.url)
        with urllib.request.urlopen(link.url) as page:
            self.assertEqual(page.status, 200)

    def test_account_session_with_components(self):
        session = self.stripe.v1.account_sessions.create(
            params={
                "account": self.account.id,
                "components": {
                    "account_onboarding": {"enabled": True},
                    "payments": {
                        "enabled": True,
                        "features": {"refund_management": True, "capture_payments": False},
                    },
                    "payouts": {"enabled": True},
                },
            }
        )
        self.assertIsInstance(session, stripe.AccountSession)
        self.assertTrue(session.client_secret.startswith("accs_secret__"))
        self.assertTrue(session.components.account_onboarding.enabled)
        self.assertFalse(session.components.payments.features.capture_payments)
        self.assertTrue(session.components.payouts.enabled)
        self.assertFalse(session.components.documents.enabled)

    def test_retrieve_and_update(self):
        updated = self.stripe.v1.accounts.update(
            self.account.id,
            params={"business_profile": {"url": "https://py-merchant.example"}, "metadata": {"tier": "gold"}},
        )
        self.assertEqual(updated.business_profile.url, "https://py-merchant.example")
        got = self.stripe.v1.accounts.retrieve(self.account.id)
        self.assertEqual(got.metadata["tier"], "gold")
        self.assertEqual(got.metadata["source"], "stripe-python")
        own = self.stripe.v1.accounts.retrieve_current()
        self.assertEqual(own.id, self.me["account_id"])

    def test_auto_pagination(self):
        created = [self.stripe.v1.accounts.create(params=CUSTOM).id for _ in range(5)]
        page = self.stripe.v1.accounts.list(params={"limit": 2})
        self.assertTrue(page.has_more)
        self.assertEqual(len(page.data), 2)
        self.assertEqual(page.data[0].id, created[-1], "newest first")
        seen = [a.id for a in page.auto_paging_iter()]
        for acct in created + [self.account.id]:
            self.assertIn(acct, seen)
        self.assertEqual(len(seen), len(set(seen)))
        # The legacy API pages the same way (it follows the list's `url`).
        use_globals()
        legacy = [a.id for a in stripe.Account.list(limit=3).auto_paging_iter()]
        self.assertEqual(sorted(legacy), sorted(seen))

    def test_list_filters_in_the_query_string(self):
        # requests percent-encodes the brackets of `created[gte]` in GET queries.
        events = self.stripe.v1.events.list(params={"created": {"gte": 0}, "limit": 3})
        self.assertEqual(events.object, "list")
        recent = self.stripe.v1.accounts.list(params={"created": {"gte": self.account.created}, "limit": 100})
        self.assertIn(self.account.id, [a.id for a in recent.data])
        none = self.stripe.v1.accounts.list(params={"created": {"lt": 0}})
        self.assertEqual(len(none.data), 0)

    def test_injected_faults(self):
        def faults(body):
            req = urllib.request.Request(
                URL + "/_sandbox/faults",
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
            )
            urllib.request.urlopen(req).read()

        key = "py-fault-%d" % time.time_ns()
        faults({"rate_500": 1, "path_prefix": "/v1/accounts"})
        try:
            with self.assertRaises(stripe.APIError) as err:
                client(max_network_retries=1).v1.accounts.create(
                    params=CUSTOM, options={"idempotency_key": key}
                )
            self.assertEqual(err.exception.http_status, 500)
            faults({"rate_429": 1, "path_prefix": "/v1/accounts"})
            with self.assertRaises(stripe.RateLimitError):
                self.stripe.v1.accounts.list()
        finally:
            faults({})
        ok = self.stripe.v1.accounts.create(params=CUSTOM, options={"idempotency_key": key})
        self.assertTrue(ok.id.startswith("acct_"))

    def test_idempotent_retry(self):
        key = "py-idem-%d" % time.time_ns()
        first = self.stripe.v1.accounts.create(params=CUSTOM, options={"idempotency_key": key})
        second = self.stripe.v1.accounts.create(params=CUSTOM, options={"idempotency_key": key})
        self.assertEqual(first.id, second.id)
        self.assertEqual(second.last_response.idempotency_key, key)
        with self.assertRaises(stripe.IdempotencyError):
            self.stripe.v1.accounts.create(
                params={**CUSTOM, "country": "FR"}, options={"idempotency_key": key}
            )

    def test_payment_method_configurations(self):
        parents = self.stripe.v1.payment_method_configurations.list()
        self.assertEqual(len(parents.data), 1)
        parent = parents.data[0]
        self.assertIsInstance(parent, stripe.PaymentMethodConfiguration)
        self.assertTrue(parent.is_default)
        opts = {"stripe_account": self.account.id}
        child = self.stripe.v1.payment_method_configurations.list(options=opts).data[0]
        self.assertEqual(child.parent, parent.id)
        self.assertEqual(child.application, self.me["client_id"])
        self.assertTrue(child.card.display_preference.overridable)
        updated = self.stripe.v1.payment_method_configurations.update(
            child.id,
            params={"card": {"display_preference": {"preference": "off"}}},
            options=opts,
        )
        self.assertEqual(updated.card.display_preference.value, "off")
        again = self.stripe.v1.payment_method_configurations.retrieve(child.id, options=opts)
        self.assertEqual(again.card.display_preference.preference, "off")

    def test_error_classes(self):
        with self.assertRaises(stripe.InvalidRequestError) as missing:
            self.stripe.v1.webhook_endpoints.retrieve("we_doesnotexist")
        self.assertEqual(missing.exception.http_status, 404)
        self.assertEqual(missing.exception.code, "resource_missing")
        self.assertTrue(missing.exception.request_id.startswith("req_"))
        with self.assertRaises(stripe.InvalidRequestError) as bad:
            self.stripe.v1.account_links.create(params={"account": self.account.id, "type": "account_onboarding"})
        self.assertEqual(bad.exception.code, "parameter_missing")
        with self.assertRaises(stripe.AuthenticationError) as auth:
            client("sk_test_bad").v1.accounts.list()
        self.assertEqual(auth.exception.http_status, 401)
        with self.assertRaises(stripe.PermissionError):
            self.stripe.v1.accounts.retrieve("acct_1NotConnected00")
        with self.assertRaises(stripe.CardError) as declined:
            self.stripe.v1.payment_intents.create(
                params={
                    "amount": 1500,
                    "currency": "usd",
                    "payment_method_types": ["card"],
                    "payment_method": "pm_card_visa_chargeDeclined",
                    "confirm": True,
                }
            )
        self.assertEqual(declined.exception.http_status, 402)
        self.assertEqual(declined.exception.code, "card_declined")
        self.assertEqual(declined.exception.error.decline_code, "generic_decline")
        self.assertTrue(declined.exception.error.payment_intent.id.startswith("pi_"))
        use_globals("sk_live_nope")
        try:
            with self.assertRaises(stripe.AuthenticationError):
                stripe.Account.list()
        finally:
            use_globals(KEY)

    def test_delete(self):
        doomed = self.stripe.v1.accounts.create(params=CUSTOM)
        deleted = self.stripe.v1.accounts.delete(doomed.id)
        self.assertTrue(deleted.deleted)
        self.assertEqual(deleted.id, doomed.id)


if __name__ == "__main__":
    unittest.main(verbosity=2)
