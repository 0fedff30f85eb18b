import { createServiceSpec } from "./service_spec.ts";

/** A macOS source checkout. */
export const macSpec = createServiceSpec({
  home: "/Users/ada/.halton-meter",
  launch: {
    execPath: "/Users/ada/.deno/bin/deno",
    mainModule: "file:///Users/ada/src/halton-meter/main.ts",
    compiled: false,
  },
});

/** A Linux compiled binary. */
export const linuxSpec = createServiceSpec({
  home: "/home/ada/.halton-meter",
  launch: {
    execPath: "/home/ada/.local/bin/halton-meter",
    mainModule: "file:///unused/main.ts",
    compiled: true,
  },
});

/** Windows, from source, with a space in the checkout path. */
export const windowsSpec = createServiceSpec({
  home: "C:\\Users\\Ada\\.halton-meter",
  user: "DESKTOP-7Q2\\Ada",
  launch: {
    execPath: "C:\\Program Files\\Deno\\deno.exe",
    mainModule: "file:///C:/Users/Ada/src/halton%20meter/main.ts",
    compiled: false,
  },
});

/** Every character the formats treat specially, in paths and values. */
export const NASTY_HOME = `/Users/ada lovelace/Halton & "Co" <meter> 100% it's $HOME \\ x`;

export const nastySpec = createServiceSpec({
  home: NASTY_HOME,
  env: { EXTRA: "a;b %h ${X} 'q' \"d\"" },
  launch: {
    execPath: "/opt/deno 2/bin/deno",
    mainModule: "file:///Users/ada%20lovelace/src/h%26m%25/main.ts",
    compiled: false,
  },
});

export const nastyWindowsSpec = createServiceSpec({
  home: "C:\\Users\\Ada & Bo\\.halton-meter",
  user: "CORP\\ada.o'neil",
  launch: {
    execPath: "C:\\Users\\Ada & Bo\\deno.exe",
    mainModule: "file:///C:/Users/Ada%20&%20Bo/src/<meter>/main.ts",
    compiled: false,
  },
});
