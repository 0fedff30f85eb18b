import assert from "node:assert/strict";
import { projectFromCwd } from "./_project_from_cwd.ts";

/** A file system that has exactly `paths`, recording what was asked. */
function fs(paths: string[], homeDir: string | null = "/home/ada") {
  const asked: string[] = [];
  return {
    asked,
    deps: {
      homeDir,
      exists: (p: string) => {
        asked.push(p);
        return Promise.resolve(paths.includes(p));
      },
    },
  };
}

Deno.test("projectFromCwd: the nearest directory holding .git names the project", async () => {
  const { deps, asked } = fs(["/home/ada/src/acme-widgets/.git"]);
  assert.equal(await projectFromCwd("/home/ada/src/acme-widgets/pkg/api", deps), "acme-widgets");
  // Walked up from the cwd, and stopped at the repository.
  assert.deepEqual(asked, [
    "/home/ada/src/acme-widgets/pkg/api/.git",
    "/home/ada/src/acme-widgets/pkg/.git",
    "/home/ada/src/acme-widgets/.git",
  ]);
  assert.equal(await projectFromCwd("/home/ada/src/acme-widgets", deps), "acme-widgets");
  assert.equal(await projectFromCwd("/home/ada/src/acme-widgets/", deps), "acme-widgets");
  // The nearest wins: a submodule or worktree (its .git is a file; exists() covers both).
  const nested = fs(["/w/mono/.git", "/w/mono/vendor/lib-x/.git"]);
  assert.equal(await projectFromCwd("/w/mono/vendor/lib-x/src", nested.deps), "lib-x");
  assert.equal(await projectFromCwd("/w/mono/vendor", nested.deps), "mono");
});

Deno.test("projectFromCwd: without a repository, the directory's own name", async () => {
  const { deps, asked } = fs([]);
  assert.equal(await projectFromCwd("/home/ada/scratch/report-2025", deps), "report-2025");
  assert.deepEqual(asked, [
    "/home/ada/scratch/report-2025/.git",
    "/home/ada/scratch/.git",
  ], "the walk stops below the home directory");
  assert.equal(await projectFromCwd("/tmp/hm-x/plain-dir", deps), "plain-dir");
  assert.equal(await projectFromCwd("/srv/www/site (deleted)", deps), "site");
  assert.equal(await projectFromCwd("/home/ada/café%20app", deps), "café app");
});

Deno.test("projectFromCwd: roots and meaningless directories name nothing", async () => {
  // A dotfiles repository in the home directory, and one at /, are not projects.
  const { deps } = fs(["/home/ada/.git", "/.git"]);
  for (
    const cwd of [
      "/",
      "/home/ada",
      "/home/ada/",
      "/home",
      "/tmp",
      "/var/tmp",
      "/private/tmp",
      "/usr",
      "/opt",
      "relative/dir",
      "",
      "/a/../etc",
    ]
  ) {
    assert.equal(await projectFromCwd(cwd, deps), null, cwd);
  }
  // Inside home but outside any repository: the directory's name, not the home's dotfiles.
  assert.equal(await projectFromCwd("/home/ada/notes", deps), "notes");
  const mac = fs([], "/Users/ada");
  assert.equal(await projectFromCwd("/Users/ada", mac.deps), null);
  assert.equal(await projectFromCwd("/Users", mac.deps), null);
  const tmp = { ...mac.deps, otherRoots: ["/var/folders/xy/abc/T/"] };
  assert.equal(await projectFromCwd("/var/folders/xy/abc/T", tmp), null);
  assert.equal(await projectFromCwd("/var/folders/xy/abc/T/job-7", tmp), "job-7");
});

Deno.test("projectFromCwd: names the project rules refuse give null; a failing fs is no repository", async () => {
  const { deps } = fs(["/w/bad\u0007name/.git"]);
  assert.equal(await projectFromCwd("/w/bad\u0007name/src", deps), null);
  assert.equal(await projectFromCwd(`/w/${"a".repeat(200)}/x`, deps), "x");
  const throwing = {
    homeDir: null,
    exists: () => Promise.reject(new Error("EACCES")),
  };
  assert.equal(await projectFromCwd("/w/repo/sub", throwing), "sub");
});
