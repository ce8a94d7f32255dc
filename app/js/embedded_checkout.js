// Mounts Stripe's embedded Checkout: loads stripe-js from `jsUrl` (Stripe's own script online,
// the sandbox's stand-in offline) and uses the same calls either way. Newer stripe-js names the
// call createEmbeddedCheckoutPage; older ones initEmbeddedCheckout.

function loadScript(url) {
  if (window.Stripe) return Promise.resolve();
  const existing = document.querySelector(`script[data-comptoir-stripe-js]`);
  if (existing) {
    return new Promise((resolve, reject) => {
      existing.addEventListener("load", () => resolve(), { once: true });
      existing.addEventListener("error", () => reject(new Error("stripe-js failed to load")), { once: true });
    });
  }
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = url;
    script.async = true;
    script.dataset.comptoirStripeJs = "";
    script.addEventListener("load", () => resolve(), { once: true });
    script.addEventListener("error", () => reject(new Error("stripe-js failed to load from " + url)), { once: true });
    document.head.appendChild(script);
  });
}

export async function mountEmbeddedCheckout(jsUrl, publishableKey, stripeAccount, clientSecret, element) {
  await loadScript(jsUrl);
  if (typeof window.Stripe !== "function") throw new Error("stripe-js did not define Stripe()");
  const stripe = window.Stripe(publishableKey, { stripeAccount });
  const init = stripe.createEmbeddedCheckoutPage || stripe.initEmbeddedCheckout;
  const checkout = await init.call(stripe, { fetchClientSecret: () => Promise.resolve(clientSecret) });
  checkout.mount(element);
  return checkout;
}

export function destroyEmbeddedCheckout(checkout) {
  try {
    checkout.destroy();
  } catch (_) {
    // Already destroyed: nothing to do.
  }
}
