import assert from "node:assert/strict";
import { permessageDeflateAccepted } from "./permessage_deflate_accepted.ts";

Deno.test("permessage-deflate accepted: by name, whatever its parameters or case", () => {
  assert.equal(permessageDeflateAccepted(null), false);
  assert.equal(permessageDeflateAccepted(""), false);
  assert.equal(permessageDeflateAccepted("permessage-deflate"), true);
  assert.equal(
    permessageDeflateAccepted(
      "Permessage-Deflate; server_no_context_takeover; client_max_window_bits=15",
    ),
    true,
  );
  assert.equal(permessageDeflateAccepted("x-webkit-deflate-frame, permessage-deflate"), true);
  assert.equal(permessageDeflateAccepted("x-webkit-deflate-frame"), false);
});
