//! A stand-in for the part of stripe.js Comptoir uses: embedded Checkout. Served at the paths
//! stripe.js lives at (`/v3`, `/v3/`, `/{train}/stripe.js`). It defines
//! `window.Stripe(publishableKey, {stripeAccount, apiVersion, locale})` (callable with or
//! without `new`, as `loadStripe` does) with `createEmbeddedCheckoutPage(options)` and its older
//! name `initEmbeddedCheckout(options)`: options `{clientSecret | fetchClientSecret, onComplete}`,
//! resolving to `{mount, unmount, destroy}`. The iframe page is served by the sandbox origin the
//! script was loaded from; the key and `stripeAccount` are checked against the session (errors
//! in the console and a rejected promise). Other stripe.js methods throw "not supported by the
//! Comptoir sandbox".

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::AppState;

/// Release trains whose `/{train}/stripe.js` path is served.
const TRAINS: &[&str] = &["acacia", "basil", "clover", "dahlia", "endive"];

/// Routes of the script.
pub fn router() -> Router<AppState> {
    let mut router = Router::new()
        .route("/v3", get(script))
        .route("/v3/", get(script))
        .route("/stripe.js", get(script));
    for train in TRAINS {
        router = router.route(&format!("/{train}/stripe.js"), get(script));
    }
    router
}

async fn script() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-cache"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        SCRIPT,
    )
        .into_response()
}

/// The script itself.
pub const SCRIPT: &str = r#"/* Comptoir sandbox stand-in for Stripe.js (embedded Checkout only). Test mode. */
(function () {
  'use strict';
  if (window.Stripe && window.Stripe.__comptoirSandbox) { return; }
  var current = document.currentScript;
  var ORIGIN = (current && current.src) ? new URL(current.src, window.location.href).origin : window.location.origin;
  var MESSAGE = 'comptoir:checkout:';
  var activeCheckout = null;

  function integrationError(message) {
    var error = new Error(message);
    error.name = 'IntegrationError';
    error.type = 'IntegrationError';
    return error;
  }

  function unsupported(name) {
    return function () {
      throw integrationError('stripe.' + name + '() is not supported by the Comptoir sandbox (only embedded Checkout is).');
    };
  }

  function Stripe(key, options) {
    if (!(this instanceof Stripe)) { return new Stripe(key, options); }
    if (typeof key !== 'string' || key.indexOf('pk_') !== 0) {
      throw integrationError('Invalid value for Stripe(): apiKey should be a publishable key (pk_test_…). You specified: ' + String(key) + '.');
    }
    if (key.indexOf('pk_live_') === 0) {
      throw integrationError('The Comptoir sandbox runs in test mode only: use a pk_test_ key.');
    }
    options = options || {};
    this._key = key;
    this._account = options.stripeAccount || '';
    this._apiVersion = options.apiVersion || null;
    this._locale = options.locale || 'auto';
  }

  Stripe.version = 'endive';
  Stripe.__comptoirSandbox = true;

  function EmbeddedCheckout(info, options) {
    this._info = info;
    this._options = options;
    this._iframe = null;
    this._listener = null;
    this._destroyed = false;
  }

  EmbeddedCheckout.prototype.mount = function (location) {
    if (this._destroyed) {
      throw integrationError('This Embedded Checkout instance has been destroyed. Create a new one with createEmbeddedCheckoutPage() to mount it again.');
    }
    if (this._iframe) {
      throw integrationError('Embedded Checkout is already mounted. Call unmount() before mounting it again.');
    }
    var container = typeof location === 'string' ? document.querySelector(location) : location;
    if (!container || typeof container.appendChild !== 'function') {
      throw integrationError('The selector you specified (' + String(location) + ') applies to no DOM elements that are currently on the page. Make sure the element exists on the page before calling mount().');
    }
    var iframe = document.createElement('iframe');
    iframe.src = ORIGIN + this._info.path;
    iframe.title = 'Secure checkout page';
    iframe.name = 'embedded-checkout';
    iframe.setAttribute('allow', 'payment');
    iframe.setAttribute('data-testid', 'embedded-checkout-frame');
    iframe.style.cssText = 'width:100%;border:0;display:block;height:640px;overflow:hidden;';
    var self = this;
    this._listener = function (event) {
      if (event.source !== iframe.contentWindow || event.origin !== ORIGIN) { return; }
      var data = event.data || {};
      if (typeof data.type !== 'string' || data.type.indexOf(MESSAGE) !== 0) { return; }
      if (data.type === MESSAGE + 'resize' && data.height) {
        iframe.style.height = Math.ceil(data.height) + 'px';
      } else if (data.type === MESSAGE + 'complete') {
        if (data.redirect) {
          window.location.assign(data.redirect);
        } else if (typeof self._options.onComplete === 'function') {
          self._options.onComplete();
        }
      }
    };
    window.addEventListener('message', this._listener);
    container.appendChild(iframe);
    this._iframe = iframe;
  };

  EmbeddedCheckout.prototype.unmount = function () {
    if (this._listener) { window.removeEventListener('message', this._listener); }
    if (this._iframe && this._iframe.parentNode) { this._iframe.parentNode.removeChild(this._iframe); }
    this._iframe = null;
    this._listener = null;
  };

  EmbeddedCheckout.prototype.destroy = function () {
    this.unmount();
    this._destroyed = true;
    if (activeCheckout === this) { activeCheckout = null; }
  };

  function createEmbeddedCheckout(stripe, options, name) {
    options = options || {};
    if (activeCheckout) {
      return Promise.reject(integrationError('You cannot have multiple Embedded Checkout objects. Call destroy() on the existing one first.'));
    }
    if (!options.clientSecret && typeof options.fetchClientSecret !== 'function') {
      return Promise.reject(integrationError('Invalid value for ' + name + '(): fetchClientSecret should be a function that returns a Promise resolving to the Checkout Session client secret.'));
    }
    var secret = options.fetchClientSecret
      ? Promise.resolve().then(function () { return options.fetchClientSecret(); })
      : Promise.resolve(options.clientSecret);
    return secret.then(function (clientSecret) {
      if (typeof clientSecret !== 'string' || clientSecret.indexOf('_secret_') < 0) {
        throw integrationError('Invalid value for ' + name + '(): the client secret should be a Checkout Session client secret (cs_test_…_secret_…). You specified: ' + String(clientSecret) + '.');
      }
      var body = new URLSearchParams();
      body.set('client_secret', clientSecret);
      body.set('key', stripe._key);
      body.set('stripe_account', stripe._account);
      return fetch(ORIGIN + '/embedded/checkout/init', { method: 'POST', body: body }).then(function (response) {
        return response.json().then(function (payload) {
          if (!response.ok) {
            throw integrationError((payload && payload.error && payload.error.message) || 'Embedded Checkout could not be initialized.');
          }
          return payload;
        });
      });
    }).then(function (info) {
      if (activeCheckout) {
        throw integrationError('You cannot have multiple Embedded Checkout objects. Call destroy() on the existing one first.');
      }
      activeCheckout = new EmbeddedCheckout(info, options);
      return activeCheckout;
    }).catch(function (error) {
      if (window.console) { console.error('[Stripe.js]', error.message); }
      throw error;
    });
  }

  Stripe.prototype.createEmbeddedCheckoutPage = function (options) {
    return createEmbeddedCheckout(this, options, 'createEmbeddedCheckoutPage');
  };
  Stripe.prototype.initEmbeddedCheckout = function (options) {
    return createEmbeddedCheckout(this, options, 'initEmbeddedCheckout');
  };
  Stripe.prototype._registerWrapper = function () {};
  Stripe.prototype.registerAppInfo = function () {};
  ['elements', 'confirmPayment', 'confirmCardPayment', 'confirmSepaDebitPayment', 'confirmSetup',
   'createPaymentMethod', 'createToken', 'createSource', 'retrievePaymentIntent', 'handleNextAction',
   'handleCardAction', 'redirectToCheckout', 'paymentRequest', 'initCheckout', 'initCheckoutElementsSdk',
   'collectBankAccountForPayment', 'verifyIdentity', 'createConfirmationToken'].forEach(function (name) {
    Stripe.prototype[name] = unsupported(name);
  });

  window.Stripe = Stripe;
})();
"#;
