/** Where a run sends its traffic. Secrets live only here and in the connection factory, never in results. */

/** TLS settings of a target (file paths, read by the connection factory). */
export interface TlsSpec {
  /** CA bundle used to verify the server (PEM file path). */
  caFile?: string;
  /** Client certificate for mutual TLS (PEM file path). */
  certFile?: string;
  /** Client private key for mutual TLS (PEM file path). */
  keyFile?: string;
  /** Name to verify the server certificate against (SNI). */
  servername?: string;
  /** Skip certificate verification. Explicit, and warned about in every output. */
  insecure?: boolean;
}

/** Credentials one fleet uses instead of the target's own (`--publisher-user`, `--subscriber-user`). */
export interface FleetCredentials {
  /** ACL user name. */
  username: string;
  /** Password: never serialised into results, logs or errors. Absent for a `nopass` user. */
  password?: string;
}

/**
 * A target: one node (plain or TLS), a cluster given by seed nodes, or several independent servers over which the
 * client spreads the channels by a stable hash (`servers`, `--client-sharding`).
 */
export interface TargetSpec {
  kind: 'single' | 'cluster' | 'servers';
  /** Seed nodes as host:port (one for 'single'; every server for 'servers'). */
  nodes: Array<{ host: string; port: number }>;
  /** Logical database (single only). */
  db?: number;
  /** ACL user name. */
  username?: string;
  /** Password: never serialised into results, logs or errors. */
  password?: string;
  /** TLS settings when the URL scheme is rediss:// or TLS flags were given. */
  tls?: TlsSpec;
  /** The publishers' own user, when not the one above (the control connection keeps `username`). */
  publisherAuth?: FleetCredentials;
  /** The subscribers' own user, when not the one above. */
  subscriberAuth?: FleetCredentials;
}

/** A target described without secrets, as written to result.json. */
export interface TargetDescription {
  kind: 'single' | 'cluster' | 'servers';
  /** URL(s) with the password replaced by `***`. */
  urls: string[];
  tls: boolean;
  /** True when certificate verification was switched off. */
  tlsInsecure: boolean;
  /** True when the harness started this server itself for the run. */
  local: boolean;
  /** Version reported by INFO server. */
  redisVersion?: string;
  /** ACL user of the publishers, when they used their own (`--publisher-user`); never a password. */
  publisherUser?: string;
  /** ACL user of the subscribers, when they used their own (`--subscriber-user`). */
  subscriberUser?: string;
}
