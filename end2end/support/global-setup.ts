// One Comptoir server for the whole browser suite; each test makes its own users and data.
import { startServer } from "./server";

export default async function globalSetup() {
  const server = await startServer();
  process.env.COMPTOIR_URL = server.url;
  return async () => {
    await server.stop();
  };
}
