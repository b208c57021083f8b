/**
 * Test certificates made with the `openssl` command line: a CA, a node certificate (server and cluster bus:
 * valid for serverAuth AND clientAuth, with SANs 127.0.0.1 and localhost, because cluster nodes connect to each
 * other as TLS clients too) and a client certificate for mutual TLS.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MissingToolError } from '../core/errors.js';
import { findTool } from './tools.js';

/** PEM file paths of a CA. */
export interface CaFiles {
  certFile: string;
  keyFile: string;
}

/** Every file of a test PKI. */
export interface TestPki {
  /** CA certificate (what clients and nodes trust). */
  caFile: string;
  /** Node certificate and key (redis-server's --tls-cert-file / --tls-key-file). */
  nodeCertFile: string;
  nodeKeyFile: string;
  /** Client certificate and key for mutual TLS. */
  clientCertFile: string;
  clientKeyFile: string;
}

function openssl(args: string[], cwd: string): void {
  const bin = findTool('openssl');
  if (!bin) {
    throw new MissingToolError(
      'openssl is not on PATH; it is needed to make TLS test certificates. Install it with `apt-get install openssl`.',
    );
  }
  try {
    execFileSync(bin, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`openssl ${args[0]} failed: ${stderr || (err as Error).message}`);
  }
}

/** An EC P-256 key: fast to generate and accepted by Redis and Node alike. */
function newKey(dir: string, file: string): string {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file], dir);
  fs.chmodSync(path.join(dir, file), 0o600);
  return path.join(dir, file);
}

/** Creates a self-signed CA named `${name}-ca.crt` / `${name}-ca.key` in `dir`. */
export function createCa(dir: string, name = 'test'): CaFiles {
  const keyFile = newKey(dir, `${name}-ca.key`);
  const certFile = path.join(dir, `${name}-ca.crt`);
  openssl(
    ['req', '-x509', '-new', '-key', keyFile, '-sha256', '-days', '3650', '-subj', `/CN=pubsub-bench ${name} CA`, '-out', certFile],
    dir,
  );
  return { certFile, keyFile };
}

/**
 * Issues a certificate signed by `ca` into `${name}.crt` / `${name}.key`.
 * `usage` decides the extended key usage; node certificates get both.
 */
export function issueCert(
  dir: string,
  ca: CaFiles,
  name: string,
  usage: 'node' | 'client',
  days = 365,
): { certFile: string; keyFile: string } {
  const keyFile = newKey(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  const certFile = path.join(dir, `${name}.crt`);
  const extendedKeyUsage = usage === 'node' ? 'serverAuth,clientAuth' : 'clientAuth';
  fs.writeFileSync(
    ext,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment,keyAgreement',
      `extendedKeyUsage=${extendedKeyUsage}`,
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '',
    ].join('\n'),
  );
  openssl(['req', '-new', '-key', keyFile, '-subj', `/CN=${usage === 'node' ? 'localhost' : `pubsub-bench ${name}`}`, '-out', csr], dir);
  openssl(
    ['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-days', String(days), '-sha256', '-extfile', ext, '-out', certFile],
    dir,
  );
  fs.rmSync(csr, { force: true });
  fs.rmSync(ext, { force: true });
  return { certFile, keyFile };
}

/** Creates a CA, a node certificate and a client certificate in `dir`. */
export function createTestPki(dir: string): TestPki {
  const ca = createCa(dir, 'test');
  const node = issueCert(dir, ca, 'node', 'node');
  const client = issueCert(dir, ca, 'client', 'client');
  return {
    caFile: ca.certFile,
    nodeCertFile: node.certFile,
    nodeKeyFile: node.keyFile,
    clientCertFile: client.certFile,
    clientKeyFile: client.keyFile,
  };
}
