"""stripe-python: payment method configurations decide what a Checkout Session on a connected
account offers. Parent defaults (sandbox endpoint: Dashboard-only on Stripe), the account's child
preferences (API), blocked methods, and `payment_method_configuration`."""

import json
import unittest
import urllib.request

import stripe

from _common import KEY, URL, client, use_globals

ACCOUNT = {
    "type": "custom",
    "country": "FR",
    "business_type": "individual",
    "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
    "business_profile": {"mcc": "5812", "url": "https://fromagerie.example"},
    "individual": {
        "first_name": "Louis",
        "last_name": "Bernard",
        "email": "louis@example.com",
        "phone": "0000000000",
        "dob": {"day": 1, "month": 1, "year": 1901},
        "id_number": "000000000",
        "address": {"line1": "address_full_match", "city": "Lyon", "postal_code": "69001"},
    },
    "external_account": {
        "object": "bank_account",
        "country": "FR",
        "currency": "eur",
        "account_number": "FR1420041010050500013M02606",
    },
    "tos_acceptance": {"date": 1700000000, "ip": "127.0.0.1"},
}


def set_defaults(body):
    req = urllib.request.Request(
        URL + "/_sandbox/payment_method_configurations/defaults",
        data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + KEY, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read())


class PaymentMethods(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stripe = client()
        cls.account = cls.stripe.v1.accounts.create(params=ACCOUNT)
        cls.opts = {"stripe_account": cls.account.id}
        cls.parent = cls.stripe.v1.payment_method_configurations.list().data[0]
        cls.child = cls.stripe.v1.payment_method_configurations.list(options=cls.opts).data[0]
        set_defaults({"bancontact": "on_by_default", "sofort": "blocked"})

    def session(self, **extra):
        params = {
            "mode": "payment",
            "success_url": "https://fromagerie.example/ok",
            "line_items": [
                {
                    "price_data": {
                        "currency": "eur",
                        "unit_amount": 900,
                        "product_data": {"name": "Comté"},
                    },
                    "quantity": 1,
                }
            ],
            **extra,
        }
        return self.stripe.v1.checkout.sessions.create(params=params, options=self.opts)

    def test_1_child_shape_and_defaults(self):
        self.assertTrue(self.account.charges_enabled)
        child = self.stripe.v1.payment_method_configurations.retrieve(self.child.id, options=self.opts)
        self.assertIsInstance(child, stripe.PaymentMethodConfiguration)
        self.assertEqual(child.parent, self.parent.id)
        self.assertEqual(child.bancontact.display_preference.value, "on")
        self.assertTrue(child.bancontact.display_preference.overridable)
        self.assertFalse(child.sofort.display_preference.overridable)
        cs = self.session()
        self.assertEqual(cs.payment_method_types, ["card", "bancontact"])
        self.assertEqual(cs.payment_method_configuration_details.id, self.child.id)
        self.assertEqual(cs.payment_method_configuration_details.parent, self.parent.id)

    def test_2_account_preferences(self):
        self.stripe.v1.payment_method_configurations.update(
            self.child.id,
            params={"bancontact": {"display_preference": {"preference": "off"}}},
            options=self.opts,
        )
        self.assertEqual(self.session().payment_method_types, ["card"])
        with self.assertRaises(stripe.InvalidRequestError) as blocked:
            self.stripe.v1.payment_method_configurations.update(
                self.child.id,
                params={"sofort": {"display_preference": {"preference": "on"}}},
                options=self.opts,
            )
        self.assertEqual(blocked.exception.param, "sofort[display_preference][preference]")
        self.stripe.v1.payment_method_configurations.update(
            self.child.id,
            params={"bancontact": {"display_preference": {"preference": "none"}}},
            options=self.opts,
        )
        cs = self.session(payment_method_configuration=self.parent.id)
        self.assertEqual(cs.payment_method_types, ["card", "bancontact"])

    def test_3_legacy_api_and_filters(self):
        use_globals()
        listed = stripe.PaymentMethodConfiguration.list(
            application=self.child.application, stripe_account=self.account.id
        )
        self.assertEqual([c.id for c in listed.data], [self.child.id])
        none = stripe.PaymentMethodConfiguration.list(active=False)
        self.assertEqual(len(none.data), 0)
        direct = stripe.PaymentMethodConfiguration.create(
            name="Subscriptions", card={"display_preference": {"preference": "on"}}
        )
        self.assertFalse(direct.is_default)
        self.assertIsNone(direct.parent)
        renamed = stripe.PaymentMethodConfiguration.modify(direct.id, name="Recurring", active=False)
        self.assertEqual(renamed.name, "Recurring")
        self.assertFalse(renamed.active)


if __name__ == "__main__":
    unittest.main(verbosity=2)
