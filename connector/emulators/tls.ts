/**
 * Throwaway TLS material for the local emulators. The Azure SDK refuses bearer tokens over plain http
 * (core-rest-pipeline's bearer policy), so the emulators always speak HTTPS with a certificate generated at
 * start, and clients trust it through an explicit CA (never by disabling verification).
 */
import { randomBytes } from "node:crypto";
import { generate } from "selfsigned";

export interface TlsMaterial {
  /** PEM private key of the server. */
  key: string;
  /** PEM certificate of the server; also the CA clients must trust. */
  cert: string;
}

let cached: Promise<TlsMaterial> | undefined;

/**
 * A self-signed certificate for 127.0.0.1 and localhost, generated once per process (RSA key generation
 * takes ~100 ms; every emulator in a process can share it). Its subject is unique per process: OpenSSL looks
 * issuers up by subject name, so a bundle of two CAs with the same subject (both CN=127.0.0.1) trusted only
 * the first, and emulators in separate processes could not be trusted together.
 */
export function localTls(): Promise<TlsMaterial> {
  cached ??= generate([{ name: "commonName", value: `exo-audit emulator ${randomBytes(6).toString("hex")}` }], {
    keySize: 2048,
    notAfterDate: new Date(Date.now() + 30 * 86_400_000),
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  }).then((pems) => ({ key: pems.private, cert: pems.cert }));
  return cached;
}
