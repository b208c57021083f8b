/** TLS settings of a TargetSpec → Node's tls.connect options (files read once per factory). */
import fs from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { TargetError } from '../core/errors.js';
import type { TlsSpec } from '../core/target.js';

function readPem(file: string, flag: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new TargetError(`Cannot read the ${what} ${file} (${flag}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * The options ioredis passes to tls.connect. Verification stays on unless `insecure` was asked for
 * explicitly; the CA file replaces the system CAs when given.
 */
export function tlsConnectOptions(tls: TlsSpec): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: tls.insecure !== true };
  if (tls.caFile !== undefined) options.ca = readPem(tls.caFile, '--tls-ca', 'CA certificate');
  if (tls.certFile !== undefined) options.cert = readPem(tls.certFile, '--tls-cert', 'client certificate');
  if (tls.keyFile !== undefined) options.key = readPem(tls.keyFile, '--tls-key', 'client private key');
  if (tls.servername !== undefined) options.servername = tls.servername;
  return options;
}
