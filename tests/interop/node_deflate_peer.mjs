// Node `ws` as a permessage-deflate peer for wscore (loopback only).
//   node node_deflate_peer.mjs server PORT [VARIANT]
//   node node_deflate_peer.mjs client URL [VARIANT]
// VARIANT: default | no-context-takeover | small-window. Ends with "N passed, N failed".
import { WebSocket, WebSocketServer } from "ws";

const SIZES = [0, 1, 125, 126, 1000, 1024, 65535, 65536, 1 << 20, 16 << 20];
const [mode, where, variant = "default"] = process.argv.slice(2);

function deflateOptions() {
  const o = { threshold: 0 };
  if (variant === "no-context-takeover") {
    o.serverNoContextTakeover = true;
    o.clientNoContextTakeover = true;
  }
  if (variant === "small-window") {
    o.serverMaxWindowBits = 9;
    o.clientMaxWindowBits = 9;
  }
  return o;
}

function payload(size, text) {
  let s = "";
  for (let i = 0; s.length < size; i++) s += `{"id":${i},"name":"sensor","ok":true,"pad":"${"x".repeat(i % 17)}"}\n`;
  s = s.slice(0, size);
  return text ? s : Buffer.from(s);
}

if (mode === "server") {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: Number(where), perMessageDeflate: deflateOptions(), maxPayload: 0 });
  wss.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
} else {
  let passed = 0, failed = 0;
  const ws = new WebSocket(where, { perMessageDeflate: deflateOptions(), maxPayload: 0 });
  const queue = [];
  let waiting = null;
  ws.on("message", (data, isBinary) => {
    const m = { data, isBinary };
    if (waiting) { const w = waiting; waiting = null; w(m); } else queue.push(m);
  });
  const next = () => new Promise((resolve) => (queue.length ? resolve(queue.shift()) : (waiting = resolve)));
  ws.on("error", (e) => { console.log(`FAIL error ${e.message}`); process.exit(1); });
  ws.on("open", async () => {
    const ok = ws.extensions.startsWith("permessage-deflate");
    console.log((ok ? "ok   " : "FAIL ") + `negotiated: ${JSON.stringify(ws.extensions)}`);
    ok ? passed++ : failed++;
    for (const text of [true, false]) {
      for (const size of SIZES) {
        const message = payload(size, text);
        ws.send(message, { binary: !text });
        const echo = await next();
        const same = text ? !echo.isBinary && echo.data.toString() === message : echo.isBinary && Buffer.compare(echo.data, message) === 0;
        same ? passed++ : failed++;
        if (!same) console.log(`FAIL ${text ? "text" : "binary"} ${size} B echo differs`);
      }
    }
    ws.close(1000);
    ws.on("close", () => {
      console.log(`ok   ${passed - 1} echoes (${variant})`);
      console.log(`${passed} passed, ${failed} failed`);
      process.exit(failed ? 1 : 0);
    });
  });
}
