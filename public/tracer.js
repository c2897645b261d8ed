/*
 * tracer.js: explains one Engine.IO frame in one line.
 *
 *   explainFrame('42["chat","hi"]')
 *   -> 'Engine.IO 4 message · Socket.IO 2 event · namespace / · event chat'
 *
 * A frame is a string (a text packet) or an ArrayBuffer / typed array (a
 * binary message). The Go server prints the very same lines in its terminal,
 * so the two stay in step: parts are joined by " · " and come in a fixed order.
 *
 * Works as a classic <script> (global `explainFrame`) and in Node
 * (`require('./tracer.js').explainFrame`).
 */
(function (root) {
  'use strict';

  const SEP = ' \u00b7 ';
  const ENGINE_TYPES = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'];
  const SOCKET_TYPES = ['connect', 'disconnect', 'event', 'ack', 'connect error',
    'binary event', 'binary ack'];
  const MAX_ATTACHMENTS = 10; // main.go's maxAttachments, as in socket.io-parser

  function explainFrame(data) {
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
      return 'Engine.IO binary message (' + data.byteLength + ' bytes)';
    }
    if (typeof data !== 'string' || !/^[0-6]/.test(data)) return 'not an Engine.IO packet';
    const type = Number(data[0]);
    const rest = data.slice(1);
    const parts = ['Engine.IO ' + type + ' ' + ENGINE_TYPES[type]];
    if (type === 4) parts.push(explainSocketIO(rest));
    else if ((type === 2 || type === 3) && rest) parts.push('payload ' + rest); // 2probe / 3probe
    return parts.join(SEP);
  }

  // A Socket.IO packet: <type>[<attachments>-][<namespace>,][<ack id>][<JSON>]
  function explainSocketIO(text) {
    const p = parseSocketIO(text);
    if (!p) return 'not a valid Socket.IO packet';
    const parts = ['Socket.IO ' + p.type + ' ' + SOCKET_TYPES[p.type]];
    if (p.attachments) parts.push(p.attachments + (p.attachments === 1 ? ' attachment' : ' attachments'));
    parts.push('namespace ' + p.nsp);
    if (p.id !== undefined) parts.push('ack id ' + p.id);
    if ((p.type === 2 || p.type === 5) && Array.isArray(p.data) && p.data.length > 0) {
      parts.push('event ' + eventName(p.data[0]));
    }
    return parts.join(SEP);
  }

  // An event is named by a string, or else shown as JSON the way the Go
  // server writes it: a number as JavaScript writes it ("1.50" is 1.5), an
  // object with its keys sorted.
  function eventName(name) {
    if (typeof name === 'string') return name;
    const sortKeys = (key, v) => (v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v);
    return JSON.stringify(name, sortKeys);
  }

  // parseSocketIO splits a Socket.IO packet into {type, attachments, nsp, id,
  // data, json}, step by step in the order of main.go's parsePacket, or
  // returns null where parsePacket fails: a bad type digit, a binary packet
  // without a count of 1 to 10 attachments before its "-", an ack id of more
  // than 9 digits, or a payload that is not JSON. (Whether the payload has
  // the right shape for its type is the receiver's business; the tracer
  // only describes.)
  function parseSocketIO(text) {
    if (!/^[0-6]/.test(text)) return null;
    const p = { type: Number(text[0]), attachments: 0, nsp: '/', id: undefined, data: undefined, json: '' };
    let rest = text.slice(1);
    if (p.type === 5 || p.type === 6) {
      const dash = rest.indexOf('-');
      const count = rest.slice(0, dash); // read as Go's strconv.Atoi does, so "+1" counts too
      if (dash < 1 || !/^\+?\d+$/.test(count) || Number(count) < 1 || Number(count) > MAX_ATTACHMENTS) return null;
      p.attachments = Number(count);
      rest = rest.slice(dash + 1);
    }
    if (rest[0] === '/') { // the namespace ends at a comma, or at the end: "40/custom"
      const comma = rest.indexOf(',');
      p.nsp = comma < 0 ? rest : rest.slice(0, comma);
      rest = comma < 0 ? '' : rest.slice(comma + 1);
    }
    const id = /^\d*/.exec(rest)[0];
    if (id.length > 9) return null; // main.go reads no more than 9 digits
    if (id) p.id = Number(id);
    p.json = rest.slice(id.length);
    if (p.json === '') return p;
    try {
      p.data = JSON.parse(p.json);
    } catch (e) {
      return null;
    }
    return p;
  }

  const api = { explainFrame, parseSocketIO };
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
  else Object.assign(root, api);
})(typeof window !== 'undefined' ? window : globalThis);
