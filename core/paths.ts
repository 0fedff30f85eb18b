/** Every file in the state directory, derived from one root so no component guesses a path. */
export interface HomePaths {
  home: string;
  config: string;
  /** Rules, budgets and quota rules (docs/POLICY.md); absent = no policy. */
  policy: string;
  effectivePorts: string;
  caDir: string;
  caCert: string;
  caKey: string;
  caBundle: string;
  db: string;
  spool: string;
  apiToken: string;
  installMode: string;
  systemState: string;
  proxyManaged: string;
  /** Full mode where `enable` could not manage an OS proxy: the reason, one line. */
  proxyUnmanaged: string;
  appsManaged: string;
  /** What init applied as the login environment (apps/full); the userenv role re-applies it. */
  loginEnv: string;
  /** When the login environment was last applied, by init or the userenv role. */
  userenvApplied: string;
  /** Present while init runs: a userenv started meanwhile leaves the environment to init. */
  initRunning: string;
  gracefulStop: string;
  logs: string;
  run: string;
}

/**
 * Resolves the state directory: `HALTON_METER_HOME` when set, else `~/.halton-meter`.
 * `env` is injected so tests never read the real environment.
 */
export function resolveHome(env: { get(key: string): string | undefined }): string {
  const explicit = env.get("HALTON_METER_HOME");
  if (explicit && explicit.trim() !== "") return explicit;
  const home = env.get("HOME") ?? env.get("USERPROFILE");
  if (!home) {
    throw new Error(
      "Cannot find the state directory: neither HALTON_METER_HOME nor HOME is set; set HALTON_METER_HOME=/path/to/dir",
    );
  }
  return `${home}/.halton-meter`;
}

export function homePaths(home: string): HomePaths {
  const ca = `${home}/ca`;
  return {
    home,
    config: `${home}/config.json`,
    policy: `${home}/policy.json`,
    effectivePorts: `${home}/effective-ports.json`,
    caDir: ca,
    caCert: `${ca}/halton-meter-ca.pem`,
    caKey: `${ca}/halton-meter-ca-key.pem`,
    caBundle: `${ca}/ca-bundle.pem`,
    db: `${home}/db.sqlite`,
    spool: `${home}/spool.jsonl`,
    apiToken: `${home}/api-token`,
    installMode: `${home}/install-mode`,
    systemState: `${home}/system_state.json`,
    proxyManaged: `${home}/proxy-managed`,
    proxyUnmanaged: `${home}/proxy-unmanaged`,
    appsManaged: `${home}/apps-managed`,
    loginEnv: `${home}/login-env.json`,
    userenvApplied: `${home}/run/userenv-applied.json`,
    initRunning: `${home}/run/init-running`,
    gracefulStop: `${home}/graceful-stop`,
    logs: `${home}/logs`,
    run: `${home}/run`,
  };
}
