/** File names inside `<home>/ca`; must stay in step with core's `homePaths`. */
export function caPaths(home: string): {
  dir: string;
  certPath: string;
  keyPath: string;
  bundlePath: string;
} {
  const dir = `${home}/ca`;
  return {
    dir,
    certPath: `${dir}/halton-meter-ca.pem`,
    keyPath: `${dir}/halton-meter-ca-key.pem`,
    bundlePath: `${dir}/ca-bundle.pem`,
  };
}
