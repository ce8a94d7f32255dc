// A stand-in for Stripe's Connect.js runtime that records how the loader's "stripe" renderer
// drives it (offline tests cannot reach connect-js.stripe.com).
window.__stripeConnectCalls = [];
const record = (call) => window.__stripeConnectCalls.push(call);
window.StripeConnect = {
  init(params) {
    record({ method: "init", publishableKey: params.publishableKey, hasFetchClientSecret: typeof params.fetchClientSecret === "function", locale: params.locale });
    params.fetchClientSecret().then((secret) => record({ method: "fetchClientSecret", secret }));
    return {
      create(tag) {
        record({ method: "create", tag });
        const element = document.createElement(`stripe-connect-${tag}`);
        element.textContent = `Stripe's ${tag} component`;
        element.setDefaultFilters = (filters) => record({ method: "setDefaultFilters", filters });
        element.setOnLoadError = () => record({ method: "setOnLoadError" });
        return element;
      },
      update(options) {
        record({ method: "update", options });
      },
      logout() {
        record({ method: "logout" });
        return Promise.resolve();
      },
    };
  },
};
