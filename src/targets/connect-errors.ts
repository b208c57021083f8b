/**
 * Connection failures explained in plain words: which check failed, which file or flag is involved, what to
 * do. Every message goes through redactSecrets so a password can never leak through an error text.
 */
import tls, { type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { TargetError } from '../core/errors.js';
import type { TargetSpec } from '../core/target.js';
import { hostPort, redactSecrets } from './url.js';

/** The parts of an error we look at (Node system errors, TLS errors, Redis error replies). */
interface ErrorLike {
  message?: string;
  code?: string;
}

function tlsCaText(spec: TargetSpec): string {
  return spec.tls?.caFile !== undefined ? `the CA file ${spec.tls.caFile} (--tls-ca)` : 'the system CA store (no --tls-ca given)';
}

/** A plain-words explanation of why connecting to `node` failed. */
export function explainConnectError(err: ErrorLike | undefined, spec: TargetSpec, timeoutMs: number): string {
  const code = err?.code ?? '';
  const msg = err?.message ?? '';
  const client = spec.tls?.certFile !== undefined ? `the client certificate ${spec.tls.certFile} (--tls-cert)` : undefined;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused: nothing listens on that address and port';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name cannot be resolved';
    case 'ETIMEDOUT':
      return `no answer within ${timeoutMs} ms (connect timeout)${spec.tls ? '; a port without TLS never answers a TLS handshake: if the server does not use TLS, use redis://' : ''}`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the host is unreachable from here';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return `TLS: the server's certificate is signed by an unknown CA — it does not chain to ${tlsCaText(spec)} (${code}). Pass the CA that signed the server certificate with --tls-ca`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS: name mismatch — the server's certificate is not valid for the host name you connected to (${msg.replace(/^.*?:\s*/, '')}). Connect with a name the certificate lists, or set --tls-servername`;
    case 'CERT_HAS_EXPIRED':
      return "TLS: the server's certificate has expired (CERT_HAS_EXPIRED). Renew it on the server";
    case 'CERT_NOT_YET_VALID':
      return "TLS: the server's certificate is not valid yet (CERT_NOT_YET_VALID): check the clocks or the certificate dates";
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED':
    case 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE':
      return client
        ? `TLS: the server refused the handshake (${code}); it may not accept ${client}`
        : 'TLS: the server requires a client certificate (mutual TLS) and none was given. Pass --tls-cert and --tls-key';
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA':
    case 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE':
      return `TLS: the server does not trust ${client ?? 'the client certificate'} — it is not signed by a CA the server knows (${code})`;
    case 'ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR':
    case 'ERR_OSSL_X509_KEY_VALUES_MISMATCH':
      return 'TLS: the client key (--tls-key) does not match the client certificate (--tls-cert)';
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
      return 'TLS: the server does not speak TLS on this port. Use redis:// instead of rediss:// (and drop the --tls-* flags), or the TLS port';
  }
  if (/^WRONGPASS/.test(msg)) return 'authentication failed: wrong user name or password (WRONGPASS)';
  if (/^NOAUTH/.test(msg)) return 'the server requires a password: put it in the URL or use --password-env VAR';
  if (/^NOPERM/.test(msg)) return `the user lacks a permission the harness needs: ${msg}`;
  if (/^LOADING/.test(msg)) return 'the server is still loading its data set; try again when it is done';
  if (/^ERR.*(?:AUTH|HELLO)/i.test(msg) && /password/i.test(msg)) return `authentication failed: ${msg}`;
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code.includes('CERT')) return `TLS handshake failed: ${msg} (${code})`;
  if (/Unknown RESP type|Protocol error/i.test(msg)) return 'the server at that address does not speak the Redis protocol (is it a Redis port?)';
  if (msg === '' || code === 'ECONNRESET' || code === 'EPIPE' || /Connection is closed/i.test(msg)) {
    return spec.tls
      ? 'the server closed the connection during the TLS handshake'
      : 'the server closed the connection before answering (if that port expects TLS, use rediss:// and the --tls-* flags)';
  }
  return msg + (code && !msg.includes(code) ? ` (${code})` : '');
}

/** TLS error codes that already say what went wrong. */
function isTlsCode(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code.includes('CERT') || code.includes('SIGNATURE'));
}

/**
 * With TLS 1.3 a server rejects a client certificate (or its absence) only after the handshake looks done,
 * so the client usually sees just ECONNRESET when it writes its first command. This probe repeats the
 * handshake without writing anything and waits for the server's alert (certificate required, unknown CA),
 * which names the failed check. Resolves to that error, or to `fallback` when no alert arrives.
 */
export function probeTlsAlert<E>(
  node: { host: string; port: number },
  options: TlsConnectionOptions,
  timeoutMs: number,
  fallback: E,
): Promise<E | { code: string; message: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ ...options, host: node.host, port: node.port });
    const timer = setTimeout(() => finish(fallback), timeoutMs);
    function finish(result: E | { code: string; message: string }): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    }
    socket.on('error', (err: NodeJS.ErrnoException) => finish(isTlsCode(err.code) ? { code: err.code as string, message: err.message } : fallback));
    socket.on('close', () => finish(fallback));
  });
}

/** Looks closer at a failure whose cause the first error hides (see probeTlsAlert). */
export async function diagnoseConnectError<E extends ErrorLike | undefined>(
  err: E,
  node: { host: string; port: number },
  tlsOptions: TlsConnectionOptions | undefined,
  timeoutMs: number,
): Promise<E | ErrorLike> {
  if (!tlsOptions || isTlsCode(err?.code) || err?.code === 'ECONNREFUSED' || /^(WRONGPASS|NOAUTH|NOPERM)/.test(err?.message ?? '')) return err;
  return probeTlsAlert(node, tlsOptions, timeoutMs, err);
}

/** A TargetError naming the target node, with the cause explained and any password redacted. */
export function connectError(
  err: ErrorLike | undefined,
  spec: TargetSpec,
  node: { host: string; port: number },
  timeoutMs: number,
): TargetError {
  const scheme = spec.tls ? 'rediss' : 'redis';
  const text = `Cannot connect to ${scheme}://${hostPort(node)}: ${explainConnectError(err, spec, timeoutMs)}`;
  return new TargetError(redactSecrets(text, spec));
}
