// Comptoir's widget loader: Connect.js's surface, Comptoir's widgets.
//
//   import { loadConnectAndInitialize } from "https://comptoir.example/embed/connect.js";
//   const instance = loadConnectAndInitialize({ publishableKey, fetchClientSecret, appearance, locale, fonts });
//   container.appendChild(instance.create("payments"));
//
// `create(tag)` returns a custom element (`comptoir-<tag>`) with Connect.js's setters; the widget
// inside is Leptos compiled to WASM, rendered in the element's shadow root and styled by CSS
// custom properties from `appearance.variables` (see README, "Styling the widgets").
// With `renderer: "stripe"` the same instance hands everything to Stripe's own Connect.js
// (needs the network), so a host can switch renderers without changing its code.

const BASE = new URL(".", import.meta.url);
const ORIGIN = new URL("/", BASE).href.replace(/\/$/, "");
const TAGS = [
  "payments",
  "payment-details",
  "account-onboarding",
  "notification-banner",
  "payment-method-settings",
  "payouts",
  "balances",
];
const VALUE_SETTERS = {
  setDefaultFilters: "defaultFilters",
  setPayment: "payment",
  setCollectionOptions: "collectionOptions",
};
const CALLBACK_SETTERS = {
  setOnLoadError: "loadError",
  setOnLoaderStart: "loaderStart",
  setOnClose: "close",
  setOnExit: "exit",
  setOnStepChange: "stepChange",
  setOnNotificationsChange: "notificationsChange",
};
// Accepted so Connect.js code runs unchanged; Comptoir's widgets have no use for them.
const IGNORED_SETTERS = [
  "setFullTermsOfServiceUrl",
  "setRecipientTermsOfServiceUrl",
  "setPrivacyPolicyUrl",
  "setSkipTermsOfServiceCollection",
  "setPaymentMethodConfiguration",
  "setOnSectionOpen",
];

let runtime = null;
/** Loads the widgets' WASM once per page. */
function loadRuntime() {
  if (!runtime) {
    runtime = import(new URL("../pkg/comptoir_embed.js", BASE).href).then(async (module) => {
      await module.default({ module_or_path: new URL("../pkg/comptoir_embed_bg.wasm", BASE).href });
      return module;
    });
  }
  return runtime;
}

/** `appearance.variables.colorPrimary` → `--cpt-color-primary` on the element. */
function applyAppearance(element, appearance) {
  const variables = (appearance && appearance.variables) || {};
  for (const [name, value] of Object.entries(variables)) {
    if (value === undefined || value === null) continue;
    const property = "--cpt-" + name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
    element.style.setProperty(property, typeof value === "number" ? String(value) : value);
  }
}

function loadFonts(fonts) {
  for (const font of fonts || []) {
    if (font.cssSrc) {
      const link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = font.cssSrc;
      document.head.appendChild(link);
    } else if (font.family && font.src) {
      const face = new FontFace(font.family, font.src, {
        display: font.display, style: font.style, weight: font.weight, unicodeRange: font.unicodeRange,
      });
      face.load().then((loaded) => document.fonts.add(loaded)).catch(() => {});
    }
  }
}

/** JSON for a setter value; Dates become unix seconds, as the widgets expect. */
function toJson(value) {
  return JSON.stringify(value === undefined ? null : dateAware(value));
}

function dateAware(value) {
  if (value instanceof Date) return Math.floor(value.getTime() / 1000);
  if (Array.isArray(value)) return value.map(dateAware);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, dateAware(v)]));
  }
  return value;
}

class ComptoirElement extends HTMLElement {
  constructor() {
    super();
    this._values = {};
    this._callbacks = {};
    this._mounted = null;
    this._instance = null;
    const shadow = this.attachShadow({ mode: "open" });
    const style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = new URL("../pkg/comptoir-widgets.css", BASE).href;
    this._container = document.createElement("div");
    this._container.setAttribute("part", "root");
    shadow.append(style, this._container);
  }

  get tag() {
    return this.localName.replace(/^comptoir-/, "");
  }

  connectedCallback() {
    if (!this._instance || this._mounted || this._mounting) return;
    this._mounting = true;
    this._instance._mount(this).finally(() => {
      this._mounting = false;
    });
  }

  disconnectedCallback() {
    // A React re-render may detach and re-attach the same element: wait a tick before dropping it.
    queueMicrotask(() => {
      if (!this.isConnected && this._mounted) {
        this._mounted.unmount();
        this._mounted = null;
      }
    });
  }

  _emit(event, payloadJson) {
    const callback = this._callbacks[event];
    if (typeof callback === "function") {
      try {
        callback(JSON.parse(payloadJson));
      } catch (error) {
        console.error(`Comptoir: the ${event} callback threw`, error);
      }
    }
  }
}

for (const [setter, name] of Object.entries(VALUE_SETTERS)) {
  ComptoirElement.prototype[setter] = function (value) {
    this._values[name] = toJson(value);
    if (this._mounted) this._mounted.set(name, this._values[name]);
  };
}
for (const [setter, event] of Object.entries(CALLBACK_SETTERS)) {
  ComptoirElement.prototype[setter] = function (callback) {
    this._callbacks[event] = callback;
  };
}
for (const setter of IGNORED_SETTERS) {
  ComptoirElement.prototype[setter] = function () {};
}

for (const tag of TAGS) {
  const name = `comptoir-${tag}`;
  if (!customElements.get(name)) customElements.define(name, class extends ComptoirElement {});
}

class ComptoirInstance {
  constructor(params) {
    if (typeof params.fetchClientSecret !== "function") {
      throw new Error("loadConnectAndInitialize needs a fetchClientSecret function");
    }
    this._params = params;
    this._appearance = params.appearance || {};
    this._elements = new Set();
    loadFonts(params.fonts);
    // Like Connect.js: ask for the first client secret at once, alongside the WASM download.
    const first = Promise.resolve().then(() => params.fetchClientSecret());
    first.catch(() => {});
    this._native = loadRuntime().then(
      (module) =>
        new module.EmbedInstance(
          params.apiBase || ORIGIN,
          params.fetchClientSecret,
          first,
          params.locale || navigator.language,
          this._appearance.overlays,
        ),
    );
    this._native.catch((error) => console.error("Comptoir: the widgets could not be loaded", error));
  }

  create(tag) {
    if (!TAGS.includes(tag)) {
      throw new Error(`Comptoir does not support the "${tag}" component. Supported: ${TAGS.join(", ")}.`);
    }
    const element = document.createElement(`comptoir-${tag}`);
    element._instance = this;
    applyAppearance(element, this._appearance);
    this._elements.add(element);
    return element;
  }

  async _mount(element) {
    let native;
    try {
      native = await this._native;
    } catch (error) {
      element._emit("loadError", JSON.stringify({ error: { type: "render_error", message: String(error) }, elementTagName: element.tag }));
      return;
    }
    if (!element.isConnected || element._mounted) return;
    element._mounted = native.mount(element.tag, element._container, (event, payload) => element._emit(event, payload));
    for (const [name, json] of Object.entries(element._values)) element._mounted.set(name, json);
  }

  update(options = {}) {
    if (options.appearance) {
      this._appearance = { ...this._appearance, ...options.appearance, variables: { ...(this._appearance.variables || {}), ...(options.appearance.variables || {}) } };
      for (const element of this._elements) applyAppearance(element, this._appearance);
    }
    this._native.then((native) => native.update(options.locale, options.appearance && options.appearance.overlays));
  }

  logout() {
    return this._native.then((native) => native.logout());
  }
}

/** Hands everything to Stripe's own Connect.js (needs the network). */
function stripeRenderer(params) {
  const url = params.stripeConnectJsUrl || "https://connect-js.stripe.com/v1.0/connect.js";
  const ready = new Promise((resolve, reject) => {
    if (window.StripeConnect && window.StripeConnect.init) return resolve(window.StripeConnect);
    const script = document.createElement("script");
    script.src = url;
    script.onload = () => (window.StripeConnect ? resolve(window.StripeConnect) : reject(new Error("Connect.js did not load")));
    script.onerror = () => reject(new Error(`Connect.js could not be loaded from ${url}`));
    document.head.appendChild(script);
  });
  const stripe = ready.then((StripeConnect) =>
    StripeConnect.init({
      publishableKey: params.publishableKey,
      fetchClientSecret: params.fetchClientSecret,
      appearance: params.appearance,
      locale: params.locale,
      fonts: params.fonts,
    }),
  );
  return {
    create(tag) {
      // Connect.js's own elements queue setter calls until its runtime loads; this stand-in
      // element does the same until Stripe's instance exists.
      const holder = document.createElement("div");
      holder.style.width = "100%";
      const queued = [];
      const forward = (name) =>
        function (...args) {
          queued.push([name, args]);
        };
      for (const setter of [...Object.keys(VALUE_SETTERS), ...Object.keys(CALLBACK_SETTERS), ...IGNORED_SETTERS]) {
        holder[setter] = forward(setter);
      }
      stripe.then((instance) => {
        const element = instance.create(tag);
        for (const [name, args] of queued) if (typeof element[name] === "function") element[name](...args);
        for (const setter of Object.keys(holder).filter((k) => k.startsWith("set"))) holder[setter] = (...a) => element[setter](...a);
        holder.appendChild(element);
      });
      return holder;
    },
    update(options) {
      stripe.then((instance) => instance.update(options));
    },
    logout() {
      return stripe.then((instance) => instance.logout());
    },
  };
}

/**
 * Connect.js's entry point. Synchronous, like Stripe's: the instance is usable at once and
 * elements render when the runtime is ready.
 */
export function loadConnectAndInitialize(params) {
  if (!params || typeof params !== "object") throw new Error("loadConnectAndInitialize needs its parameters");
  if (params.renderer === "stripe") return stripeRenderer(params);
  return new ComptoirInstance(params);
}

export default { loadConnectAndInitialize };
