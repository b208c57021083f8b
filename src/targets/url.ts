/**
 * Target URLs and flags → TargetSpec, and the way back to a description without secrets.
 * Accepted: `redis://[user:password@]host[:port][/db]`, `rediss://…` (TLS), a bare `host:port` (takes the
 * scheme of the other targets), several targets repeated or comma-separated (cluster seed nodes).
 */
import fs from 'node:fs';
import { UsageError, type Problem } from '../core/errors.js';
import type { FleetCredentials, TargetDescription, TargetSpec, TlsSpec } from '../core/target.js';

/** The target flags as the CLI received them. */
export interface TargetInput {
  /** `--target` values (each may hold comma-separated URLs). */
  targets: string[];
  /** `--cluster`. */
  cluster?: boolean;
  /** `--client-sharding`: the targets are independent servers, channels spread over them by a stable hash. */
  clientSharding?: boolean;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsServername?: string;
  tlsInsecure?: boolean;
  /** `--user`. */
  user?: string;
  /** The password (from `--password-env VAR`, already read by the CLI). */
  password?: string;
  /** `--publisher-user` and the password of `--publisher-password-env` (read by the CLI). */
  publisherUser?: string;
  publisherPassword?: string;
  /** `--subscriber-user` and the password of `--subscriber-password-env`. */
  subscriberUser?: string;
  subscriberPassword?: string;
}

/** One parsed URL. */
interface ParsedUrl {
  tls: boolean | undefined;
  host: string;
  port: number;
  db?: number;
  username?: string;
  password?: string;
}

const defaultPort = 6379;
const urlHint = 'write it as redis://[user:password@]host:port[/db], or rediss://… for TLS';

/** Replaces the password part of a URL-looking string with `***` (for echoing bad input back). */
function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

function parseOne(raw: string, problems: Problem[]): ParsedUrl | undefined {
  const shown = redactUrl(raw);
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw);
  let url: URL;
  try {
    url = new URL(hasScheme ? raw : `redis://${raw}`);
  } catch {
    problems.push({ field: '--target', message: `cannot parse ${JSON.stringify(shown)}`, hint: urlHint });
    return undefined;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    problems.push({ field: '--target', message: `unsupported scheme ${JSON.stringify(url.protocol)} in ${JSON.stringify(shown)}`, hint: urlHint });
    return undefined;
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) {
    problems.push({ field: '--target', message: `no host in ${JSON.stringify(shown)}`, hint: urlHint });
    return undefined;
  }
  const port = url.port === '' ? defaultPort : Number(url.port);
  if (port < 1) {
    problems.push({ field: '--target', message: `port ${port} in ${JSON.stringify(shown)} is not a usable port`, hint: 'ports run from 1 to 65535; 6379 is the default' });
    return undefined;
  }
  const parsed: ParsedUrl = { tls: hasScheme ? url.protocol === 'rediss:' : undefined, host, port };
  const path = url.pathname.replace(/^\/+/, '');
  if (path !== '') {
    if (!/^\d+$/.test(path) || Number(path) > 10_000) {
      problems.push({ field: '--target', message: `database ${JSON.stringify(path)} in ${JSON.stringify(shown)} is not a number`, hint: 'the path is the logical database, e.g. redis://host:6379/0' });
    } else {
      parsed.db = Number(path);
    }
  }
  if (url.search !== '' || url.hash !== '') {
    problems.push({ field: '--target', message: `query strings and fragments are not supported in ${JSON.stringify(shown)}`, hint: 'use the --tls-* flags for TLS settings' });
  }
  if (url.username !== '') parsed.username = decodeURIComponent(url.username);
  if (url.password !== '') parsed.password = decodeURIComponent(url.password);
  return parsed;
}

/** The single value of `values` when they all agree; pushes a problem and returns the first when they differ. */
function agreed<T>(values: Array<T | undefined>, what: string, problems: Problem[]): T | undefined {
  const set = new Set(values.filter((v) => v !== undefined));
  if (set.size > 1) {
    problems.push({ field: '--target', message: `the targets disagree on ${what}`, hint: 'every seed node of one cluster uses the same scheme and credentials' });
  }
  return set.values().next().value;
}

/** Checks that a TLS file flag names a readable file. */
function checkFile(file: string | undefined, field: string, what: string, problems: Problem[]): void {
  if (file === undefined) return;
  try {
    fs.accessSync(file, fs.constants.R_OK);
    if (!fs.statSync(file).isFile()) throw new Error('not a file');
  } catch {
    problems.push({ field, message: `cannot read ${what} file ${JSON.stringify(file)}`, hint: `give the path of a PEM file with the ${what}` });
  }
}

/** Builds the TLS part of the spec and checks its files. */
function tlsOf(input: TargetInput, problems: Problem[]): TlsSpec {
  checkFile(input.tlsCa, '--tls-ca', 'CA certificate', problems);
  checkFile(input.tlsCert, '--tls-cert', 'client certificate', problems);
  checkFile(input.tlsKey, '--tls-key', 'client private key', problems);
  if ((input.tlsCert === undefined) !== (input.tlsKey === undefined)) {
    problems.push({
      field: input.tlsCert === undefined ? '--tls-cert' : '--tls-key',
      message: 'mutual TLS needs both --tls-cert and --tls-key',
      hint: 'pass the client certificate and its private key together',
    });
  }
  const tls: TlsSpec = {};
  if (input.tlsCa !== undefined) tls.caFile = input.tlsCa;
  if (input.tlsCert !== undefined) tls.certFile = input.tlsCert;
  if (input.tlsKey !== undefined) tls.keyFile = input.tlsKey;
  if (input.tlsServername !== undefined) tls.servername = input.tlsServername;
  if (input.tlsInsecure) tls.insecure = true;
  return tls;
}

/** `--client-sharding` needs two or more distinct servers and excludes `--cluster`. */
function checkClientSharding(input: TargetInput, parsed: ParsedUrl[], problems: Problem[]): void {
  if (input.cluster) {
    problems.push({ field: '--client-sharding', message: 'cannot be combined with --cluster', hint: 'a cluster places channels by hash slot itself: drop --client-sharding, or give independent servers without --cluster' });
  }
  const names = parsed.map((p) => hostPort(p));
  if (names.length < 2) {
    problems.push({ field: '--client-sharding', message: `needs at least 2 servers, got ${names.length}`, hint: 'e.g. --target redis://10.0.0.1:6379 --target redis://10.0.0.2:6379 --client-sharding' });
  }
  const doubled = names.filter((n, i) => names.indexOf(n) !== i);
  if (doubled.length > 0) {
    problems.push({ field: '--target', message: `${[...new Set(doubled)].join(', ')} given more than once`, hint: 'name each server once: channels are spread over distinct servers' });
  }
}

/**
 * Parses the target flags. Every problem is reported at once as a UsageError naming the flag; no message
 * contains a password.
 */
export function parseTargetSpec(input: TargetInput): TargetSpec {
  const problems: Problem[] = [];
  const raws = input.targets.flatMap((t) => t.split(',')).map((t) => t.trim()).filter((t) => t !== '');
  if (raws.length === 0) {
    problems.push({ field: '--target', message: 'no target given', hint: 'e.g. --target redis://127.0.0.1:6379' });
  }
  const parsed = raws.map((raw) => parseOne(raw, problems)).filter((p): p is ParsedUrl => p !== undefined);
  if (raws.length > 1 && !input.cluster && !input.clientSharding) {
    problems.push({ field: '--target', message: `${raws.length} targets given without --cluster`, hint: 'several targets are the seed nodes of a cluster (add --cluster) or independent servers to spread channels over (add --client-sharding); or give one target' });
  }
  if (input.clientSharding) checkClientSharding(input, parsed, problems);
  const schemeTls = agreed(parsed.map((p) => p.tls), 'the scheme (redis:// vs rediss://)', problems);
  const urlUser = agreed(parsed.map((p) => p.username), 'the user name', problems);
  const urlPassword = agreed(parsed.map((p) => p.password), 'the password', problems);
  const db = agreed(parsed.map((p) => p.db), 'the database', problems);
  if (input.cluster && db !== undefined && db !== 0) {
    problems.push({ field: '--target', message: `database ${db} given for a cluster`, hint: 'Redis Cluster only has database 0: drop the /db part' });
  }
  if (input.user !== undefined && urlUser !== undefined && input.user !== urlUser) {
    problems.push({ field: '--user', message: 'differs from the user name in the target URL', hint: 'give the user in one place only' });
  }
  if (input.password !== undefined && urlPassword !== undefined && input.password !== urlPassword) {
    problems.push({ field: '--password-env', message: 'differs from the password in the target URL', hint: 'give the password in one place only (preferably --password-env, which keeps it out of shell history)' });
  }
  const anyTlsFlag = [input.tlsCa, input.tlsCert, input.tlsKey, input.tlsServername].some((v) => v !== undefined) || input.tlsInsecure === true;
  const useTls = schemeTls === true || anyTlsFlag;
  const tls = useTls ? tlsOf(input, problems) : undefined;
  if (problems.length > 0) throw new UsageError(problems, 'Invalid target');

  const spec: TargetSpec = {
    kind: input.cluster ? 'cluster' : input.clientSharding ? 'servers' : 'single',
    nodes: parsed.map((p) => ({ host: p.host, port: p.port })),
  };
  if (db !== undefined && db !== 0) spec.db = db;
  const username = input.user ?? urlUser;
  const password = input.password ?? urlPassword;
  if (username !== undefined) spec.username = username;
  if (password !== undefined) spec.password = password;
  if (tls) spec.tls = tls;
  const publisherAuth = fleetCredentials(input.publisherUser, input.publisherPassword);
  const subscriberAuth = fleetCredentials(input.subscriberUser, input.subscriberPassword);
  if (publisherAuth) spec.publisherAuth = publisherAuth;
  if (subscriberAuth) spec.subscriberAuth = subscriberAuth;
  return spec;
}

function fleetCredentials(username: string | undefined, password: string | undefined): FleetCredentials | undefined {
  if (username === undefined) return undefined;
  return password !== undefined ? { username, password } : { username };
}

/**
 * The spec one fleet connects with: the target with the fleet's own credentials in place of the target's (when it
 * has them), and no other fleet's secrets in it.
 */
export function fleetSpec(spec: TargetSpec, role: 'publisher' | 'subscriber'): TargetSpec {
  const { publisherAuth, subscriberAuth, ...rest } = spec;
  const own = role === 'publisher' ? publisherAuth : subscriberAuth;
  if (!own) return rest;
  const { password: _password, ...withoutPassword } = rest;
  return { ...withoutPassword, username: own.username, ...(own.password !== undefined ? { password: own.password } : {}) };
}

/** The ACL user a connection made with `spec` authenticates as (`default` when none is named). */
export function aclUserOf(spec: Pick<TargetSpec, 'username'>): string {
  return spec.username ?? 'default';
}

/** `host:port`, with IPv6 hosts in brackets. */
export function hostPort(node: { host: string; port: number }): string {
  return node.host.includes(':') ? `[${node.host}]:${node.port}` : `${node.host}:${node.port}`;
}

/** The target as written to result.json and printed: URLs with the password as `***`. */
export function describeTarget(spec: TargetSpec, local: boolean): TargetDescription {
  const scheme = spec.tls ? 'rediss' : 'redis';
  const user = spec.username !== undefined ? encodeURIComponent(spec.username) : '';
  const auth = spec.password !== undefined ? `${user}:***@` : user !== '' ? `${user}@` : '';
  const db = spec.db !== undefined && spec.db !== 0 ? `/${spec.db}` : '';
  return {
    kind: spec.kind,
    urls: spec.nodes.map((n) => `${scheme}://${auth}${hostPort(n)}${db}`),
    tls: spec.tls !== undefined,
    tlsInsecure: spec.tls?.insecure === true,
    local,
    ...(spec.publisherAuth ? { publisherUser: spec.publisherAuth.username } : {}),
    ...(spec.subscriberAuth ? { subscriberUser: spec.subscriberAuth.username } : {}),
  };
}

/** Replaces every occurrence of the spec's passwords (raw or URL-encoded; the fleets' too) in `text` with `***`. */
export function redactSecrets(text: string, spec: Pick<TargetSpec, 'password' | 'publisherAuth' | 'subscriberAuth'>): string {
  let out = text;
  for (const secret of [spec.password, spec.publisherAuth?.password, spec.subscriberAuth?.password]) {
    if (secret === undefined || secret === '') continue;
    out = out.split(secret).join('***');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join('***');
  }
  return out;
}
