// Stripe's quickstart client code for Connect embedded components
// (docs.stripe.com/connect/get-started-connect-embedded-components), unchanged but for the
// import line, which loads Comptoir's loader instead of @stripe/connect-js.
import {loadConnectAndInitialize} from '{{COMPTOIR}}/embed/connect.js';

const fetchClientSecret = async () => {
  // Fetch the AccountSession client secret
  const response = await fetch('/account_session', { method: "POST" });
  if (!response.ok) {
    // Handle errors on the client side here
    const {error} = await response.json();
    console.error('An error occurred: ', error);
    document.querySelector('#error').removeAttribute('hidden');
    return undefined;
  } else {
    const {client_secret: clientSecret} = await response.json();
    document.querySelector('#error').setAttribute('hidden', '');
    return clientSecret;
  }
}

const stripeConnectInstance = loadConnectAndInitialize({
    // This is your test publishable API key.
    publishableKey: "pk_test_quickstart",
    fetchClientSecret: fetchClientSecret,
  });
const paymentComponent = stripeConnectInstance.create("payments");
const container = document.getElementById("container");
container.appendChild(paymentComponent);
