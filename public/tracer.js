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
      const name = p.data[0];
      parts.push('event ' + (typeof name === 'string' ? name : JSON.stringify(name)));
    }
    return parts.join(SEP);
  }

  // Splits a Socket.IO packet into {type, attachments, nsp, id, data}, or
  // returns null if it is not well formed: a bad type digit, a binary packet
  // without its "<n>-" attachment count, or a payload that is not JSON.
  // (Whether the payload has the right shape for its type is the receiver's
  // business; the tracer only describes.)
  function parseSocketIO(text) {
    const m = /^([0-6])(?:(\d+)-)?(\/[^,]*(?:,|$))?(\d+)?([^]*)$/.exec(text);
    if (!m) return null;
    const type = Number(m[1]);
    const binary = type === 5 || type === 6;
    if (binary !== (m[2] !== undefined) || (binary && Number(m[2]) < 1)) return null;
    let data;
    if (m[5] !== '') {
      try { data = JSON.parse(m[5]); } catch (e) { return null; }
    }
    return {
      type,
      attachments: binary ? Number(m[2]) : 0,
      nsp: m[3] ? m[3].replace(/,$/, '') : '/',
      id: m[4] === undefined ? undefined : Number(m[4]),
      data,
    };
  }

  const api = { explainFrame, parseSocketIO };
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
  else Object.assign(root, api);
})(typeof window !== 'undefined' ? window : globalThis);
