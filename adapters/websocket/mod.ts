// Public surface of the WebSocket metering: a pure reader per direction (frames, fragments,
// permessage-deflate), a frame encoder, and the session parsers that turn a session's text
// messages into calls.
export { createWsReader, MAX_WS_MESSAGE_BYTES } from "./create_ws_reader.ts";
export type { WsEvent, WsReader, WsReaderOptions } from "./create_ws_reader.ts";
export { closePayload, encodeWsFrame } from "./encode_ws_frame.ts";
export type { FrameSpec } from "./encode_ws_frame.ts";
export { permessageDeflateAccepted } from "./permessage_deflate_accepted.ts";
export { createWsSession, findWsSession } from "./find_ws_session.ts";
export type * from "./types.ts";
