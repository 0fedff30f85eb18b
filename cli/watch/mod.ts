/** `watch`: the live terminal view. */
export { processTerminal, runWatch, type WatchOptions, type WatchTerminal } from "./watch.ts";
export { registerWatchCommand } from "./register.ts";
export { renderFrame, type WatchData } from "./render_frame.ts";
