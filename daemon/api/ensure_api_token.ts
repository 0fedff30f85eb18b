import { homePaths } from "../../core/paths.ts";

/** A usable token: what we generate (64 hex) or a hand-set one of similar strength. */
const TOKEN = /^[A-Za-z0-9._~+\/=-]{16,512}$/;

function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function readToken(path: string): Promise<string | null> {
  try {
    const text = (await Deno.readTextFile(path)).trim();
    return TOKEN.test(text) ? text : null;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw new Error(`Cannot read the API token ${path}; check its permissions`, { cause: error });
  }
}

async function tighten(path: string): Promise<void> {
  if (Deno.build.os === "windows") return; // no POSIX modes; the profile folder is private
  await Deno.chmod(path, 0o600);
}

/**
 * Returns the API bearer token from `<home>/api-token`, creating it (32 random bytes,
 * hex, mode 0600) when missing or unusable, and re-tightening the mode of an existing
 * one. The file appears atomically (written aside, then hard-linked into place), so
 * concurrent first starts agree: the loser reads the winner's complete token.
 */
export async function ensureApiToken(home: string): Promise<string> {
  const path = homePaths(home).apiToken;
  const existing = await readToken(path);
  if (existing !== null) {
    await tighten(path);
    return existing;
  }
  const token = newToken();
  const aside = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(aside, token + "\n", { createNew: true, mode: 0o600 });
    try {
      await Deno.link(aside, path);
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      const raced = await readToken(path);
      if (raced !== null) {
        await tighten(path);
        return raced;
      }
      // An empty or garbled file (e.g. a write cut short by a crash): replace it.
      await Deno.rename(aside, path);
    }
  } catch (error) {
    throw new Error(`Cannot create the API token ${path}; check that ${home} is writable`, {
      cause: error,
    });
  } finally {
    await Deno.remove(aside).catch(() => {});
  }
  await tighten(path);
  return token;
}
