// deno-fmt-ignore-file
/** Test-only: real certificates made with the `openssl` CLI, for the sandboxed trust tests. */

async function openssl(args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, stdout: "piped", stderr: "piped" }).output();
  if (out.code !== 0) {
    throw new Error(`openssl ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

export interface TestCa {
  certPath: string;
  keyPath: string;
  pem: string;
}

/** A P-256 CA with the extensions OpenSSL 3 and Python's ssl insist on. */
export async function makeTestCa(dir: string, name: string): Promise<TestCa> {
  const certPath = `${dir}/${name}.pem`;
  const keyPath = `${dir}/${name}.key`;
  await openssl([
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", keyPath, "-out", certPath, "-days", "30", "-subj", `/CN=${name}`,
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  return { certPath, keyPath, pem: await Deno.readTextFile(certPath) };
}

/** A server certificate for `host` signed by `ca`. */
export async function makeLeaf(
  dir: string,
  ca: TestCa,
  host: string,
): Promise<{ certPath: string; keyPath: string }> {
  const keyPath = `${dir}/${host}.key`;
  const csrPath = `${dir}/${host}.csr`;
  const certPath = `${dir}/${host}.pem`;
  const extPath = `${dir}/${host}.ext`;
  await Deno.writeTextFile(
    extPath,
    `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`,
  );
  await openssl([
    "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", keyPath, "-out", csrPath, "-subj", `/CN=${host}`,
  ]);
  await openssl([
    "x509", "-req", "-in", csrPath, "-CA", ca.certPath, "-CAkey", ca.keyPath,
    "-CAcreateserial", "-out", certPath, "-days", "30", "-extfile", extPath,
  ]);
  return { certPath, keyPath };
}
