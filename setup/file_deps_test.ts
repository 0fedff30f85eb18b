import assert from "node:assert/strict";
import { createFileDeps, writeFileReplacing } from "./file_deps.ts";

async function inTemp(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "hm-file-deps-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const names = async (dir: string) =>
  (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();

Deno.test("writeFileReplacing creates a file with the mode asked for, and leaves no temp file", () =>
  inTemp(async (dir) => {
    await writeFileReplacing(`${dir}/unit.service`, "a\n", { mode: 0o600 });
    assert.equal(await Deno.readTextFile(`${dir}/unit.service`), "a\n");
    assert.equal((await Deno.stat(`${dir}/unit.service`)).mode! & 0o777, 0o600);
    assert.deepEqual(await names(dir), ["unit.service"]);
  }));

Deno.test("writeFileReplacing replaces a file whole and keeps its permission bits", () =>
  inTemp(async (dir) => {
    const rc = `${dir}/.bashrc`;
    await Deno.writeTextFile(rc, "old line\n".repeat(1000));
    await Deno.chmod(rc, 0o640);
    const before = (await Deno.stat(rc)).ino;
    await writeFileReplacing(rc, "new\n");
    assert.equal(await Deno.readTextFile(rc), "new\n");
    assert.equal((await Deno.stat(rc)).mode! & 0o777, 0o640);
    // Replaced by rename (a new inode), not rewritten in place where a crash could truncate it.
    assert.notEqual((await Deno.stat(rc)).ino, before);
    assert.deepEqual(await names(dir), [".bashrc"]);
    // Bytes as given, binary included.
    await writeFileReplacing(rc, new Uint8Array([0, 255, 10]));
    assert.deepEqual(await Deno.readFile(rc), new Uint8Array([0, 255, 10]));
  }));

Deno.test("writeFileReplacing writes through a symlinked rc file, which stays a link", () =>
  inTemp(async (dir) => {
    await Deno.mkdir(`${dir}/dotfiles`);
    await Deno.writeTextFile(`${dir}/dotfiles/zshrc`, "mine\n");
    await Deno.symlink(`${dir}/dotfiles/zshrc`, `${dir}/.zshrc`);
    await writeFileReplacing(`${dir}/.zshrc`, "mine\nours\n");
    assert.ok((await Deno.lstat(`${dir}/.zshrc`)).isSymlink, "the link was replaced by a file");
    assert.equal(await Deno.readTextFile(`${dir}/dotfiles/zshrc`), "mine\nours\n");
    assert.deepEqual(await names(`${dir}/dotfiles`), ["zshrc"]);
    // A dangling link is written through (its target created), as a plain write would.
    await Deno.symlink(`${dir}/dotfiles/fishrc`, `${dir}/.fishrc`);
    await writeFileReplacing(`${dir}/.fishrc`, "x\n");
    assert.ok((await Deno.lstat(`${dir}/.fishrc`)).isSymlink);
    assert.equal(await Deno.readTextFile(`${dir}/dotfiles/fishrc`), "x\n");
  }));

Deno.test("writeFileReplacing fails on a missing directory and leaves the old file and no temp", () =>
  inTemp(async (dir) => {
    await assert.rejects(writeFileReplacing(`${dir}/nope/file`, "x"), Deno.errors.NotFound);
    // A directory where the file should be: the rename fails, the temp file is cleaned up.
    await Deno.mkdir(`${dir}/taken`);
    await Deno.writeTextFile(`${dir}/taken/inside`, "keep");
    await assert.rejects(writeFileReplacing(`${dir}/taken`, "x"));
    assert.equal(await Deno.readTextFile(`${dir}/taken/inside`), "keep");
    assert.deepEqual(await names(dir), ["taken"]);
  }));

Deno.test("createFileDeps().writeFile is the replacing write", () =>
  inTemp(async (dir) => {
    const files = createFileDeps();
    await Deno.writeTextFile(`${dir}/f`, "old");
    await Deno.chmod(`${dir}/f`, 0o600);
    await files.writeFile(`${dir}/f`, "new");
    assert.equal(await files.readTextFile(`${dir}/f`), "new");
    assert.equal((await Deno.stat(`${dir}/f`)).mode! & 0o777, 0o600);
  }));

Deno.test("writeFileReplacing writes in place when the directory refuses new files", async () => {
  await inTemp(async (dir) => {
    await Deno.mkdir(`${dir}/locked`);
    await Deno.writeTextFile(`${dir}/locked/file`, "old");
    // A directory nobody may add to: mode 0555 for a normal user; root ignores modes, so for
    // root the directory is made immutable (chattr +i: its entries fixed, its files writable).
    const lock = Deno.uid() === 0 ? await chattr("+i", `${dir}/locked`) : null;
    if (Deno.uid() === 0 && lock !== null) {
      console.log(`file_deps: in-place fallback SKIPPED: ${lock}`);
      return;
    }
    if (Deno.uid() !== 0) await Deno.chmod(`${dir}/locked`, 0o555);
    try {
      await writeFileReplacing(`${dir}/locked/file`, "new");
      assert.equal(await Deno.readTextFile(`${dir}/locked/file`), "new");
      assert.deepEqual(await names(`${dir}/locked`), ["file"]);
    } finally {
      if (Deno.uid() === 0) await chattr("-i", `${dir}/locked`);
      else await Deno.chmod(`${dir}/locked`, 0o755);
    }
  });
});

/** `chattr FLAG path`: null when it worked, else why not. */
async function chattr(flag: string, path: string): Promise<string | null> {
  try {
    const out = await new Deno.Command("chattr", { args: [flag, path], stderr: "piped" }).output();
    return out.success ? null : `chattr ${flag} failed: ${new TextDecoder().decode(out.stderr)}`;
  } catch (err) {
    return `chattr is not available: ${(err as Error).message}`;
  }
}
