"""stripe-python's webhook helpers against deliveries the sandbox signs: a receiver on 127.0.0.1,
a Connect endpoint, an account update, and `stripe.Webhook.construct_event` on the raw body."""

import json
import unittest

import stripe

from _common import Receiver, client

CUSTOM = {"type": "custom", "country": "US", "capabilities": {"transfers": {"requested": True}}}


class Webhooks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stripe = client()
        cls.hook = Receiver()
        cls.endpoint = cls.stripe.v1.webhook_endpoints.create(
            params={
                "url": cls.hook.url,
                "enabled_events": ["account.updated"],
                "connect": True,
            }
        )
        cls.account = cls.stripe.v1.accounts.create(params=CUSTOM)
        cls.stripe.v1.accounts.update(cls.account.id, params={"metadata": {"plan": "pro"}})

        def is_update(hit):
            body = json.loads(hit["body"])
            return body["type"] == "account.updated" and body.get("account") == cls.account.id

        cls.delivery = cls.hook.wait_for(is_update, "account.updated delivery")

    @classmethod
    def tearDownClass(cls):
        cls.hook.close()

    def signature(self):
        return self.delivery["headers"]["stripe-signature"]

    def test_endpoint_secret(self):
        self.assertTrue(self.endpoint.secret.startswith("whsec_"))
        self.assertEqual(self.endpoint.status, "enabled")

    def test_construct_event(self):
        event = stripe.Webhook.construct_event(
            self.delivery["body"], self.signature(), self.endpoint.secret
        )
        self.assertIsInstance(event, stripe.Event)
        self.assertEqual(event.type, "account.updated")
        self.assertEqual(event.account, self.account.id)
        self.assertIsInstance(event.data.object, stripe.Account)
        self.assertEqual(event.data.object.metadata["plan"], "pro")
        as_text = self.stripe.construct_event(
            self.delivery["body"].decode("utf-8"), self.signature(), self.endpoint.secret
        )
        self.assertEqual(as_text.id, event.id)
        fetched = self.stripe.v1.events.retrieve(event.id, options={"stripe_account": self.account.id})
        self.assertEqual(fetched.type, "account.updated")

    def test_rejects_tampering_and_wrong_secrets(self):
        tampered = self.delivery["body"].replace(b'"pro"', b'"free"')
        with self.assertRaises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(tampered, self.signature(), self.endpoint.secret)
        with self.assertRaises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(self.delivery["body"], self.signature(), "whsec_wrong")
        # A header the SDK generates for the same secret verifies too (same scheme).
        header = stripe.WebhookSignature.generate_signature_header(
            tampered.decode("utf-8"), self.endpoint.secret
        )
        event = stripe.Webhook.construct_event(tampered, header, self.endpoint.secret)
        self.assertEqual(event.data.object.metadata["plan"], "free")


if __name__ == "__main__":
    unittest.main(verbosity=2)
