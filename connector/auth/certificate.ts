/**
 * Client certificate loading for certificate credentials (preferred over secrets: the private key never
 * leaves the host and a leaked log line cannot replay it). Accepts one PEM holding the certificate and the
 * private key (as Azure portal / Key Vault exports it), or the two separately.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { registerSecret } from "../log.ts";

/** The material MSAL's `clientCertificate` needs. */
export interface ClientCertificate {
  /** Hex SHA-256 thumbprint of the DER certificate (MSAL `thumbprintSha256`; SHA-1 is deprecated). */
  thumbprintSha256: string;
  /** PKCS#8 PEM private key (decrypted in memory). */
  privateKey: string;
  /** The certificate chain PEM, sent as `x5c` for subject-name/issuer (SNI) authentication. */
  chainPem: string;
  /** Subject and expiry, for logs and `config` checks. */
  subject: string;
  notAfter: Date;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const KEY_BLOCK =
  /-----BEGIN (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----/;

/** Parses certificate + key PEM text. */
export function parseClientCertificate(input: {
  pem: string;
  privateKeyPem?: string;
  passphrase?: string;
}): ClientCertificate {
  registerSecret(input.passphrase);
  const certs = input.pem.match(CERT_BLOCK) ?? [];
  const first = certs[0];
  if (!first) throw new Error("client certificate PEM contains no CERTIFICATE block");
  const keyText = input.privateKeyPem ?? input.pem;
  const keyBlock = KEY_BLOCK.exec(keyText)?.[0];
  if (!keyBlock)
    throw new Error("client certificate PEM contains no PRIVATE KEY block (the PEM needs both certificate and key)");
  let privateKey: string;
  try {
    privateKey = createPrivateKey({ key: keyBlock, passphrase: input.passphrase })
      .export({ type: "pkcs8", format: "pem" })
      .toString();
  } catch (err) {
    throw new Error(
      `cannot read the certificate private key${input.passphrase ? "" : " (encrypted key without a passphrase?)"}: ${(err as Error).message}`,
    );
  }
  registerSecret(privateKey);
  const x509 = new X509Certificate(first);
  if (!x509.checkPrivateKey(createPrivateKey(privateKey))) {
    throw new Error("the private key does not belong to the certificate");
  }
  return {
    thumbprintSha256: x509.fingerprint256.replaceAll(":", "").toLowerCase(),
    privateKey,
    chainPem: certs.join("\n"),
    subject: x509.subject,
    notAfter: new Date(x509.validTo),
  };
}

/** Reads certificate (and optional separate key) files. */
export async function loadClientCertificate(input: {
  certificatePath: string;
  privateKeyPath?: string;
  passphrase?: string;
}): Promise<ClientCertificate> {
  const pem = await readFile(input.certificatePath, "utf8");
  const privateKeyPem = input.privateKeyPath ? await readFile(input.privateKeyPath, "utf8") : undefined;
  return parseClientCertificate({ pem, privateKeyPem, passphrase: input.passphrase });
}
