// socket.io.js: a small Socket.IO client, written to be read. Used like the official 4.x client
// (`const socket = io()`, `socket.on`, `socket.emit`), it speaks Engine.IO v4 and Socket.IO v5, and it
// follows main.go's sections from the wire up. Packets stay as on the wire, strings or ArrayBuffers; the
// page's frame log hears each one through `socket.io.on('frame', (direction, data, transportName) => ...)`.
(function () {
  'use strict';

  // === Engine.IO packets and payloads =========================================

  // An Engine.IO packet is one digit, its type, then its data; a binary message is bare bytes, no digit.
  const OPEN = '0', CLOSE = '1', PING = '2', PONG = '3', MESSAGE = '4', UPGRADE = '5', NOOP = '6';

  // A long-polling payload joins packets with \x1e; it is text only, so binary goes as "b" + base64:
  //   4hello\x1ebAQIDBA==   is the message "hello", then the bytes 01 02 03 04
  const toBase64 = (buffer) => btoa(Array.from(new Uint8Array(buffer), (b) => String.fromCharCode(b)).join(''));
  const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0)).buffer;
  const encodePayload = (packets) => packets.map((p) => (typeof p === 'string' ? p : 'b' + toBase64(p))).join('\x1e');
  const decodePayload = (body) => body.split('\x1e').map((p) => (p[0] === 'b' ? fromBase64(p.slice(1)) : p));

  // === Engine.IO sessions: handshake and heartbeat ============================

  // Emitter calls its listeners with `_fire`, because on a Socket `emit` sends to the server.
  class Emitter {
    handlers = {}; // event name -> listeners
    on(name, fn) {
      (this.handlers[name] = this.handlers[name] || []).push(fn);
      return this;
    }

    _fire(name, ...args) {
      for (const fn of this.handlers[name] || []) {
        try {
          fn.apply(this, args);
        } catch (err) {
          setTimeout(() => { throw err; }); // reported, but the protocol's state stays whole
        }
      }
    }
  }

  // Engine is one Engine.IO session, from the handshake to its close (main.go's eioSocket). It fires
  // open, message, frame, upgrade and close. As in main.go, it goes on through the transport sections.
  class Engine extends Emitter {
    constructor(uri, transports) {
      super();
      this.uri = uri;               // e.g. http://127.0.0.1:3000/socket.io/
      this.transports = transports; // those allowed, e.g. ['polling', 'websocket']
      this.transport = { name: transports[0] }; // the one in use
      this.id = null;               // the session id, "sid", from the open packet
      this.readyState = 'opening';  // then open, then closed
      this.queue = [];              // packets waiting to be written
      this.writing = false;         // the POST loop runs
      this.probe = null;            // the WebSocket tried during an upgrade
      this.upgrading = false;       // the probe worked: switch once polling is idle
      if (this.transport.name === 'polling') this.polled = this._poll(); // the first GET, with no sid, is the handshake
      else this._useWebSocket(new WebSocket(this._url('websocket')));
    }

    // _url is where a request goes, e.g. ws://host/socket.io/?EIO=4&transport=websocket&sid=lv_VI97HAXpY6yYWAAAC
    _url(transportName) {
      const base = transportName === 'websocket' ? this.uri.replace(/^http/, 'ws') : this.uri;
      return base + '?EIO=4&transport=' + transportName + (this.id ? '&sid=' + this.id : '');
    }

    _receive(packet, transportName) {
      if (this.readyState === 'closed') return;
      this._fire('frame', 'in', packet, transportName);
      if (typeof packet !== 'string') return this._fire('message', packet); // binary is always a message
      switch (packet[0]) {
        case OPEN: return this._onOpen(JSON.parse(packet.slice(1)));
        case CLOSE: return this._onClose('transport close');
        case PING: // in v4 the server pings, and the client answers at once
          this._resetPingTimer();
          return this.send(PONG);
        case MESSAGE: return this._fire('message', packet.slice(1));
        case PONG: case UPGRADE: case NOOP: return; // a noop only ends a poll during the upgrade
        default: return this._onClose('parse error', new Error('not an Engine.IO packet: ' + packet));
      }
    }

    // _onOpen reads the handshake, the server's open packet (this client never comes near maxPayload):
    //   0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}
    _onOpen(handshake) {
      this.id = handshake.sid;
      this.pingDeadline = handshake.pingInterval + handshake.pingTimeout; // ms without a ping that mean the server is gone
      this.readyState = 'open';
      this._resetPingTimer();
      this._fire('open');
      this.send(); // what waited for the handshake
      const websocket = handshake.upgrades.includes('websocket') && this.transports.includes('websocket');
      if (this.transport.name === 'polling' && websocket) this._probe();
    }

    _resetPingTimer() {
      clearTimeout(this.pingTimer);
      this.pingTimer = setTimeout(() => this._onClose('ping timeout'), this.pingDeadline);
    }

    // send queues packets, and writes the queue unless the handshake or an upgrade is under way.
    send(...packets) {
      if (this.readyState === 'closed') return;
      this.queue.push(...packets);
      if (this.readyState === 'opening' || this.upgrading) return;
      if (this.transport.name === 'polling' && !this.writing) this.posted = this._post();
      if (this.transport.name === 'websocket') for (const packet of this.queue.splice(0)) this._sendOn(this.ws, packet);
    }

    // close ends the session on purpose. Over polling, the close packet goes in a last POST, after
    // anything still queued (such as a Socket.IO DISCONNECT), so the server forgets the session at once.
    close() {
      this.upgrading = false; // even in the middle of an upgrade, the close packet goes over polling
      if (this.readyState === 'open' && this.transport.name === 'polling') this.send(CLOSE);
      this._onClose('forced close');
    }

    _onClose(reason, error) {
      if (this.readyState === 'closed') return;
      this.readyState = 'closed';
      clearTimeout(this.pingTimer);
      this._abortProbe();
      this.getAbort?.abort(); // the pending long-poll GET
      this.ws?.close(); // its onclose finds the session closed already
      this._fire('close', reason, error);
    }

  // === Engine.IO: long-polling transport ======================================

    // Over long-polling, a GET asks for packets and the server holds it until it has some (at the latest,
    // the next ping); a POST carries ours. The server refuses a second GET, or POST, while one is pending,
    // so each kind goes in a loop of its own. Nothing caches them (fetch is told so, and the server says
    // no-store), so there is no `t` cache buster. _poll sends GET after GET, until the session ends or
    // an upgrade starts.
    async _poll() {
      try {
        while (this.readyState !== 'closed' && !this.upgrading) {
          this.getAbort = new AbortController(); // lets _onClose end the GET
          const res = await fetch(this._url('polling'), { cache: 'no-store', signal: this.getAbort.signal });
          const body = await res.text();
          if (!res.ok) throw new Error('GET answered ' + res.status + ' ' + body);
          for (const packet of decodePayload(body)) this._receive(packet, 'polling');
        }
      } catch (err) {
        this._onClose('transport error', err);
      }
    }

    // _post sends POST after POST with the whole queue until it is empty, even after _onClose: the last
    // may hold the close packet.
    async _post() {
      this.writing = true;
      try {
        while (this.queue.length && !this.upgrading) {
          const batch = this.queue.splice(0);
          for (const packet of batch) this._fire('frame', 'out', packet, 'polling');
          // A string body goes as text/plain;charset=UTF-8, the only type v4 takes. The answer is "ok".
          const res = await fetch(this._url('polling'), { method: 'POST', cache: 'no-store', body: encodePayload(batch) });
          if (!res.ok) throw new Error('POST answered ' + res.status);
        }
      } catch (err) {
        this._onClose('transport error', err);
      }
      this.writing = false;
    }

  // === Engine.IO: WebSocket transport and upgrade =============================

    // Over a WebSocket, each packet is one message: a string goes as a text frame, an ArrayBuffer as a
    // binary frame of the bare bytes. _useWebSocket makes ws the transport; on a WebSocket alone
    // (transports: ['websocket']), the server speaks first, with the open packet.
    _useWebSocket(ws) {
      this.ws = ws;
      ws.binaryType = 'arraybuffer'; // binary messages as ArrayBuffers, not Blobs
      ws.onmessage = (e) => this._receive(e.data, 'websocket');
      ws.onclose = () => this._onClose('transport close');
    }

    _sendOn(ws, packet) {
      this._fire('frame', 'out', packet, 'websocket');
      ws.send(packet);
    }

    // _probe moves a polling session to a WebSocket with the same sid: → 2probe on the new WebSocket,
    // ← 3probe. From then on the server answers every GET with 6 (noop). We start no new GET or POST,
    // wait for those in flight, and → 5 on the WebSocket, the only transport from then on.
    _probe() {
      const ws = this.probe = new WebSocket(this._url('websocket'));
      ws.onopen = () => this._sendOn(ws, '2probe');
      ws.onclose = () => this._abortProbe();
      ws.onmessage = async (e) => {
        this._fire('frame', 'in', e.data, 'websocket');
        if (e.data !== '3probe' || this.readyState !== 'open') return this._abortProbe();
        this.upgrading = true;
        await Promise.all([this.polled, this.posted]);
        if (this.probe !== ws) return; // given up meanwhile
        this.probe = null;
        this.upgrading = false;
        this._sendOn(ws, UPGRADE);
        this.transport = { name: 'websocket' };
        this._useWebSocket(ws);
        this._fire('upgrade', this.transport);
        this.send(); // what was held back during the switch
      };
    }

    // _abortProbe forgets the probe: it failed, or the session is closing. Before 3probe polling goes
    // on; after it, polling has stopped, so a failed probe ends the session (the Manager opens a new one).
    _abortProbe() {
      const ws = this.probe;
      if (!ws) return;
      this.probe = null;
      ws.close(); // its onclose finds no probe left to abort
      if (this.upgrading) this._onClose('transport error', new Error('the upgrade failed'));
    }
  }

  // === Socket.IO packets ======================================================

  // A Socket.IO packet rides in an Engine.IO message: 42["chat","hi"] is a message (4) holding an EVENT (2).
  const CONNECT = 0, DISCONNECT = 1, EVENT = 2, ACK = 3, CONNECT_ERROR = 4, BINARY_EVENT = 5, BINARY_ACK = 6;

  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  const mapValues = (object, fn) => Object.fromEntries(Object.entries(object).map(([key, v]) => [key, fn(v)]));

  // deconstruct swaps each binary value for a placeholder {"_placeholder":true,"num":N}, because JSON
  // cannot hold bytes. The buffers follow the packet, one binary message each.
  function deconstruct(value, buffers) {
    if (ArrayBuffer.isView(value)) value = value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
    if (value instanceof ArrayBuffer) return { _placeholder: true, num: buffers.push(value) - 1 };
    if (Array.isArray(value)) return value.map((v) => deconstruct(v, buffers));
    if (!isObject(value) || typeof value.toJSON === 'function') return value; // a Date stays a Date
    return mapValues(value, (v) => deconstruct(v, buffers));
  }

  // reconstruct puts the received buffers back where their placeholders are.
  function reconstruct(value, buffers) {
    if (Array.isArray(value)) return value.map((v) => reconstruct(v, buffers));
    if (!isObject(value)) return value;
    if (value._placeholder !== true) return mapValues(value, (v) => reconstruct(v, buffers));
    // A num that is not the index of an attachment must reach nothing else.
    if (!Number.isInteger(value.num) || value.num < 0 || value.num >= buffers.length) throw new Error('bad placeholder');
    return buffers[value.num];
  }

  // encode returns a packet's text, then its binary attachments:
  //   <type>[<#attachments>-][<nsp>,][<ack id>][JSON]   e.g. 2/admin,13["foo"]
  function encode(type, nsp, data, id) {
    const buffers = [];
    const json = data === undefined ? '' : JSON.stringify(deconstruct(data, buffers));
    // With attachments, EVENT becomes BINARY_EVENT and ACK becomes BINARY_ACK.
    let text = buffers.length ? `${type + 3}${buffers.length}-` : String(type);
    if (nsp !== '/') text += nsp + ',';
    if (id !== undefined) text += id;
    return [text + json, ...buffers];
  }

  // PACKET has a group for each of those parts. A namespace ends at a comma or at the end: 40/custom
  const PACKET = /^([0-6])(?:(\d+)-)?(?:(\/[^,]*),?)?(\d+)?(.+)?$/s;

  // decode reads a packet's text, and throws on anything malformed. It trusts the server for what
  // each type carries: main.go's checkPayload has the rule.
  function decode(text) {
    const [match, type, attachments = 0, nsp = '/', id, json] = PACKET.exec(text) || [];
    const binary = Number(type) === BINARY_EVENT || Number(type) === BINARY_ACK;
    if (!match || binary !== attachments > 0) throw new Error('not a Socket.IO packet: ' + text);
    const data = json && JSON.parse(json);
    return { type: Number(type), attachments: Number(attachments), nsp, id: id && Number(id), data, buffers: [] };
  }

  // === Socket.IO client =======================================================

  // Manager is the client's end of one connection (`socket.io`; main.go's `client` is the other end): it
  // opens the Engine.IO session, and a new one after a loss, and carries the sockets of all namespaces.
  class Manager extends Emitter {
    constructor(uri, opts) {
      super();
      this.uri = uri;             // where Engine.IO lives, e.g. http://127.0.0.1:3000/socket.io/
      this.opts = opts;
      this.nsps = {};             // namespace -> Socket
      this.engine = null;         // the current session; a new one after each loss
      this.pending = null;        // a binary packet waiting for its attachments
      this.attempts = 0;          // reconnection attempts since the last success
    }

    open() {
      if (this.engine && this.engine.readyState !== 'closed') return this;
      clearTimeout(this.reconnectTimer);
      // A closed session fires no more open, message or close: these need not check which session it is.
      const engine = this.engine = new Engine(this.uri, this.opts.transports);
      engine.on('frame', (...args) => this._fire('frame', ...args));
      engine.on('message', (message) => this._onMessage(message));
      engine.on('close', (reason, error) => this._onEngineClose(reason, error));
      engine.on('open', () => {
        this.pending = null;
        this.attempts = 0;
        this._fire('open');
        for (const socket of Object.values(this.nsps)) if (socket.active) this._packet(CONNECT, socket.nsp);
      });
      return this;
    }

    // _onEngineClose tells the sockets, then comes back after an exponential backoff: 1 s, 2 s, 4 s,
    // then 5 s, each +/-50 %, so that a crowd of clients does not come back in the same instant.
    _onEngineClose(reason, error) {
      const sockets = Object.values(this.nsps);
      for (const socket of sockets) {
        if (socket.connected) socket._onClose(reason);
        else if (socket.active) socket._fire('connect_error', error || new Error(reason));
      }
      if (reason === 'forced close' || !sockets.some((s) => s.active)) return;
      const wait = this.opts.reconnectionDelay * 2 ** this.attempts++ * (0.5 + Math.random());
      this.reconnectTimer = setTimeout(() => {
        this._fire('reconnect_attempt', this.attempts);
        this.open();
      }, Math.min(wait, this.opts.reconnectionDelayMax));
    }

    // _maybeClose closes the session once no socket wants to be connected.
    _maybeClose() {
      if (Object.values(this.nsps).some((s) => s.active)) return;
      clearTimeout(this.reconnectTimer);
      if (this.engine) this.engine.close();
    }

    // _packet sends a Socket.IO packet: its text as an Engine.IO message ("4" + text), then its attachments.
    _packet(type, nsp, data, id) {
      const [text, ...attachments] = encode(type, nsp, data, id);
      this.engine.send(MESSAGE + text, ...attachments);
    }

    // _onMessage puts packets together, as main.go's decoder does: a text message holds a packet, a
    // binary one an attachment of the pending packet. Anything out of turn closes the session.
    _onMessage(message) {
      const binary = typeof message !== 'string';
      let packet = this.pending;
      try {
        if (binary !== Boolean(packet)) throw new Error('a ' + (binary ? 'binary' : 'text') + ' message out of turn');
        if (binary) packet.buffers.push(message);
        else packet = decode(message);
        this.pending = packet.buffers.length < packet.attachments ? packet : null;
        if (this.pending) return;
        if (binary) packet.data = reconstruct(packet.data, packet.buffers);
      } catch (err) {
        return this.engine._onClose('parse error', err);
      }
      this.nsps[packet.nsp]?._onPacket(packet);
    }
  }

  // === Namespaces and sockets =================================================

  // Socket is one namespace over a Manager. `active` means "wants to be connected": the Manager
  // reconnects on its behalf until disconnect() is called or the server sends DISCONNECT.
  class Socket extends Emitter {
    constructor(io, nsp) {
      super();
      this.io = io;
      this.nsp = nsp;            // "/" or "/custom"
      this.id = undefined;       // the Socket.IO id from the server's CONNECT, not the Engine.IO sid
      this.connected = false;
      this.active = false;
      this.ids = 0;              // the next ack id
      this.acks = {};            // ack id -> the callback waiting for the ACK
      this.sendBuffer = [];      // [data, ack id] of the emits made before CONNECT, which wait for it
    }

    // connect asks to join the namespace with CONNECT, 40 or 40/custom, once the session is open.
    connect() {
      if (this.active) return this; // connected, or on its way
      this.active = true;
      if (this.io.engine?.readyState === 'open') this.io._packet(CONNECT, this.nsp);
      else this.io.open(); // the Manager sends CONNECT after the open packet
      return this;
    }

    // emit(name, ...args[, ack]) sends 42["name",...args], or 42<id>[...] when a callback waits for the
    // ACK. Before CONNECT it waits: the server would close the connection over a namespace not joined.
    emit(event, ...args) {
      const id = typeof args[args.length - 1] === 'function' ? this.ids++ : undefined;
      if (id !== undefined) this.acks[id] = args.pop();
      if (this.connected) this.io._packet(EVENT, this.nsp, [event, ...args], id);
      else this.sendBuffer.push([[event, ...args], id]);
      return this;
    }

    disconnect() {
      if (this.connected) this.io._packet(DISCONNECT, this.nsp);
      this.active = false;
      this._onClose('io client disconnect');
      this.io._maybeClose();
      return this;
    }

    _onPacket(packet) {
      switch (packet.type) {
        case CONNECT:
          this.id = packet.data.sid;
          this.connected = true;
          for (const [data, id] of this.sendBuffer.splice(0)) this.io._packet(EVENT, this.nsp, data, id);
          return this._fire('connect');
        case DISCONNECT: // the server let us go: do not come back on our own
          this.active = false;
          this._onClose('io server disconnect');
          return this.io._maybeClose();
        case CONNECT_ERROR: // an unknown namespace, or refused by the server's middleware
          this.active = false;
          this._fire('connect_error', Object.assign(new Error(), packet.data)); // {message, data}
          return this.io._maybeClose();
        case EVENT: case BINARY_EVENT:
          // The server asks for an ACK: the listener gets a callback that sends 43<id>[...].
          if (packet.id !== undefined) packet.data.push((...reply) => this.io._packet(ACK, this.nsp, reply, packet.id));
          return this._fire(...packet.data);
        case ACK: case BINARY_ACK:
          this.acks[packet.id]?.(...packet.data);
          delete this.acks[packet.id];
      }
    }

    _onClose(reason) {
      if (!this.connected) return;
      this.connected = false;
      this.id = undefined;
      this._fire('disconnect', reason);
    }
  }

  // === io(url, opts) ==========================================================

  // defaults are the options of io(url, opts), named as in socket.io-client.
  const defaults = {
    transports: ['polling', 'websocket'], // start on the first; upgrade to a WebSocket if listed
    reconnectionDelay: 1000,              // the first wait before reconnecting, in ms; it doubles
    reconnectionDelayMax: 5000,           // the longest wait, in ms
  };

  // managers has one Manager per server, so that io() and io('/custom') share one connection.
  const managers = {};

  // io connects to one namespace: io() to "/" on the page's own server, io('/custom') to "/custom".
  window.io = function io(url, opts) {
    if (typeof url === 'object') [url, opts] = [undefined, url];
    opts = { ...defaults, ...opts };
    const { origin, pathname: nsp } = new URL(url || '/', location.href);
    const uri = origin + '/socket.io/'; // where the server mounts Engine.IO
    // A second socket for the same namespace needs a connection of its own.
    if (!managers[uri] || managers[uri].nsps[nsp]) managers[uri] = new Manager(uri, opts);
    const socket = managers[uri].nsps[nsp] = new Socket(managers[uri], nsp);
    return socket.connect();
  };
})();
