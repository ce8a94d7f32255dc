// A React host: @stripe/react-connect-js's provider and components, given Comptoir's instance.
import { useState } from "react";
import { createRoot } from "react-dom/client";
import { ConnectComponentsProvider, ConnectPayments, ConnectPaymentDetails } from "@stripe/react-connect-js";

// Loaded at run time from Comptoir (the bundler leaves a non-literal import alone).
const loaderUrl = "{{COMPTOIR}}/embed/connect.js";
const { loadConnectAndInitialize } = await import(loaderUrl);

async function fetchClientSecret() {
  const response = await fetch("/account_session", { method: "POST" });
  const { client_secret } = await response.json();
  return client_secret;
}

function App() {
  const [instance] = useState(() => loadConnectAndInitialize({ publishableKey: "pk_test_react", fetchClientSecret }));
  const [payment, setPayment] = useState(null);
  const [errors, setErrors] = useState([]);
  return (
    <ConnectComponentsProvider connectInstance={instance}>
      <h1>React host</h1>
      <ConnectPayments
        defaultFilters={{ status: ["successful"] }}
        onLoadError={(e) => setErrors((list) => [...list, e.error.message])}
      />
      <button type="button" data-testid="open-detail" onClick={() => setPayment(window.__paymentId ?? null)}>
        Open payment
      </button>
      {payment && <ConnectPaymentDetails payment={payment} onClose={() => setPayment(null)} />}
      <ul data-testid="errors">{errors.map((e, i) => <li key={i}>{e}</li>)}</ul>
    </ConnectComponentsProvider>
  );
}

createRoot(document.getElementById("root")).render(<App />);
