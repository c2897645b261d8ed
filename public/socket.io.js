/*
 * socket.io.js: a small Socket.IO client, written to be read.
 *
 * Two layers, the same two as on the server:
 *
 *   Engine.IO v4  carries packets. A packet is one ASCII digit (its type) and
 *                 an optional payload: 0 open, 1 close, 2 ping, 3 pong,
 *                 4 message, 5 upgrade, 6 noop. The session starts on HTTP
 *                 long-polling (a GET the server holds until it has something
 *                 to say, and a POST for each batch we send), then moves to a
 *                 WebSocket if it can.
 *
 *   Socket.IO v5  rides inside Engine.IO "message" packets and adds a second
 *                 digit: 0 connect, 1 disconnect, 2 event, 3 ack,
 *                 4 connect error, 5 binary event, 6 binary ack.
 *                 So 42["chat","hi"] is an Engine.IO message holding a Socket.IO event.
 *
 * It is used like the official client: `const socket = io()`, `socket.on(...)`,
 * `socket.emit(...)`. Inside, a packet is kept as it looks on the wire: a string
 * for a text packet, an ArrayBuffer for a binary message. Each one going out or
 * coming in is reported by `socket.io.on('frame', (direction, data, transportName) => ...)`.
 */
(function (global) {
  'use strict';

  // ---------------------------------------------------------------- helpers

  // A minimal event emitter. Listeners run through `_fire`, because Socket
  // uses the name `emit` for sending events to the server.
  class Emitter {
    constructor() { this._handlers = {}; }
    on(name, fn) { (this._handlers[name] = this._handlers[name] || []).push(fn); return this; }
    once(name, fn) {
      const once = (...args) => { this.off(name, once); fn.apply(this, args); };
      once.fn = fn;
      return this.on(name, once);
    }
    off(name, fn) { // off() drops every listener, off(name) those of one event
      if (name === undefined) this._handlers = {};
      else this._handlers[name] = fn ? (this._handlers[name] || []).filter((h) => h !== fn && h.fn !== fn) : [];
      return this;
    }
    _fire(name, ...args) {
      for (const fn of (this._handlers[name] || []).slice()) {
        // A listener that throws is reported, but cannot break the protocol state.
        try { fn.apply(this, args); } catch (err) { setTimeout(() => { throw err; }); }
      }
    }
  }

  const isBinary = (v) => v instanceof ArrayBuffer || ArrayBuffer.isView(v);
  const toArrayBuffer = (v) => (v instanceof ArrayBuffer ? v
    : v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  const toBase64 = (buffer) => btoa(Array.from(new Uint8Array(buffer), (b) => String.fromCharCode(b)).join(''));
  const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0)).buffer;
  const byteLength = (text) => new TextEncoder().encode(text).length;

  // ------------------------------------------------- Socket.IO packet codec

  const CONNECT = 0, DISCONNECT = 1, EVENT = 2, ACK = 3, CONNECT_ERROR = 4,
    BINARY_EVENT = 5, BINARY_ACK = 6;
  const RESERVED = ['connect', 'connect_error', 'disconnect', 'disconnecting',
    'newListener', 'removeListener'];

  // Binary values cannot go inside JSON. Each one is swapped for a placeholder
  // {"_placeholder":true,"num":N} and sent afterwards as its own binary message.
  function deconstruct(value, buffers) {
    if (isBinary(value)) {
      buffers.push(toArrayBuffer(value));
      return { _placeholder: true, num: buffers.length - 1 };
    }
    if (Array.isArray(value)) return value.map((v) => deconstruct(v, buffers));
    if (value && typeof value === 'object' && typeof value.toJSON !== 'function') {
      const out = {};
      for (const key of Object.keys(value)) out[key] = deconstruct(value[key], buffers);
      return out;
    }
    return value;
  }

  // The reverse: put the received ArrayBuffers back where the placeholders are.
  function reconstruct(value, buffers) {
    if (Array.isArray(value)) return value.map((v) => reconstruct(v, buffers));
    if (value && typeof value === 'object') {
      if (value._placeholder === true) {
        const n = value.num;
        if (!Number.isInteger(n) || n < 0 || n >= buffers.length) throw new Error('bad placeholder');
        return buffers[n];
      }
      for (const key of Object.keys(value)) value[key] = reconstruct(value[key], buffers);
    }
    return value;
  }

  // Encoding: <type>[<attachments>-][<namespace>,][<ack id>][<JSON>]
  // Returns the text part followed by any binary attachments.
  function encode(type, nsp, data, id) {
    const buffers = [];
    const json = data === undefined ? '' : JSON.stringify(deconstruct(data, buffers));
    if (buffers.length) type += 3; // EVENT becomes BINARY_EVENT, ACK becomes BINARY_ACK
    let text = String(type);
    if (buffers.length) text += buffers.length + '-';
    if (nsp !== '/') text += nsp + ',';
    if (id !== undefined) text += id;
    return [text + json, ...buffers];
  }

  // Decoding, in the same order. The namespace ends at a comma or at the end
  // of the string ("40/custom" is valid). Throws on anything malformed.
  function decode(text) {
    if (!/^[0-6]/.test(text)) throw new Error('bad packet type');
    const p = { type: Number(text[0]), nsp: '/', attachments: 0 };
    let rest = text.slice(1);
    if (p.type === BINARY_EVENT || p.type === BINARY_ACK) {
      const m = /^(\d+)-/.exec(rest);
      if (!m || Number(m[1]) < 1) throw new Error('bad attachment count');
      p.attachments = Number(m[1]);
      rest = rest.slice(m[0].length);
    }
    if (rest[0] === '/') {
      const comma = rest.indexOf(',');
      p.nsp = comma < 0 ? rest : rest.slice(0, comma);
      rest = comma < 0 ? '' : rest.slice(comma + 1);
    }
    const id = /^\d*/.exec(rest)[0];
    if (id) { p.id = Number(id); rest = rest.slice(id.length); }
    if (rest) p.data = JSON.parse(rest);
    // What each type may carry (binary types follow the rule of their plain twin).
    const d = p.data, isArray = Array.isArray(d);
    const isObject = d !== null && typeof d === 'object' && !isArray;
    const valid = [d === undefined || isObject, d === undefined, isArray && d.length > 0,
      isArray, isObject || typeof d === 'string'][p.type > CONNECT_ERROR ? p.type - 3 : p.type];
    if (!valid) throw new Error('bad payload for packet type ' + p.type);
    return p;
  }

  // ------------------------------------------------------------ Engine.IO v4

  // One Engine.IO session. Events: open, message (string or ArrayBuffer),
  // frame (direction, packet, transportName), upgrade ({name}), close (reason).
  let requests = 0;

  class Engine extends Emitter {
    constructor(uri, opts) {
      super();
      this.uri = uri;                    // e.g. http://127.0.0.1:3000/socket.io/
      this.opts = opts;
      this.id = null;                    // the session id ("sid") from the open packet
      this.readyState = 'opening';       // opening, open, closing (polling only), closed
      this.transport = { name: opts.transports[0] };
      this.queue = [];                   // packets waiting to be written
      this.polling = false;              // a long-poll GET is in flight
      this.writing = false;              // a POST is in flight (never more than one)
      this.upgrading = false;            // the probe succeeded; switching to WebSocket
      if (this.transport.name === 'websocket') this._openWebSocket();
      else this._poll(); // the first GET, without a sid, is the handshake
    }

    _url(transport) {
      const url = new URL(this.uri);
      if (transport === 'websocket') url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      url.searchParams.set('EIO', '4');
      url.searchParams.set('transport', transport);
      if (this.id) url.searchParams.set('sid', this.id);
      // A cache buster, so that no cache answers a poll in the server's place.
      if (transport === 'polling') url.searchParams.set('t', Date.now().toString(36) + '.' + requests++);
      return url.href;
    }

    // -- incoming packets, from either transport
    _receive(packet, via) {
      if (this.readyState === 'closed') return;
      this._fire('frame', 'in', packet, via);
      if (typeof packet !== 'string') return this._fire('message', packet); // binary message
      const data = packet.slice(1);
      switch (packet[0]) {
        case '0': return this._onOpen(JSON.parse(data));
        case '1': return this._onClose('transport close');
        case '2': this._resetPingTimer(); return this.send('3'); // v4: the server pings, we pong
        case '4': return this._fire('message', data);
        case '3': case '5': case '6': return; // 6 (noop) only serves to end a pending poll
        default: throw new Error('unknown packet type');
      }
    }

    // The open packet: 0{"sid":"...","upgrades":["websocket"],"pingInterval":25000,
    // "pingTimeout":20000,"maxPayload":1000000}
    _onOpen(handshake) {
      this.id = handshake.sid;
      this.pingInterval = handshake.pingInterval;
      this.pingTimeout = handshake.pingTimeout;
      this.maxPayload = handshake.maxPayload || 1e6;
      this.readyState = 'open';
      this.opened = true;
      this._resetPingTimer();
      this._fire('open');
      this._flush();
      if (this.transport.name === 'polling' && (handshake.upgrades || []).includes('websocket') &&
          this.opts.transports.includes('websocket')) this._probe();
    }

    // If no ping comes for pingInterval + pingTimeout, the server is gone.
    _resetPingTimer() {
      clearTimeout(this._pingTimer);
      this._pingTimer = setTimeout(() => this._onClose('ping timeout'), this.pingInterval + this.pingTimeout);
    }

    // -- HTTP long-polling: one GET after another; packets joined by \x1e
    async _poll() {
      this.polling = true;
      let body;
      try {
        this._getAbort = new AbortController();
        const res = await fetch(this._url('polling'), { cache: 'no-store', signal: this._getAbort.signal });
        if (!res.ok) throw new Error('GET answered ' + res.status + ' ' + (await res.text()));
        body = await res.text();
      } catch (err) {
        return this._onClose('transport error', err);
      } finally {
        this.polling = false;
      }
      try {
        for (const part of body.split('\x1e')) {
          // Polling carries text only, so a binary message travels as "b" + base64.
          this._receive(part[0] === 'b' ? fromBase64(part.slice(1)) : part, 'polling');
        }
        if (this.readyState === 'opening') throw new Error('no open packet');
      } catch (err) {
        return this._onClose('parse error', err);
      }
      if (this.readyState !== 'open' || this.transport.name !== 'polling') return;
      if (this.upgrading) this._finishUpgrade(); else this._poll();
    }

    // Write the queue in one POST (up to maxPayload bytes); one POST at a time.
    async _post() {
      const parts = [];
      let size = 0;
      for (const p of this.queue) {
        const text = typeof p === 'string' ? p : 'b' + toBase64(p);
        size += byteLength(text) + 1;
        if (parts.length && size > this.maxPayload) break;
        parts.push(text);
      }
      for (const p of this.queue.splice(0, parts.length)) this._fire('frame', 'out', p, 'polling');
      this.writing = true;
      try {
        const res = await fetch(this._url('polling'), {
          method: 'POST', cache: 'no-store', body: parts.join('\x1e'),
          headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
        });
        if (!res.ok) throw new Error('POST answered ' + res.status);
        await res.text(); // "ok"
      } catch (err) {
        return this._onClose('transport error', err);
      } finally {
        this.writing = false;
      }
      if (this.readyState === 'closing' && !this.queue.length) this._onClose('forced close');
      else if (this.upgrading) this._finishUpgrade();
      else this._flush();
    }

    send(packet) {
      if (this.readyState !== 'opening' && this.readyState !== 'open') return;
      this.queue.push(packet);
      this._flush();
    }

    _flush() {
      if (!this.queue.length || this.upgrading || this.readyState === 'opening') return;
      if (this.transport.name === 'polling') {
        if (!this.writing) this._post();
        return;
      }
      for (const p of this.queue.splice(0)) {
        this._fire('frame', 'out', p, 'websocket');
        this.ws.send(p); // a string goes as a text frame, an ArrayBuffer as a binary frame
      }
    }

    // -- WebSocket: one packet per WebSocket message, a binary one as raw bytes
    _useWebSocket(ws) {
      this.ws = ws;
      ws.onmessage = (e) => {
        try { this._receive(e.data, 'websocket'); } catch (err) { this._onClose('parse error', err); }
      };
      ws.onclose = () => this._onClose('transport close');
    }

    _openWebSocket() {
      const ws = new WebSocket(this._url('websocket'));
      ws.binaryType = 'arraybuffer';
      this._useWebSocket(ws); // the server speaks first, with the open packet
    }

    // The upgrade. Open a WebSocket with the same sid and send "2probe"; the
    // server answers "3probe" and from then on answers our polls with "6" (noop).
    // Start no new GET or POST, wait for those in flight to come back, then send
    // "5" (upgrade) on the WebSocket. From then on, only the WebSocket is used.
    _probe() {
      const ws = this.probe = new WebSocket(this._url('websocket'));
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => { this._fire('frame', 'out', '2probe', 'websocket'); ws.send('2probe'); };
      ws.onmessage = (e) => {
        this._fire('frame', 'in', e.data, 'websocket');
        if (e.data !== '3probe' || this.readyState !== 'open') return this._abortProbe();
        this.upgrading = true;
        this._finishUpgrade();
      };
      ws.onclose = () => this._abortProbe();
    }

    _finishUpgrade() {
      if (!this.upgrading || this.polling || this.writing) return; // not yet
      const ws = this.probe;
      this.probe = null;
      this.upgrading = false;
      this._fire('frame', 'out', '5', 'websocket');
      ws.send('5');
      this.transport = { name: 'websocket' };
      this._useWebSocket(ws);
      this._fire('upgrade', this.transport);
      this._flush(); // whatever was held back during the switch
    }

    // The probe failed (or we are closing): forget it and stay on polling.
    _abortProbe() {
      const ws = this.probe;
      if (!ws) return;
      this.probe = null;
      ws.onopen = ws.onmessage = ws.onclose = null;
      ws.close();
      if (!this.upgrading) return;
      this.upgrading = false;
      if (this.readyState === 'open') { this._flush(); if (!this.polling) this._poll(); }
    }

    // Close on purpose. Over polling, the close packet "1" goes in a last POST,
    // after anything still queued (such as a Socket.IO DISCONNECT).
    close() {
      if (this.readyState === 'open' && this.transport.name === 'polling') {
        this._abortProbe();
        this.queue.push('1');
        this._flush();
        this.readyState = 'closing';
      } else if (this.readyState !== 'closing') {
        this._flush();
        this._onClose('forced close');
      }
    }

    _onClose(reason, error) {
      if (this.readyState === 'closed') return;
      this.readyState = 'closed';
      clearTimeout(this._pingTimer);
      this._abortProbe();
      if (this._getAbort) this._getAbort.abort();
      if (this.ws) { this.ws.onmessage = this.ws.onclose = null; this.ws.close(); }
      this.queue = [];
      this._fire('close', reason, error);
    }
  }

  // ----------------------------------------------- Manager (socket.io property)

  // One Manager per server. It owns the Engine.IO session, reconnects it, and
  // carries the sockets of all namespaces over it (multiplexing). Events:
  // frame, open, close, upgrade (transportName), error, reconnect_attempt, reconnect.
  class Manager extends Emitter {
    constructor(uri, opts) {
      super();
      this.uri = uri;
      this.opts = opts;
      this.nsps = {};          // namespace -> Socket
      this.engine = null;
      this.attempts = 0;       // reconnection attempts since the last success
      this.pending = null;     // a binary packet still waiting for attachments
    }

    open() {
      const old = this.engine;
      if (old && (old.readyState === 'opening' || old.readyState === 'open')) return this;
      this._stopReconnecting();
      const engine = this.engine = new Engine(this.uri, this.opts);
      const current = () => engine === this.engine; // ignore a replaced engine
      engine.on('frame', (...args) => this._fire('frame', ...args));
      engine.on('upgrade', (t) => current() && this._fire('upgrade', t.name));
      engine.on('message', (data) => current() && this._onMessage(data));
      engine.on('close', (reason, error) => current() && this._onEngineClose(engine, reason, error));
      engine.on('open', () => {
        if (!current()) return;
        this.pending = null;
        this._fire('open');
        if (this.attempts) this._fire('reconnect', this.attempts);
        this.attempts = 0;
        for (const s of Object.values(this.nsps)) if (s.active) s._sendConnect();
      });
      return this;
    }

    _onEngineClose(engine, reason, error) {
      const sockets = Object.values(this.nsps);
      if (engine.opened) {
        this._fire('close', reason);
        for (const s of sockets) s._onClose(reason);
      } else { // the handshake itself failed
        const err = new Error(error ? error.message : reason);
        this._fire('error', err);
        for (const s of sockets) if (s.active) s._fire('connect_error', err);
      }
      if (reason !== 'forced close' && this.opts.reconnection && sockets.some((s) => s.active)) {
        this._reconnectLater();
      }
    }

    // Exponential backoff: 1 s, 2 s, 4 s, then 5 s, each with +/-50 % jitter
    // so that a crowd of clients does not come back in the same instant.
    _reconnectLater() {
      if (this._timer) return;
      const base = this.opts.reconnectionDelay * Math.pow(2, this.attempts++);
      const delay = Math.min(this.opts.reconnectionDelayMax, base * (0.5 + Math.random()));
      this._timer = setTimeout(() => {
        this._timer = null;
        this._fire('reconnect_attempt', this.attempts);
        this.open();
      }, delay);
    }

    _stopReconnecting() {
      clearTimeout(this._timer);
      this._timer = null;
    }

    // Close the session once no socket wants to be connected.
    _maybeClose() {
      if (Object.values(this.nsps).some((s) => s.active)) return;
      this._stopReconnecting();
      this.attempts = 0;
      if (this.engine) this.engine.close();
    }

    // Send one Socket.IO packet: its text as an Engine.IO message ("4" + text),
    // then each attachment as a binary message.
    _packet(type, nsp, data, id) {
      for (const part of encode(type, nsp, data, id)) {
        this.engine.send(typeof part === 'string' ? '4' + part : part);
      }
    }

    // An Engine.IO message came in: a Socket.IO packet, or an attachment of one.
    _onMessage(data) {
      try {
        let p;
        if (typeof data === 'string') {
          if (this.pending) throw new Error('expected a binary attachment');
          p = decode(data);
          if (p.attachments) { p.buffers = []; this.pending = p; return; }
        } else {
          p = this.pending;
          if (!p) throw new Error('unexpected binary message');
          p.buffers.push(data);
          if (p.buffers.length < p.attachments) return;
          this.pending = null;
          p.data = reconstruct(p.data, p.buffers);
        }
        const socket = this.nsps[p.nsp];
        if (socket) socket._onPacket(p);
      } catch (err) {
        this.engine._onClose('parse error', err);
      }
    }
  }

  // ----------------------------------------------------------------- Socket

  // One namespace on a Manager. `active` means "wants to be connected": the
  // Manager reconnects on its behalf until disconnect() is called or the
  // server sends a DISCONNECT.
  class Socket extends Emitter {
    constructor(io, nsp, opts) {
      super();
      this.io = io;
      this.nsp = nsp;
      this.auth = opts.auth;
      this.id = undefined;       // the Socket.IO id (not the Engine.IO sid)
      this.connected = false;
      this.active = false;
      this.ids = 0;              // the next ack id
      this.acks = {};            // ack id -> callback
      this.sendBuffer = [];      // emits made while not connected
    }

    get disconnected() { return !this.connected; }

    connect() {
      if (this.connected) return this;
      const wasActive = this.active;
      this.active = true;
      const engine = this.io.engine;
      if (engine && engine.readyState === 'open') { if (!wasActive) this._sendConnect(); }
      else this.io.open(); // CONNECT goes out once the session is open
      return this;
    }
    open() { return this.connect(); }

    // 40 or 40/custom, then the auth object as JSON if there is one.
    _sendConnect() { this.io._packet(CONNECT, this.nsp, this.auth); }

    // emit(name, ...args[, ack]): 42["name",...args], or 42<id>[...] with an ack.
    emit(event, ...args) {
      if (RESERVED.includes(event)) throw new Error('"' + event + '" is a reserved event name');
      const packet = { data: [event, ...args] };
      if (typeof args[args.length - 1] === 'function') {
        packet.id = this.ids++;
        this.acks[packet.id] = packet.data.pop();
      }
      if (this.connected) this.io._packet(EVENT, this.nsp, packet.data, packet.id);
      else this.sendBuffer.push(packet);
      return this;
    }
    send(...args) { return this.emit('message', ...args); }

    disconnect() {
      if (this.connected) this.io._packet(DISCONNECT, this.nsp);
      this.active = false;
      this._onClose('io client disconnect');
      this.io._maybeClose();
      return this;
    }
    close() { return this.disconnect(); }

    _onPacket(p) {
      switch (p.type) {
        case CONNECT:
          this.id = p.data && p.data.sid;
          this.connected = true;
          for (const b of this.sendBuffer.splice(0)) this.io._packet(EVENT, this.nsp, b.data, b.id);
          return this._fire('connect');
        case DISCONNECT: // the server let us go: do not come back on our own
          this.active = false;
          this._onClose('io server disconnect');
          return this.io._maybeClose();
        case CONNECT_ERROR: { // an unknown namespace, or refused by the server
          this.active = false;
          const err = new Error(typeof p.data === 'string' ? p.data : p.data.message);
          err.data = p.data.data;
          this._fire('connect_error', err);
          return this.io._maybeClose();
        }
        case EVENT: case BINARY_EVENT: {
          if (!this.connected) return;
          const args = p.data.slice();
          if (p.id !== undefined) args.push(this._ackFor(p.id));
          return this._fire(...args);
        }
        case ACK: case BINARY_ACK: {
          const fn = this.acks[p.id];
          delete this.acks[p.id];
          if (fn) fn.apply(this, p.data);
        }
      }
    }

    // The server wants an acknowledgement: give the listener a callback that
    // answers 43<id>[...args], once.
    _ackFor(id) {
      let sent = false;
      return (...args) => {
        if (sent || !this.connected) return;
        sent = true;
        this.io._packet(ACK, this.nsp, args, id);
      };
    }

    _onClose(reason) {
      if (!this.connected) return;
      this.connected = false;
      this.id = undefined;
      this._fire('disconnect', reason);
    }
  }

  // --------------------------------------------------------------- io(url, opts)

  const managers = {};

  function io(url, opts) {
    if (url && typeof url === 'object') { opts = url; url = undefined; }
    opts = Object.assign({
      path: '/socket.io/', transports: ['polling', 'websocket'], reconnection: true,
      reconnectionDelay: 1000, reconnectionDelayMax: 5000, autoConnect: true,
    }, opts);
    const target = new URL(url || '/', global.location ? global.location.href : undefined);
    const nsp = target.pathname;        // io('/custom') means the namespace /custom
    const uri = target.origin + opts.path.replace(/\/?$/, '/'); // where Engine.IO lives
    // Namespaces share one connection, unless asked otherwise.
    let manager = managers[uri];
    const fresh = opts.forceNew || opts.multiplex === false;
    if (!manager || fresh || manager.nsps[nsp]) {
      manager = new Manager(uri, opts);
      if (!fresh && !managers[uri]) managers[uri] = manager;
    }
    const socket = manager.nsps[nsp] = new Socket(manager, nsp, opts);
    if (opts.autoConnect) socket.connect();
    return socket;
  }
  io.connect = io;
  io.protocol = 5;
  io.Manager = Manager;
  io.Socket = Socket;

  global.io = io;
})(typeof window !== 'undefined' ? window : globalThis);
