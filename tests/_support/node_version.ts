/** The `node` on PATH, as `node --version` prints it (`v20.20.2`); null when there is none. */
export const NODE_VERSION: string | null = (() => {
  try {
    const out = new Deno.Command("node", { args: ["--version"], stdout: "piped" }).outputSync();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null;
  }
})();
