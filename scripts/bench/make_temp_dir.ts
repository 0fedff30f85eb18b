import type { CleanupScope } from "./cleanup_scope.ts";

/** A temp dir removed (recursively) when `scope` closes. */
export async function makeTempDir(scope: CleanupScope, prefix: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix });
  scope.defer(`temp dir ${dir}`, () => Deno.remove(dir, { recursive: true }));
  return dir;
}
