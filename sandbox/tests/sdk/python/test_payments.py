"""stripe-python against the sandbox's payments family: a direct charge through Checkout on a
connected account (completed by the test helper), card errors, refunds, payouts, pagination."""

import json
import unittest
import urllib.error
import urllib.parse
import urllib.request

import stripe

from _common import KEY, URL, client

ACCOUNT = {
    "type": "custom",
    "country": "US",
    "business_type": "individual",
    "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
    "business_profile": {"mcc": "5734", "url": "https://py-shop.example"},
    "individual": {
        "first_name": "Jenny",
        "last_name": "Rosen",
        "email": "jenny@example.com",
        "phone": "0000000000",
        "dob": {"day": 1, "month": 1, "year": 1901},
        "id_number": "000000000",
        "address": {
            "line1": "address_full_match",
            "city": "San Francisco",
            "state": "CA",
            "postal_code": "94111",
        },
    },
    "external_account": "btok_us_verified",
    "tos_acceptance": {"date": 1700000000, "ip": "127.0.0.1"},
}


class Payments(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stripe = client()
        cls.account = cls.stripe.v1.accounts.create(params=ACCOUNT)
        cls.opts = {"stripe_account": cls.account.id}

    def complete(self, session_id, form):
        req = urllib.request.Request(
            URL + "/v1/test_helpers/checkout/sessions/%s/complete" % session_id,
            data=urllib.parse.urlencode(form).encode(),
            headers={"Authorization": "Bearer " + KEY, "Stripe-Account": self.account.id},
        )
        try:
            with urllib.request.urlopen(req) as res:
                return res.status, json.loads(res.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def test_checkout_direct_charge(self):
        session = self.stripe.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "success_url": "https://py-shop.example/ok?cs={CHECKOUT_SESSION_ID}",
                "line_items": [
                    {
                        "price_data": {
                            "currency": "usd",
                            "unit_amount": 4200,
                            "product_data": {"name": "Pie"},
                        },
                        "quantity": 1,
                    }
                ],
                "payment_intent_data": {"application_fee_amount": 420},
            },
            options=self.opts,
        )
        self.assertIsInstance(session, stripe.checkout.Session)
        self.assertTrue(session.url.startswith(URL))
        status, body = self.complete(session.id, {"payment_method": "pm_card_visa"})
        self.assertEqual(status, 200, body)
        done = self.stripe.v1.checkout.sessions.retrieve(
            session.id, params={"expand": ["payment_intent.latest_charge"]}, options=self.opts
        )
        self.assertEqual(done.payment_status, "paid")
        charge = done.payment_intent.latest_charge
        self.assertIsInstance(charge, stripe.Charge)
        self.assertEqual(charge.application_fee_amount, 420)
        fees = self.stripe.v1.application_fees.list(params={"charge": charge.id})
        self.assertEqual(len(fees.data), 1)
        self.assertEqual(fees.data[0].account, self.account.id)

        status, body = self.complete(session.id, {"payment_method": "pm_card_visa"})
        self.assertEqual(status, 400, body)

    def test_card_error(self):
        with self.assertRaises(stripe.CardError) as ctx:
            self.stripe.v1.payment_intents.create(
                params={
                    "amount": 1000,
                    "currency": "usd",
                    "payment_method_types": ["card"],
                    "payment_method": "pm_card_chargeDeclinedExpiredCard",
                    "confirm": True,
                },
                options=self.opts,
            )
        self.assertEqual(ctx.exception.code, "expired_card")
        self.assertEqual(ctx.exception.http_status, 402)

    def test_refund_and_payout(self):
        pi = self.stripe.v1.payment_intents.create(
            params={
                "amount": 9000,
                "currency": "usd",
                "payment_method_types": ["card"],
                "payment_method": "pm_card_bypassPending",
                "confirm": True,
            },
            options=self.opts,
        )
        self.assertEqual(pi.status, "succeeded")
        refund = self.stripe.v1.refunds.create(
            params={"payment_intent": pi.id, "amount": 1000}, options=self.opts
        )
        self.assertEqual(refund.amount, 1000)
        with self.assertRaises(stripe.InvalidRequestError) as ctx:
            self.stripe.v1.refunds.create(
                params={"payment_intent": pi.id, "amount": 9000}, options=self.opts
            )
        self.assertEqual(ctx.exception.code, "amount_too_large")
        payout = self.stripe.v1.payouts.create(
            params={"amount": 2000, "currency": "usd"}, options=self.opts
        )
        self.assertEqual(payout.status, "pending")
        txns = self.stripe.v1.balance_transactions.list(params={"limit": 1}, options=self.opts)
        seen = [t.id for t in txns.auto_paging_iter()]
        self.assertEqual(len(seen), len(set(seen)))
        self.assertGreaterEqual(len(seen), 3)


if __name__ == "__main__":
    unittest.main()
