/** redis.conf text for servers the launcher starts (a file, so passwords never show up in `ps`). */

/** An ACL user to create on local servers. */
export interface LocalAclUser {
  name: string;
  password: string;
  /** ACL rules after the password; default: everything (`~* &* +@all`). */
  rules?: string;
}

/** TLS settings of a local server. */
export interface LocalTlsConfig {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** `yes`: clients must present a certificate (mutual TLS); `optional`: they may. */
  authClients: 'yes' | 'optional' | 'no';
  /** Cluster bus and replication over TLS too. */
  cluster: boolean;
}

/** Everything that decides one server's config. */
export interface LocalNodeConfig {
  port: number;
  dir: string;
  cluster: boolean;
  tls?: LocalTlsConfig;
  requirePassword?: string;
  aclUsers?: LocalAclUser[];
}

/** Quotes a config value the way redis.conf parses it (double quotes, backslash escapes). */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The redis.conf text for one node. */
export function renderConfig(c: LocalNodeConfig): string {
  const lines = [
    'bind 127.0.0.1',
    // The plain port is closed on TLS servers so nothing can bypass TLS by accident.
    c.tls ? `port 0\ntls-port ${c.port}` : `port ${c.port}`,
    'daemonize no',
    // A throwaway benchmark target: no RDB, no AOF, nothing written but the log.
    'save ""',
    'appendonly no',
    `dir ${quote(c.dir)}`,
    'logfile ""',
    // Fleets of 10k+ subscribers are a normal question; Redis lowers this itself to what its file limit allows.
    'maxclients 100000',
  ];
  if (c.requirePassword !== undefined) {
    lines.push(`requirepass ${quote(c.requirePassword)}`);
    // Replicas authenticate to their master with the default user's password.
    lines.push(`masterauth ${quote(c.requirePassword)}`);
  }
  for (const user of c.aclUsers ?? []) {
    lines.push(`user ${user.name} on ${quote(`>${user.password}`)} ${user.rules ?? '~* &* +@all'}`);
  }
  if (c.cluster) {
    lines.push('cluster-enabled yes', 'cluster-config-file nodes.conf', 'cluster-node-timeout 3000');
  }
  if (c.tls) {
    lines.push(
      `tls-cert-file ${quote(c.tls.certFile)}`,
      `tls-key-file ${quote(c.tls.keyFile)}`,
      `tls-ca-cert-file ${quote(c.tls.caFile)}`,
      `tls-auth-clients ${c.tls.authClients}`,
    );
    if (c.cluster && c.tls.cluster) lines.push('tls-cluster yes', 'tls-replication yes');
  }
  return lines.join('\n') + '\n';
}
