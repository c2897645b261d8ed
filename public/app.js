/*
 * app.js: the teaching page. It loads a Socket.IO client (this project's
 * /socket.io/socket.io.js, or the official one with ?client=official), then
 * uses it exactly as any app would: `const socket = io()`.
 *
 * Only the frame log needs to know which client it has: ours reports every
 * wire frame through `socket.io.on('frame', ...)`; the official one reports
 * Engine.IO packets through `socket.io.engine.on('packet' / 'packetCreate')`,
 * which we turn back into wire strings.
 */
(function () {
  'use strict';

  const params = new URLSearchParams(location.search);
  const official = params.get('client') === 'official';
  const CLIENT_URL = official ? 'https://cdn.socket.io/4.8.1/socket.io.min.js' : '/socket.io/socket.io.js';
  const MAX_FRAMES = 600;     // older frames are dropped from the log
  const MAX_RAW = 400;        // characters of a text frame shown
  const MAX_BYTES = 48;       // bytes of a binary frame shown

  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const pad = (n, w) => String(n).padStart(w || 2, '0');
  const clock = (d) => {
    d = d || new Date();
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3);
  };

  // ----------------------------------------------------------- binary display

  const isBinary = (v) => v instanceof ArrayBuffer || ArrayBuffer.isView(v);
  const asArrayBuffer = (v) => (v instanceof ArrayBuffer ? v
    : v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));

  function hex(buffer, max) {
    const bytes = new Uint8Array(buffer);
    const shown = Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return bytes.length > max ? shown + ' … (+' + (bytes.length - max) + ' bytes)' : shown;
  }

  // A readable form of event arguments: JSON, with binary shown as hex.
  function show(value) {
    if (isBinary(value)) return '<' + value.byteLength + ' bytes: ' + hex(asArrayBuffer(value), 16) + '>';
    if (Array.isArray(value)) return '[' + value.map(show).join(', ') + ']';
    if (value && typeof value === 'object') {
      return '{' + Object.keys(value).map((k) => JSON.stringify(k) + ': ' + show(value[k])).join(', ') + '}';
    }
    return value === undefined ? 'undefined' : JSON.stringify(value);
  }

  // ---------------------------------------------------------------- frame log

  const log = $('log');

  function logFrame(direction, data, via) {
    const binary = typeof data !== 'string';
    const frame = el('div', 'frame ' + direction + (binary ? ' binary' : ''));
    if (!binary && /^[23]$/.test(data)) frame.classList.add('heartbeat');
    const head = el('div', 'frame-head');
    head.append(
      el('span', 'arrow ' + direction, direction === 'out' ? '→' : '←'),
      el('span', 'time', clock()),
      el('span', 'via ' + via, via));
    let raw;
    if (binary) raw = '<binary> ' + hex(data, MAX_BYTES);
    else raw = data.length > MAX_RAW ? data.slice(0, MAX_RAW) + ' … (+' + (data.length - MAX_RAW) + ' chars)' : data;
    frame.append(head, el('code', 'raw', raw), el('div', 'explain', explainFrame(data)));
    append(frame);
  }

  // A line in the log that is not a frame: what happened at this moment.
  function logNote(text, kind) {
    const note = el('div', 'note-line ' + (kind || ''));
    note.append(el('span', 'time', clock()), el('span', '', text));
    append(note);
  }

  function append(node) {
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    log.append(node);
    while (log.childElementCount > MAX_FRAMES) log.firstElementChild.remove();
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  $('clear-log').onclick = () => log.replaceChildren();
  $('hide-heartbeat').onchange = (e) => log.classList.toggle('hide-heartbeat', e.target.checked);

  // The official client: rebuild wire frames from its Engine.IO packet objects
  // ({type: 'message', data: '2["chat","hi"]'} -> '42["chat","hi"]').
  const ENGINE_TYPES = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'];
  function logPacket(direction, packet, engine) {
    const via = engine.transport ? engine.transport.name : '?';
    const data = packet.data;
    if (typeof Blob !== 'undefined' && data instanceof Blob) {
      data.arrayBuffer().then((buffer) => logFrame(direction, buffer, via));
    } else if (isBinary(data)) {
      logFrame(direction, asArrayBuffer(data), via);
    } else {
      logFrame(direction, ENGINE_TYPES.indexOf(packet.type) + (data === undefined ? '' : String(data)), via);
    }
  }

  // ------------------------------------------------------ server printout

  // What each printout shows, as real Node printed it for the tutorial's
  // server (shared/printouts/captured: socket.io 2.2.0 on Node 8.17, 4.8.4 on
  // Node 20). Text in backquotes is shown as code.
  const PRINT_HOW = {
    2: 'socket.io 2.2 on Node 8, as in the tutorial: io.sockets.sockets is a plain object keyed by ' +
      'socket id, and Node 8’s util.inspect writes `[Object]` for whatever lies deeper than depth 2 ' +
      'and `[Circular]` for a reference back to an object it is still printing.',
    4: 'socket.io 4.8 on Node 20: io.sockets.sockets is a Map, `Map(2) { \'…\' => Socket {…} }`, and ' +
      'Node 20’s util.inspect writes what lies deeper than depth 2 as its class name (`[Server]`, ' +
      '`[Namespace]`; a plain object stays `[Object]`), puts `<ref *1>` before an object that something ' +
      'inside it points back to and `[Circular *1]` where it does, and gives Maps and Sets their size.',
  };
  const PRINT_WHAT = {
    sockets: '`console.log(io.sockets.sockets)`: the sockets of the main namespace, one per tab.',
    io: '`console.log(io)`: the whole server, with its namespaces, its Engine.IO server and the HTTP server.',
  };

  // showText fills node with text, where `backquoted` parts become <code>.
  function showText(node, text) {
    node.replaceChildren(...text.split('`').map((part, i) => (i % 2 ? el('code', '', part) : part)));
  }

  // The panel asks the server for the printout chosen with the radio buttons:
  // /inspect?print=2 or ?print=4, and &of=io for console.log(io).
  const chosen = (name) => document.querySelector('input[name="' + name + '"]:checked').value;
  const inspectURL = () => '/inspect?print=' + chosen('print') + (chosen('of') === 'io' ? '&of=io' : '');

  function showChoice() {
    $('inspect-url').textContent = 'GET ' + inspectURL();
    showText($('printout-what'), PRINT_WHAT[chosen('of')]);
    showText($('printout-how'), PRINT_HOW[chosen('print')]);
  }

  const printout = $('printout');
  let inspecting = false, again = false;
  async function refreshInspect() {
    if (inspecting) { again = true; return; } // one request at a time; redo after it
    inspecting = true;
    const url = inspectURL();
    let text;
    try {
      const res = await fetch(url, { cache: 'no-store' });
      text = res.ok ? await res.text() : 'GET ' + url + ' answered ' + res.status;
      $('printout-time').textContent = 'updated ' + clock().slice(0, 8);
    } catch (err) {
      text = '(the server is not answering: ' + err.message + ')';
    }
    // An answer to a choice the learner has since changed is dropped, and asked again.
    if (url !== inspectURL()) again = true;
    else if (printout.textContent !== text) printout.textContent = text;
    inspecting = false;
    if (again) { again = false; refreshInspect(); }
  }
  for (const input of document.querySelectorAll('input[name="print"], input[name="of"]')) {
    input.onchange = () => { showChoice(); refreshInspect(); };
  }
  showChoice();
  refreshInspect();
  setInterval(refreshInspect, 2000);

  // ------------------------------------------------------ events panel & chat

  function logEvent(text) {
    const line = el('div', 'event-line');
    line.append(el('span', 'time', clock().slice(0, 8)), el('span', '', text));
    const events = $('events');
    events.append(line);
    while (events.childElementCount > 50) events.firstElementChild.remove();
    events.scrollTop = events.scrollHeight;
  }

  const short = (id) => (id ? String(id).slice(0, 6) : '?');

  // ------------------------------------------------------------------- start

  function start() {
    loaded = true;
    for (const control of controls) control.disabled = false;
    const opts = {};
    if (params.get('transports')) opts.transports = params.get('transports').split(',');
    const socket = io(opts);
    window.socket = socket; // for poking at it from the console

    // -- what the page shows about the connection
    let upgradedAt = '';
    function showConnection() {
      const engine = socket.io.engine;
      $('sid').textContent = socket.id || '—';
      const live = engine && (engine.readyState === 'open' || engine.readyState === 'opening');
      $('eio-sid').textContent = (live && engine.id) || '—';
      $('transport').textContent = engine && engine.transport ? engine.transport.name : '—';
      $('upgrade-at').textContent = upgradedAt;
      $('state').textContent = socket.connected ? 'connected' : 'disconnected';
      document.body.classList.toggle('connected', socket.connected);
    }

    // Engines come and go (one per connection): attach to each new one.
    const seen = new WeakSet();
    function watchEngine() {
      const engine = socket.io.engine;
      if (!engine || seen.has(engine)) return;
      seen.add(engine);
      upgradedAt = '';
      if (official) {
        engine.on('packet', (p) => logPacket('in', p, engine));
        engine.on('packetCreate', (p) => logPacket('out', p, engine));
        // The official client does not report the probe frames; it only says
        // that the probe worked ('upgrading') and that the switch is done.
        engine.on('upgrading', (t) => { logFrame('out', '2probe', t.name); logFrame('in', '3probe', t.name); });
        engine.on('upgrade', (t) => logFrame('out', '5', t.name));
      }
      engine.on('upgrade', (transport) => {
        if (engine !== socket.io.engine) return;
        upgradedAt = 'polling → ' + transport.name + ' at ' + clock();
        logNote('upgraded: polling → ' + transport.name, 'good');
        showConnection();
      });
    }
    const watchSoon = () => Promise.resolve().then(watchEngine);
    watchEngine();
    socket.io.on('reconnect_attempt', (n) => { logNote('reconnecting (attempt ' + n + ')…'); watchSoon(); });
    socket.io.on('open', () => {
      watchEngine();
      const engine = socket.io.engine;
      if (engine.transport.name === 'websocket') upgradedAt = '(WebSocket from the start)';
      logNote('Engine.IO session ' + engine.id + ' open over ' + engine.transport.name);
      showConnection();
    });
    if (!official) socket.io.on('frame', logFrame);

    socket.on('connect', () => {
      logNote('connected to namespace ' + (socket.nsp || '/') + ' as ' + socket.id, 'good');
      $('rooms').textContent = '—';
      showConnection();
      refreshInspect();
    });
    socket.on('disconnect', (reason) => {
      logNote('disconnected: ' + reason, 'bad');
      showConnection();
      refreshInspect();
    });
    socket.on('connect_error', (err) => {
      logNote('connect error: ' + err.message, 'bad');
      showConnection();
    });

    // -- what the server sends us
    socket.on('chat', (msg) => {
      const line = el('div', 'chat-line' + (msg.from === socket.id ? ' mine' : ''));
      line.append(el('span', 'who', msg.from === socket.id ? 'you' : short(msg.from)), el('span', 'text', msg.text));
      const chat = $('chat-log');
      chat.append(line);
      chat.scrollTop = chat.scrollHeight;
    });
    socket.on('auth', (auth) => logEvent('auth ' + show(auth)));
    socket.on('message-back', (...args) => logEvent('message-back ' + args.map(show).join(', ')));
    socket.on('room-message', (room, ...args) => logEvent('room-message in ' + room + ': ' + args.map(show).join(', ')));
    socket.on('broadcast-back', (...args) => logEvent('broadcast-back ' + args.map(show).join(', ')));

    // -- what we send
    $('chat-form').onsubmit = (e) => {
      e.preventDefault();
      const text = $('chat-input').value.trim();
      if (!text) return;
      socket.emit('chat', text);
      $('chat-input').value = '';
    };
    const room = () => $('room-input').value.trim() || 'lobby';
    const roomText = () => $('room-text').value.trim() || $('room-text').placeholder;
    const showRooms = (rooms) => {
      $('rooms').textContent = Array.isArray(rooms) ? rooms.join(', ') : show(rooms);
      refreshInspect();
    };
    $('join').onclick = () => socket.emit('join', room(), showRooms);
    $('leave').onclick = () => socket.emit('leave', room(), showRooms);
    $('to-room').onclick = () => socket.emit('to-room', room(), roomText());
    $('broadcast').onclick = () => socket.emit('broadcast', roomText());
    $('send-binary').onclick = () => socket.emit('message', 'bytes', new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
    $('ask-ack').onclick = () => {
      const sent = Date.now();
      socket.emit('message-with-ack', 'are you there?', sent, (...args) =>
        logEvent('ack after ' + (Date.now() - sent) + ' ms: ' + args.map(show).join(', ')));
    };
    $('disconnect-me').onclick = () => socket.emit('disconnect-me');
    $('disconnect').onclick = () => socket.disconnect();
    $('reconnect').onclick = () => { socket.connect(); watchSoon(); };

    showConnection();
  }

  // Load the chosen client, then start. Until it has loaded, the buttons and
  // fields that talk to the server would do nothing, so they are disabled;
  // if it cannot be loaded, they stay so, and the page says why.
  $('client-name').textContent = official
    ? 'official socket.io-client 4.8.1, from cdn.socket.io (needs internet)'
    : 'this project’s /socket.io/socket.io.js';
  const controls = document.querySelectorAll('#controls button, #controls input');
  for (const control of controls) control.disabled = true;
  let loaded = false;
  const script = document.createElement('script');
  script.src = CLIENT_URL;
  script.onload = start;
  script.onerror = () => {
    $('state').textContent = 'no client';
    const error = $('client-error');
    error.hidden = false;
    if (official) {
      const ours = el('a', '', 'Use this project’s client instead.');
      ours.href = '?';
      error.append('The official client did not load from cdn.socket.io: ?client=official needs internet access. ' +
        'Without a client the page cannot connect, so its buttons are off. ', ours);
    } else {
      error.append('Could not load ' + CLIENT_URL + '. Is the Go server still running? The buttons are off.');
    }
    logNote('could not load ' + CLIENT_URL, 'bad');
  };
  // Offline, a request to the CDN may hang instead of failing: say so meanwhile.
  setTimeout(() => {
    if (!loaded && $('client-error').hidden) logNote('still waiting for ' + CLIENT_URL + ' …');
  }, 5000);
  document.head.append(script);
})();
