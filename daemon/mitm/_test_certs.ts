/** Test-only: a throwaway CA and leaves made with the openssl CLI in a temp dir. */

export interface TestPki {
  dir: string;
  caPem: string;
  /** Leaf signed by the test CA for `names`. */
  certPem: string;
  keyPem: string;
  /** Leaf signed by a second CA nobody trusts. */
  untrustedCertPem: string;
  untrustedKeyPem: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(
      `openssl ${args[0]} failed in ${dir}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
}

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-subj",
    `/CN=Halton Meter test ${name}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

async function makeLeaf(dir: string, ca: string, leaf: string, names: string[]): Promise<void> {
  const san = names.map((n) => /^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`).join(",");
  await Deno.writeTextFile(
    `${dir}/${leaf}.ext`,
    `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`,
  );
  await openssl(dir, [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${leaf}.key`,
    "-out",
    `${leaf}.csr`,
    "-subj",
    `/CN=${names[0]}`,
  ]);
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${leaf}.csr`,
    "-CA",
    `${ca}.pem`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-out",
    `${leaf}.pem`,
    "-days",
    "2",
    "-extfile",
    `${leaf}.ext`,
  ]);
}

export async function makeTestPki(names: string[]): Promise<TestPki> {
  const dir = await Deno.makeTempDir({ prefix: "halton-mitm-test-" });
  await Promise.all([makeCa(dir, "ca"), makeCa(dir, "otherca")]);
  await Promise.all([
    makeLeaf(dir, "ca", "leaf", names),
    makeLeaf(dir, "otherca", "untrusted", names),
  ]);
  const read = (f: string) => Deno.readTextFile(`${dir}/${f}`);
  return {
    dir,
    caPem: await read("ca.pem"),
    certPem: await read("leaf.pem"),
    keyPem: await read("leaf.key"),
    untrustedCertPem: await read("untrusted.pem"),
    untrustedKeyPem: await read("untrusted.key"),
  };
}
