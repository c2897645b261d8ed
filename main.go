// Socket.IO laid open in one Go file.
//
// This is a complete Socket.IO server, written to be read from top to
// bottom. It speaks to the official socket.io-client 4.x (Engine.IO protocol
// v4, Socket.IO protocol v5) and to the 2.x client of the tutorial era
// (Engine.IO v3, Socket.IO v4), over HTTP long-polling, WebSocket and the
// upgrade between them. Run it with `go run .`, open two browser tabs, and the
// terminal prints `io` and `io.sockets.sockets` in the shape that Node's
// console.log gives them.
//
// The layers, from the wire up:
//
//	browser ──HTTP long-polling or WebSocket──▶ Engine.IO session (eioSocket)
//	        ──Engine.IO message packets──────▶ Socket.IO client (one per session)
//	        ──Socket.IO packets with a nsp──▶ Socket in a Namespace
//	        ──join / leave / broadcast──────▶ Adapter (rooms)
//
// Sections, in reading order (each starts with a `// === … ===` banner):
//
//	Configuration
//	Engine.IO packets and payloads
//	Engine.IO protocol versions
//	Engine.IO sessions: handshake and heartbeat
//	Engine.IO: long-polling transport
//	Engine.IO: WebSocket transport and upgrade
//	Socket.IO packets
//	Socket.IO client
//	Namespaces and sockets
//	Adapter: socket registry and rooms
//	Demo handlers
//	Printing the server like console.log
//	Wire tracer
//	main
//
// The specs this file follows:
// https://github.com/socketio/engine.io-protocol and
// https://github.com/socketio/socket.io-protocol
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// === Configuration ==========================================================

// config holds the settings a server starts with. The names in the comments
// are the option names of Node's socket.io / engine.io.
type config struct {
	host           string        // interface to listen on; "" means all
	port           string        // PORT, 3000 as in the tutorial
	pingInterval   time.Duration // pingInterval: how often the v4 server pings
	pingTimeout    time.Duration // pingTimeout: how long a pong may take
	upgradeTimeout time.Duration // upgradeTimeout: time allowed for the websocket upgrade
	connectTimeout time.Duration // connectTimeout: time a 4.x client has to join a namespace
	maxPayload     int64         // maxHttpBufferSize: largest POST body or websocket message, in bytes
	corsOrigins    []string      // -cors-origin: pages of other origins allowed in; none means no CORS at all
	print          int           // -print: print as socket.io 2 (on Node 8) or 4 (on Node 20) does
	quiet          bool          // -quiet: no printouts of io and io.sockets.sockets
	trace          bool          // -trace: log every frame with its explanation
}

// defaultConfig has the defaults of Node socket.io 4.
func defaultConfig() config {
	return config{
		port:           "3000",
		pingInterval:   25000 * time.Millisecond,
		pingTimeout:    20000 * time.Millisecond,
		upgradeTimeout: 10000 * time.Millisecond,
		connectTimeout: 45000 * time.Millisecond,
		maxPayload:     1e6,
		print:          2,
	}
}

// loadConfig reads the environment (PORT, HOST, PING_INTERVAL, PING_TIMEOUT,
// CONNECT_TIMEOUT, MAX_PAYLOAD, CORS_ORIGIN, PRINT) and then the command-line
// flags, which win.
func loadConfig(args []string, getenv func(string) string) (config, error) {
	cfg := defaultConfig()
	if v := getenv("PORT"); v != "" {
		cfg.port = v
	}
	cfg.host = getenv("HOST")
	for _, e := range []struct {
		name string
		dst  *time.Duration
	}{{"PING_INTERVAL", &cfg.pingInterval}, {"PING_TIMEOUT", &cfg.pingTimeout}, {"CONNECT_TIMEOUT", &cfg.connectTimeout}} {
		if v := getenv(e.name); v != "" {
			ms, err := strconv.Atoi(v)
			if err != nil || ms <= 0 {
				return cfg, fmt.Errorf("%s must be a positive number of milliseconds, got %q", e.name, v)
			}
			*e.dst = time.Duration(ms) * time.Millisecond
		}
	}
	if v := getenv("MAX_PAYLOAD"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return cfg, fmt.Errorf("MAX_PAYLOAD must be a positive number of bytes, got %q", v)
		}
		cfg.maxPayload = n
	}
	if v := getenv("PRINT"); v != "" {
		cfg.print, _ = strconv.Atoi(v) // checked with the flag below
	}

	flags := flag.NewFlagSet("socketio-laid-open", flag.ContinueOnError)
	flags.StringVar(&cfg.host, "host", cfg.host, "interface to listen on (HOST); empty means all")
	flags.StringVar(&cfg.port, "port", cfg.port, "port to listen on (PORT)")
	flags.DurationVar(&cfg.pingInterval, "ping-interval", cfg.pingInterval, "time between server pings, e.g. 25s (env PING_INTERVAL, in ms)")
	flags.DurationVar(&cfg.pingTimeout, "ping-timeout", cfg.pingTimeout, "time a client has to answer a ping, e.g. 20s (env PING_TIMEOUT, in ms)")
	flags.DurationVar(&cfg.upgradeTimeout, "upgrade-timeout", cfg.upgradeTimeout, "time allowed for the upgrade to websocket")
	flags.DurationVar(&cfg.connectTimeout, "connect-timeout", cfg.connectTimeout, "time a 4.x client has to join a namespace (env CONNECT_TIMEOUT, in ms)")
	flags.Int64Var(&cfg.maxPayload, "max-payload", cfg.maxPayload, "largest message or POST body in bytes (MAX_PAYLOAD)")
	cors := flags.String("cors-origin", getenv("CORS_ORIGIN"), "origins whose pages may connect, comma-separated, or * (CORS_ORIGIN)")
	flags.IntVar(&cfg.print, "print", cfg.print, "print io as socket.io 2 (the tutorial's) or 4 does (PRINT)")
	flags.BoolVar(&cfg.quiet, "quiet", false, "do not print io and io.sockets.sockets")
	flags.BoolVar(&cfg.trace, "trace", false, "log every Engine.IO frame with an explanation")
	if err := flags.Parse(args); err != nil {
		return cfg, err
	}
	for _, origin := range strings.Split(*cors, ",") {
		if origin = strings.TrimSpace(origin); origin != "" {
			cfg.corsOrigins = append(cfg.corsOrigins, origin)
		}
	}
	if cfg.pingInterval <= 0 || cfg.pingTimeout <= 0 || cfg.upgradeTimeout <= 0 || cfg.connectTimeout <= 0 || cfg.maxPayload <= 0 {
		return cfg, errors.New("intervals, timeouts and the payload limit must be positive")
	}
	if cfg.print != 2 && cfg.print != 4 {
		return cfg, fmt.Errorf("-print (PRINT) must be 2 or 4, got %d", cfg.print)
	}
	return cfg, nil
}

// === Engine.IO packets and payloads =========================================

// eioPacketType is the first character of every Engine.IO packet.
type eioPacketType byte

const (
	eioOpen    eioPacketType = '0' // server → client, first packet: the handshake JSON
	eioClose   eioPacketType = '1' // either side: the session is over
	eioPing    eioPacketType = '2' // v4: server → client; v3: client → server; "2probe" starts an upgrade
	eioPong    eioPacketType = '3' // the answer to a ping, with the same payload
	eioMessage eioPacketType = '4' // application data: here, one Socket.IO packet or attachment
	eioUpgrade eioPacketType = '5' // client → server on the new websocket: switch to me
	eioNoop    eioPacketType = '6' // server → client: releases a waiting poll during an upgrade
)

// eioPacketNames are the spec's names, indexed by type - '0'.
var eioPacketNames = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

// eioPacket is one Engine.IO packet. A binary packet is always a message.
type eioPacket struct {
	typ    eioPacketType
	data   []byte // what follows the type: text in UTF-8, or the raw bytes of a binary message
	binary bool   // a binary message: over websocket a binary frame, over polling base64
}

// Errors of the Engine.IO framing. A session that receives one is closed.
var (
	errEmptyPacket   = errors.New("engine.io: empty packet")
	errUnknownPacket = errors.New("engine.io: unknown packet type")
	errBadBase64     = errors.New("engine.io: bad base64 in binary packet")
	errBadLength     = errors.New("engine.io: bad length prefix in v3 payload")
	errBinaryPayload = errors.New("engine.io: v4 polling payloads are text only")
)

// textPacket makes a text packet: textPacket(eioMessage, `2["hi"]`) is 42["hi"].
func textPacket(typ eioPacketType, data string) eioPacket {
	return eioPacket{typ: typ, data: []byte(data)}
}

// binaryPacket makes a binary message packet.
func binaryPacket(data []byte) eioPacket {
	return eioPacket{typ: eioMessage, data: data, binary: true}
}

// appendText writes a text packet as it travels: its type digit, then its data.
func (p eioPacket) appendText(b []byte) []byte {
	return append(append(b, byte(p.typ)), p.data...)
}

// decodeTextPacket reads one text packet: a type digit then data, e.g. 4hello.
// Engine.IO v4 also lets a binary message travel as text: "b" + base64.
func decodeTextPacket(s []byte) (eioPacket, error) {
	if len(s) == 0 {
		return eioPacket{}, errEmptyPacket
	}
	if s[0] == 'b' {
		data, err := base64.StdEncoding.DecodeString(string(s[1:]))
		if err != nil {
			return eioPacket{}, errBadBase64
		}
		return binaryPacket(data), nil
	}
	if s[0] < '0' || s[0] > '6' {
		return eioPacket{}, fmt.Errorf("%w %q", errUnknownPacket, s[0])
	}
	return eioPacket{typ: eioPacketType(s[0]), data: s[1:]}, nil
}

// appendBase64 appends the standard base64 of data to b.
func appendBase64(b, data []byte) []byte {
	n := len(b)
	b = append(b, make([]byte, base64.StdEncoding.EncodedLen(len(data)))...)
	base64.StdEncoding.Encode(b[n:], data)
	return b
}

// A polling request carries a payload: several packets in one HTTP body.
// In v4 the packets are joined by the record separator \x1e, and a binary
// message is "b" + base64 (its type 4 is implied):
//
//	4hello\x1e2\x1ebAQIDBA==     message "hello", ping, binary message 01 02 03 04
const recordSeparator = '\x1e'

// encodePayloadV4 joins packets for a v4 polling response.
func encodePayloadV4(packets []eioPacket) []byte {
	var b []byte
	for i, p := range packets {
		if i > 0 {
			b = append(b, recordSeparator)
		}
		if p.binary {
			b = appendBase64(append(b, 'b'), p.data)
		} else {
			b = p.appendText(b)
		}
	}
	return b
}

// decodePayloadV4 splits a v4 polling body. On a bad packet it returns the
// packets before it as well as the error: those are delivered, then the
// session closes, as the reference server does.
func decodePayloadV4(body []byte) ([]eioPacket, error) {
	var packets []eioPacket
	for _, part := range bytes.Split(body, []byte{recordSeparator}) {
		p, err := decodeTextPacket(part)
		if err != nil {
			return packets, err
		}
		packets = append(packets, p)
	}
	return packets, nil
}

// Engine.IO v3 payloads are length-prefixed instead: <length>:<packet>,
// repeated, where the length counts UTF-16 code units — JavaScript's
// string.length — not bytes: "4€" is 2 units (4 bytes), "4😀" is 3.
//
//	6:4hello2:4€3:4😀
//
// A binary message inside a text payload is "b4" + base64 (v3 keeps the type).

// utf16Len is JavaScript's s.length for a UTF-8 string: runes above U+FFFF
// are a surrogate pair in UTF-16 and count twice.
func utf16Len(s []byte) int {
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
		s = s[size:]
	}
	return n
}

// encodePayloadV3Text writes <length>:<packet> for each packet.
func encodePayloadV3Text(packets []eioPacket) []byte {
	var b []byte
	for _, p := range packets {
		var one []byte
		if p.binary {
			one = appendBase64([]byte("b4"), p.data)
		} else {
			one = p.appendText(nil)
		}
		b = strconv.AppendInt(b, int64(utf16Len(one)), 10)
		b = append(b, ':')
		b = append(b, one...)
	}
	return b
}

// decodePayloadV3Text reads <length>:<packet> repeatedly, walking runes to
// count UTF-16 units.
func decodePayloadV3Text(body []byte) ([]eioPacket, error) {
	var packets []eioPacket
	for len(body) > 0 {
		colon := bytes.IndexByte(body, ':')
		if colon < 1 || colon > 9 {
			return packets, errBadLength
		}
		units, err := strconv.Atoi(string(body[:colon]))
		if err != nil || units < 1 {
			return packets, errBadLength
		}
		body = body[colon+1:]
		end := 0 // byte offset where the packet's units run out
		for units > 0 {
			if end >= len(body) {
				return packets, errBadLength
			}
			r, size := utf8.DecodeRune(body[end:])
			if r >= 0x10000 {
				units -= 2
			} else {
				units--
			}
			end += size
		}
		if units < 0 { // the length ended in the middle of a surrogate pair
			return packets, errBadLength
		}
		p, err := decodeTextPacketV3(body[:end])
		if err != nil {
			return packets, err
		}
		packets = append(packets, p)
		body = body[end:]
	}
	return packets, nil
}

// decodeTextPacketV3 is decodeTextPacket, but a base64 binary packet keeps
// its type digit: b4AQID.
func decodeTextPacketV3(s []byte) (eioPacket, error) {
	if len(s) > 0 && s[0] == 'b' {
		if len(s) < 2 || s[1] != byte(eioMessage) {
			return eioPacket{}, errUnknownPacket
		}
		return decodeTextPacket(append([]byte{'b'}, s[2:]...))
	}
	return decodeTextPacket(s)
}

// A v3 client that can read binary (it did not ask for b64=1) gets binary in
// the binary payload encoding, sent as application/octet-stream. Each packet
// is a kind byte (0 text, 1 binary), its length as one byte per decimal
// digit, 0xFF, then the packet; a binary packet starts with its type byte 4:
//
//	"4hello" + binary 01 02 03 04  →  00 06 FF 34 68 65 6C 6C 6F  01 05 FF 04 01 02 03 04

// v3BinaryType starts a v3 binary packet: the message type as a byte
// value, 4, where text packets have the digit '4'.
const v3BinaryType = 4

// encodePayloadV3Binary writes the binary payload encoding.
func encodePayloadV3Binary(packets []eioPacket) []byte {
	var b []byte
	for _, p := range packets {
		var one []byte
		kind := byte(0)
		if p.binary {
			kind = 1
			one = append([]byte{v3BinaryType}, p.data...)
		} else {
			one = p.appendText(nil)
		}
		b = append(b, kind)
		for _, digit := range strconv.Itoa(len(one)) {
			b = append(b, byte(digit-'0'))
		}
		b = append(b, 0xFF)
		b = append(b, one...)
	}
	return b
}

// decodePayloadV3Binary reads the binary payload encoding.
func decodePayloadV3Binary(body []byte) ([]eioPacket, error) {
	var packets []eioPacket
	for len(body) > 0 {
		kind := body[0]
		if kind > 1 {
			return packets, errBadLength
		}
		n, i := 0, 1
		for ; i < len(body) && body[i] != 0xFF; i++ {
			if body[i] > 9 || i > 9 {
				return packets, errBadLength
			}
			n = n*10 + int(body[i])
		}
		if i == 1 || i >= len(body) || n < 1 || len(body)-i-1 < n {
			return packets, errBadLength
		}
		one := body[i+1 : i+1+n]
		body = body[i+1+n:]
		var p eioPacket
		var err error
		if kind == 1 {
			if one[0] != v3BinaryType {
				return packets, errUnknownPacket
			}
			p = binaryPacket(one[1:])
		} else {
			p, err = decodeTextPacketV3(one)
		}
		if err != nil {
			return packets, err
		}
		packets = append(packets, p)
	}
	return packets, nil
}

// === Engine.IO protocol versions ============================================

// eioVersion is everything that differs between Engine.IO v3 and v4, chosen
// once per session from the EIO query parameter — like engine.io's
// `this.parser = this.protocol === 4 ? parser_v4 : parser_v3` — so the rest of
// the file never asks "is this v3?".
type eioVersion struct {
	protocol int // the EIO parameter, 3 or 4 (engine.io Transport.protocol)

	// serverPings: in v4 the server sends ping and waits for pong; in v3 the
	// client pings and the server answers (engine.io-protocol, History,
	// "From v3 to v4": "reverse ping/pong mechanism").
	serverPings bool

	// sendsMaxPayload: the v4 handshake lists maxPayload among its keys; the
	// v3 spec's handshake has only sid, upgrades, pingInterval, pingTimeout.
	sendsMaxPayload bool

	// encodePayload and decodePayload frame polling bodies. v4 joins packets
	// with \x1e where v3 counted characters, and always uses base64 for
	// binary (History, "From v3 to v4": "use a record separator instead of
	// counting of characters", "always use base64 when encoding a payload
	// with binary data").
	encodePayload func(packets []eioPacket, binaryOK bool) (body []byte, contentType string)
	decodePayload func(body []byte, contentType string) ([]eioPacket, error)

	// encodeFrame and decodeFrame frame websocket messages: in v3 a binary
	// frame starts with the type byte 4; in v4 "binary data is sent in
	// WebSocket frames with no additional transformation" (History, "From
	// v3 to v4").
	encodeFrame func(p eioPacket, binaryOK bool) (messageType int, data []byte)
	decodeFrame func(messageType int, data []byte) (eioPacket, error)
}

const (
	contentTypeText   = "text/plain; charset=UTF-8"
	contentTypeBinary = "application/octet-stream"
)

var eioV4 = &eioVersion{
	protocol:        4,
	serverPings:     true,
	sendsMaxPayload: true,
	encodePayload: func(packets []eioPacket, _ bool) ([]byte, string) {
		return encodePayloadV4(packets), contentTypeText
	},
	decodePayload: func(body []byte, contentType string) ([]eioPacket, error) {
		if strings.HasPrefix(contentType, contentTypeBinary) {
			return nil, errBinaryPayload
		}
		return decodePayloadV4(body)
	},
	encodeFrame: func(p eioPacket, _ bool) (int, []byte) {
		if p.binary {
			return websocket.BinaryMessage, p.data
		}
		return websocket.TextMessage, p.appendText(nil)
	},
	decodeFrame: func(messageType int, data []byte) (eioPacket, error) {
		if messageType == websocket.BinaryMessage {
			return binaryPacket(data), nil
		}
		return decodeTextPacket(data)
	},
}

var eioV3 = &eioVersion{
	protocol: 3,
	encodePayload: func(packets []eioPacket, binaryOK bool) ([]byte, string) {
		if binaryOK && hasBinaryPacket(packets) {
			return encodePayloadV3Binary(packets), contentTypeBinary
		}
		return encodePayloadV3Text(packets), contentTypeText
	},
	decodePayload: func(body []byte, contentType string) ([]eioPacket, error) {
		if strings.HasPrefix(contentType, contentTypeBinary) {
			return decodePayloadV3Binary(body)
		}
		return decodePayloadV3Text(body)
	},
	encodeFrame: func(p eioPacket, binaryOK bool) (int, []byte) {
		switch {
		case p.binary && binaryOK:
			return websocket.BinaryMessage, append([]byte{v3BinaryType}, p.data...)
		case p.binary:
			return websocket.TextMessage, appendBase64([]byte("b4"), p.data)
		}
		return websocket.TextMessage, p.appendText(nil)
	},
	decodeFrame: func(messageType int, data []byte) (eioPacket, error) {
		if messageType == websocket.BinaryMessage {
			if len(data) == 0 || data[0] != v3BinaryType {
				return eioPacket{}, errUnknownPacket
			}
			return binaryPacket(data[1:]), nil
		}
		return decodeTextPacketV3(data)
	},
}

// eioVersions maps the EIO query parameter to its version. Anything else,
// a missing EIO included, is "Unsupported protocol version".
var eioVersions = map[string]*eioVersion{"3": eioV3, "4": eioV4}

func hasBinaryPacket(packets []eioPacket) bool {
	for _, p := range packets {
		if p.binary {
			return true
		}
	}
	return false
}

// === Engine.IO sessions: handshake and heartbeat ============================

// eioSID is an Engine.IO session id, like the tutorial's riIk7xPKPqrcmqVUAAAA.
// It is not a Socket.IO socket id (SocketID): a 4.x client (Engine.IO v4,
// Socket.IO v5) gets a socket id of its own per namespace on top of one
// session; only for 2.x clients are the two the same.
type eioSID string

// base64id makes ids as Node's base64id package does: 12 random bytes, then
// a counter in the last 3, in URL-safe base64. The 20 characters end in the
// counter, which is how the tutorial's two tabs read …AAAA and …AAAB.
// engine.io and socket.io 4 each count their own ids.
type base64id struct{ count atomic.Uint32 }

var sessionIDs, socketIDs base64id

func (g *base64id) next() string {
	var b [15]byte
	if _, err := rand.Read(b[:12]); err != nil {
		panic(err) // the system's random source failed: nothing sensible is left to do
	}
	n := g.count.Add(1) - 1
	b[12], b[13], b[14] = byte(n>>16), byte(n>>8), byte(n)
	return base64.URLEncoding.EncodeToString(b[:])
}

// eioError is an HTTP-level Engine.IO error. The body is JSON with the code.
type eioError struct {
	status  int
	code    int
	message string
}

// The Engine.IO error codes, as engine.io sends them.
var (
	errTransportUnknown    = &eioError{http.StatusBadRequest, 0, "Transport unknown"}
	errSessionUnknown      = &eioError{http.StatusBadRequest, 1, "Session ID unknown"}
	errBadHandshakeMethod  = &eioError{http.StatusBadRequest, 2, "Bad handshake method"}
	errBadRequest          = &eioError{http.StatusBadRequest, 3, "Bad request"}
	errForbidden           = &eioError{http.StatusForbidden, 4, "Forbidden"}
	errUnsupportedProtocol = &eioError{http.StatusBadRequest, 5, "Unsupported protocol version"}
)

// writeEIOError answers a request with an Engine.IO error body:
// {"code":1,"message":"Session ID unknown"}.
func writeEIOError(w http.ResponseWriter, e *eioError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	fmt.Fprintf(w, `{"code":%d,"message":%q}`, e.code, e.message)
}

// eioServer is one Engine.IO endpoint: it owns the sessions below one path.
// (engine.io's Server; the tutorial prints it as io.eio.)
type eioServer struct {
	cfg          config
	onConnection func(*eioSocket) // the layer above attaches itself to each new session here
	trace        func(sid eioSID, direction string, p eioPacket)
	upgrader     websocket.Upgrader

	mu      sync.Mutex            // protects clients
	clients map[eioSID]*eioSocket // engine.io Server.clients; its size is clientsCount

	writers sync.WaitGroup // the websocket write loops, which shutdown waits for
}

func newEIOServer(cfg config, onConnection func(*eioSocket)) *eioServer {
	return &eioServer{
		cfg:          cfg,
		onConnection: onConnection,
		clients:      map[eioSID]*eioSocket{},
		upgrader: websocket.Upgrader{
			// Like Node's default, any page may connect: browsers are not the
			// only clients, and the server has no cookies to protect.
			CheckOrigin: func(*http.Request) bool { return true },
			// Share write buffers between connections instead of keeping one
			// per idle websocket: most of them are idle most of the time.
			WriteBufferPool: &sync.Pool{},
		},
	}
}

func (srv *eioServer) lookup(sid eioSID) *eioSocket {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return srv.clients[sid]
}

func (srv *eioServer) remove(sid eioSID) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	delete(srv.clients, sid)
}

// shutdown closes every session, then waits until the websocket write loops
// have sent their last frames, or until ctx ends.
func (srv *eioServer) shutdown(ctx context.Context) {
	srv.mu.Lock()
	sessions := make([]*eioSocket, 0, len(srv.clients))
	for _, s := range srv.clients {
		sessions = append(sessions, s)
	}
	srv.mu.Unlock()
	for _, s := range sessions {
		s.close(reasonShutdown)
	}
	done := make(chan struct{})
	go func() { srv.writers.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// ServeHTTP routes every Engine.IO request. It checks the transport, then
// the protocol version, then the session. engine.io checks EIO only on the
// handshake; checking it on every request is stricter and costs nothing.
//
//	GET  ?EIO=4&transport=polling               handshake
//	GET  ?EIO=4&transport=polling&sid=…         receive (long-poll)
//	POST ?EIO=4&transport=polling&sid=…         send
//	GET  ?EIO=4&transport=websocket[&sid=…]     websocket, or upgrade of a session
func (srv *eioServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	allowed, cors := srv.checkOrigin(w, r)
	if !allowed {
		writeEIOError(w, errForbidden)
		return
	}
	if cors && r.Method == http.MethodOptions { // a CORS preflight
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
		w.Header().Set("Access-Control-Allow-Headers", r.Header.Get("Access-Control-Request-Headers"))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	q := r.URL.Query()
	transport := q.Get("transport")
	if transport != "polling" && transport != "websocket" {
		writeEIOError(w, errTransportUnknown)
		return
	}
	if transport == "polling" {
		w.Header().Set("Cache-Control", "no-store") // no cache may answer a poll
	}
	version := eioVersions[q.Get("EIO")]
	if version == nil {
		writeEIOError(w, errUnsupportedProtocol)
		return
	}
	if transport == "websocket" && !websocket.IsWebSocketUpgrade(r) {
		writeEIOError(w, errBadRequest)
		return
	}
	sid := eioSID(q.Get("sid"))
	if sid == "" { // a new session
		if r.Method != http.MethodGet {
			writeEIOError(w, errBadHandshakeMethod)
			return
		}
		srv.handshake(w, r, version, transport)
		return
	}
	s := srv.lookup(sid)
	if s == nil {
		writeEIOError(w, errSessionUnknown)
		return
	}
	if s.version != version {
		writeEIOError(w, errBadRequest)
		return
	}
	if transport == "websocket" {
		s.serveUpgrade(w, r)
		return
	}
	s.servePolling(w, r)
}

// checkOrigin applies -cors-origin to a request from a web page, which
// names its page's origin in an Origin header. Without the setting anything
// goes, as with socket.io 4's defaults: no CORS headers, so a page from
// elsewhere cannot read polling answers, yet its websocket is accepted —
// how cross-site websocket hijacking happens. With the setting, an origin
// on the list (or any, for *) gets CORS headers and the others are refused
// on both transports. Requests with no Origin, and the server's own pages,
// always pass.
func (srv *eioServer) checkOrigin(w http.ResponseWriter, r *http.Request) (allowed, cors bool) {
	origin := r.Header.Get("Origin")
	if origin == "" || len(srv.cfg.corsOrigins) == 0 {
		return true, false
	}
	if u, err := url.Parse(origin); err == nil && u.Host == r.Host {
		return true, false // same origin
	}
	for _, o := range srv.cfg.corsOrigins {
		if o == "*" || o == origin {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			w.Header().Add("Vary", "Origin")
			return true, true
		}
	}
	return false, false
}

// openPacket is the handshake packet, the first thing a client reads:
//
//	0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}
type openPacket struct {
	SID          eioSID   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   int64    `json:"maxPayload,omitempty"` // v4 only
}

// handshake opens a session. Over polling the answer is a GET response that
// starts with the open packet; over websocket it is the first frame.
func (srv *eioServer) handshake(w http.ResponseWriter, r *http.Request, version *eioVersion, transport string) {
	var ws *websocket.Conn
	if transport == "websocket" {
		var err error
		if ws, err = srv.upgradeWebSocket(w, r); err != nil {
			return // the upgrader has answered with an HTTP error
		}
	}
	s := newEIOSocket(srv, r, version, transport)
	open := openPacket{
		SID:          s.sid,
		Upgrades:     []string{},
		PingInterval: srv.cfg.pingInterval.Milliseconds(),
		PingTimeout:  srv.cfg.pingTimeout.Milliseconds(),
	}
	if transport == "polling" {
		open.Upgrades = []string{"websocket"}
	}
	if version.sendsMaxPayload {
		open.MaxPayload = srv.cfg.maxPayload
	}
	data, _ := json.Marshal(open) // a struct of strings and numbers always marshals
	first := eioPacket{typ: eioOpen, data: data}
	if ws != nil {
		s.writeBuffer = []eioPacket{first} // the first frame, ahead of anything the layer above sends
	}

	srv.mu.Lock()
	srv.clients[s.sid] = s
	srv.mu.Unlock()
	if srv.onConnection != nil {
		srv.onConnection(s) // may queue packets, e.g. the v3 client's implicit CONNECT
	}
	s.startHeartbeat()

	if ws != nil {
		srv.writers.Add(1)
		go s.writeLoop(ws)
		s.readLoop(ws)
		return
	}
	// Over polling the handshake answers with the open packet alone; what
	// the layer above queued (a v3 client's CONNECT) waits for the next GET.
	s.writePollResponse(w, []eioPacket{first})
}

// requestInfo is what the handshake request looked like; Socket.IO shows it
// as socket.handshake and socket.conn.request.
type requestInfo struct {
	headers       http.Header
	remoteAddress string
	url           string
	query         url.Values
	secure        bool
	time          time.Time
}

// eioSocket is one Engine.IO session (engine.io's Socket; the tutorial
// prints it as socket.conn). It outlives its transports: a session that
// starts on polling moves to a websocket and keeps its sid and its queue.
//
// Goroutines: the HTTP handler that reads (a POST, or the websocket read
// loop) delivers packets to onMessage; the one that writes (a waiting GET,
// or writeLoop) drains writeBuffer. Timers run the heartbeat. Everything they
// share is under mu; a change that a waiting writer must see closes
// `changed`.
type eioSocket struct {
	sid      eioSID
	server   *eioServer
	version  *eioVersion
	binaryOK bool // false when a v3 client asked for base64 (b64=1)
	request  requestInfo

	onMessage func(eioPacket)     // set by the layer above, before the session opens
	onClose   func(reason string) // likewise

	mu                sync.Mutex      // protects the fields below
	readyState        string          // "open" or "closed" (engine.io readyState)
	closeReason       string          // why it closed: "transport close", "ping timeout", …
	transport         string          // "polling" or "websocket"
	upgrading         bool            // probe answered, waiting for the upgrade packet
	upgraded          bool            // the session has moved to websocket
	probe             *websocket.Conn // the websocket being probed, during an upgrade
	writeBuffer       []eioPacket     // packets waiting for a transport (engine.io writeBuffer)
	changed           chan struct{}   // closed and replaced when a waiting writer has work
	pollWaiting       bool            // a GET is being held open
	postActive        bool            // a POST is being read
	pingIntervalTimer *time.Timer     // v4: sends the next ping
	pingTimeoutTimer  *time.Timer     // closes the session when the other side goes quiet
}

func newEIOSocket(srv *eioServer, r *http.Request, version *eioVersion, transport string) *eioSocket {
	return &eioSocket{
		sid:        eioSID(sessionIDs.next()),
		server:     srv,
		version:    version,
		binaryOK:   r.URL.Query().Get("b64") == "",
		readyState: "open",
		transport:  transport,
		changed:    make(chan struct{}),
		request: requestInfo{
			headers:       r.Header.Clone(),
			remoteAddress: r.RemoteAddr,
			url:           r.URL.RequestURI(),
			query:         r.URL.Query(),
			secure:        r.TLS != nil,
			time:          time.Now(),
		},
	}
}

// notifyLocked wakes whoever waits for work (a held GET or the write loop).
// Callers hold s.mu.
func (s *eioSocket) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// maxWriteBuffer bounds the packets queued for one client. A client that
// reads so slowly that this many pile up is cut off ("transport error")
// rather than holding memory without end; everyone else goes on.
const maxWriteBuffer = 100000

// send queues packets for the client. It never blocks on the network, so a
// slow client cannot hold up a broadcast to the others. The packets of one
// call stay together, in order: a Socket.IO packet and its attachments.
func (s *eioSocket) send(packets ...eioPacket) {
	s.mu.Lock()
	if s.readyState != "open" {
		s.mu.Unlock()
		return
	}
	wasEmpty := len(s.writeBuffer) == 0
	s.writeBuffer = append(s.writeBuffer, packets...)
	full := len(s.writeBuffer) > maxWriteBuffer
	if wasEmpty { // a writer waits only on an empty buffer
		s.notifyLocked()
	}
	s.mu.Unlock()
	if full {
		s.close("transport error")
	}
}

// reasonShutdown is the close reason when the process stops, socket.io's.
const reasonShutdown = "server shutting down"

// close ends the session once, whatever the reason, and tells the layer
// above. Waiting writers wake up and finish.
func (s *eioSocket) close(reason string) {
	s.mu.Lock()
	if s.readyState != "open" {
		s.mu.Unlock()
		return
	}
	s.readyState = "closed"
	s.closeReason = reason
	stopTimer(s.pingIntervalTimer)
	stopTimer(s.pingTimeoutTimer)
	probe := s.probe
	s.notifyLocked()
	s.mu.Unlock()

	if probe != nil {
		_ = probe.Close() // ends the upgrade's read; its error is expected
	}
	s.server.remove(s.sid)
	if s.onClose != nil {
		s.onClose(reason)
	}
}

func stopTimer(t *time.Timer) {
	if t != nil {
		t.Stop()
	}
}

// onPacket handles one packet from the client, whatever transport brought it.
func (s *eioSocket) onPacket(p eioPacket) {
	if s.server.trace != nil {
		s.server.trace(s.sid, "in", p)
	}
	switch p.typ {
	case eioMessage:
		if s.onMessage != nil {
			s.onMessage(p)
		}
	case eioPing:
		if s.version.serverPings {
			s.close("parse error") // v4: only the server pings ("invalid heartbeat direction")
			return
		}
		s.onClientPing(p)
	case eioPong:
		if s.version.serverPings {
			s.onPong()
		}
	case eioClose:
		s.close("transport close")
	case eioNoop:
	default: // open or upgrade on an open session
		s.close("parse error")
	}
}

// The heartbeat. In v4 the server sends ping every pingInterval and closes
// the session if pong does not come back within pingTimeout. The timeout
// starts when the ping is queued, not when a GET carries it, so a client that
// stops polling is noticed on time.
//
//	server → 2      client → 3      (pingInterval later) server → 2 …
//
// In v3 the client pings and the server answers; the session closes when no
// ping comes within pingInterval + pingTimeout.
func (s *eioSocket) startHeartbeat() {
	s.mu.Lock()
	defer s.mu.Unlock()
	cfg := s.server.cfg
	if s.version.serverPings {
		s.pingIntervalTimer = time.AfterFunc(cfg.pingInterval, s.ping)
	} else {
		s.pingTimeoutTimer = time.AfterFunc(cfg.pingInterval+cfg.pingTimeout, s.onPingTimeout)
	}
}

func (s *eioSocket) onPingTimeout() { s.close("ping timeout") }

// ping queues a ping and starts the clock for its pong (v4).
func (s *eioSocket) ping() {
	s.mu.Lock()
	if s.readyState != "open" {
		s.mu.Unlock()
		return
	}
	s.pingTimeoutTimer = time.AfterFunc(s.server.cfg.pingTimeout, s.onPingTimeout)
	s.mu.Unlock()
	s.send(eioPacket{typ: eioPing})
}

// onPong stops the clock and schedules the next ping (v4). A pong that
// answers no ping is ignored.
func (s *eioSocket) onPong() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readyState != "open" || s.pingTimeoutTimer == nil {
		return
	}
	s.pingTimeoutTimer.Stop()
	s.pingTimeoutTimer = nil
	s.pingIntervalTimer = time.AfterFunc(s.server.cfg.pingInterval, s.ping)
}

// onClientPing answers a v3 client's ping with a pong that carries the same
// data, and restarts the timeout.
func (s *eioSocket) onClientPing(p eioPacket) {
	s.mu.Lock()
	if s.pingTimeoutTimer != nil {
		s.pingTimeoutTimer.Reset(s.server.cfg.pingInterval + s.server.cfg.pingTimeout)
	}
	s.mu.Unlock()
	s.send(eioPacket{typ: eioPong, data: p.data})
}

// === Engine.IO: long-polling transport ======================================

// servePolling handles a polling request on an open session: GET receives,
// POST sends.
func (s *eioSocket) servePolling(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.servePollGet(w, r)
	case http.MethodPost:
		s.servePollPost(w, r)
	case http.MethodOptions:
		w.WriteHeader(http.StatusNoContent)
	default: // engine.io answers 500 here; "Bad request" says what is wrong
		writeEIOError(w, errBadRequest)
	}
}

// beginRequest claims one of the session's two polling slots, busy being
// pollWaiting (a held GET) or postActive (a POST being read). A request on
// a session that is not polling is a bad request; a second request for a
// busy slot breaks the protocol and closes the session (a held GET then
// gets the close packet).
func (s *eioSocket) beginRequest(w http.ResponseWriter, busy *bool) bool {
	s.mu.Lock()
	switch {
	case s.transport != "polling" || s.readyState != "open":
		s.mu.Unlock()
		writeEIOError(w, errBadRequest)
		return false
	case *busy:
		s.mu.Unlock()
		writeEIOError(w, errBadRequest)
		s.close("transport error")
		return false
	}
	*busy = true
	s.mu.Unlock()
	return true
}

// endRequest frees the slot that beginRequest claimed.
func (s *eioSocket) endRequest(busy *bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*busy = false
}

// servePollGet holds the GET until there is something to send, then sends
// everything queued as one payload. Only one GET may wait at a time; a second
// one is a protocol violation that closes the session.
func (s *eioSocket) servePollGet(w http.ResponseWriter, r *http.Request) {
	if !s.beginRequest(w, &s.pollWaiting) {
		return
	}
	packets := s.nextPoll(r)
	s.endRequest(&s.pollWaiting)
	if packets == nil {
		return // the client went away
	}
	s.writePollResponse(w, packets)
}

// writePollResponse sends packets as one polling payload.
func (s *eioSocket) writePollResponse(w http.ResponseWriter, packets []eioPacket) {
	s.tracePackets(packets)
	body, contentType := s.version.encodePayload(packets, s.binaryOK)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body) // if the client is gone, so are these packets, as in engine.io
}

// nextPoll waits for the answer to a GET: the queued packets; a noop while
// an upgrade is under way (the packets wait for the websocket); a close when
// the server ended the session, or a noop when the client did.
func (s *eioSocket) nextPoll(r *http.Request) []eioPacket {
	for {
		s.mu.Lock()
		switch {
		case s.readyState != "open" && s.closeReason == "transport close":
			s.mu.Unlock()
			return []eioPacket{{typ: eioNoop}}
		case s.readyState != "open":
			s.mu.Unlock()
			return []eioPacket{{typ: eioClose}}
		case s.upgrading || s.transport != "polling":
			s.mu.Unlock()
			return []eioPacket{{typ: eioNoop}}
		case len(s.writeBuffer) > 0:
			packets := s.writeBuffer
			s.writeBuffer = nil
			s.mu.Unlock()
			return packets
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-r.Context().Done():
			return nil
		}
	}
}

// servePollPost reads one payload and hands its packets on, then answers
// "ok". A body over maxPayload gets 413 and the session lives on; a bad
// packet closes the session after the good ones before it are delivered.
func (s *eioSocket) servePollPost(w http.ResponseWriter, r *http.Request) {
	if !s.beginRequest(w, &s.postActive) {
		return
	}
	defer s.endRequest(&s.postActive)

	limit := s.server.cfg.maxPayload
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return // the client went away mid-body
	}
	if int64(len(body)) > limit {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		fmt.Fprintf(w, `{"code":3,"message":"Payload over maxPayload (%d bytes)"}`, limit)
		return
	}
	packets, err := s.version.decodePayload(body, r.Header.Get("Content-Type"))
	for _, p := range packets {
		s.onPacket(p)
	}
	if err != nil {
		writeEIOError(w, errBadRequest)
		s.close("parse error")
		return
	}
	w.Header().Set("Content-Type", "text/html")
	_, _ = w.Write([]byte("ok"))
}

func (s *eioSocket) tracePackets(packets []eioPacket) {
	if s.server.trace == nil {
		return
	}
	for _, p := range packets {
		s.server.trace(s.sid, "out", p)
	}
}

// === Engine.IO: WebSocket transport and upgrade =============================

// wsWriteWait bounds one websocket write, so a client that stopped reading
// cannot keep its write loop forever.
const wsWriteWait = 10 * time.Second

// writeLoop is the only writer of a session's websocket. It starts when the
// session moves to the websocket and ends when the session closes, closing
// the connection, which also ends readLoop.
func (s *eioSocket) writeLoop(ws *websocket.Conn) {
	defer s.server.writers.Done()
	defer ws.Close()
	for {
		s.mu.Lock()
		packets := s.writeBuffer
		s.writeBuffer = nil
		open, reason := s.readyState == "open", s.closeReason
		changed := s.changed
		s.mu.Unlock()

		if !open && reason != "transport close" {
			packets = append(packets, eioPacket{typ: eioClose}) // the server ends it: say so
		}
		s.tracePackets(packets)
		if err := s.writeFrames(ws, packets); err != nil {
			s.close("transport error")
			return
		}
		if !open {
			code := websocket.CloseNormalClosure
			if reason == reasonShutdown {
				code = websocket.CloseGoingAway
			}
			closeFrame := websocket.FormatCloseMessage(code, "")
			_ = ws.WriteControl(websocket.CloseMessage, closeFrame, time.Now().Add(time.Second)) // best effort
			return
		}
		<-changed
	}
}

// writeFrames writes packets as websocket messages, one message each. When
// several are queued — a burst of broadcasts, say — they leave in one system
// call: on a busy server the calls, not the bytes, are what costs.
func (s *eioSocket) writeFrames(ws *websocket.Conn, packets []eioPacket) error {
	if len(packets) == 0 {
		return nil
	}
	batch := ws.NetConn().(*batchConn) // upgradeWebSocket makes every websocket over one
	batch.begin()
	_ = ws.SetWriteDeadline(time.Now().Add(wsWriteWait))
	var err error
	for _, p := range packets {
		messageType, data := s.version.encodeFrame(p, s.binaryOK)
		if err = ws.WriteMessage(messageType, data); err != nil {
			break
		}
	}
	if flushErr := batch.end(); err == nil {
		err = flushErr
	}
	return err
}

// batchConn is the network connection under a websocket. Between begin and
// end it keeps what gorilla/websocket writes in a buffer and sends it all at
// end; at other times writes go straight out. The websocket library writes
// from two goroutines (writeLoop, and the reader answering a client's ping),
// so the buffer has a lock.
type batchConn struct {
	net.Conn
	mu  sync.Mutex    // protects buf
	buf *bufio.Writer // nil outside a batch
}

// batchBuffers lends buffers for batches, so an idle connection holds none.
var batchBuffers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 16<<10) }}

func (c *batchConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf == nil {
		return c.Conn.Write(p)
	}
	return c.buf.Write(p)
}

func (c *batchConn) begin() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf = batchBuffers.Get().(*bufio.Writer)
	c.buf.Reset(c.Conn)
}

func (c *batchConn) end() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.buf.Flush()
	c.buf.Reset(nil)
	batchBuffers.Put(c.buf)
	c.buf = nil
	return err
}

// upgradeWebSocket is the upgrader's Upgrade with a batchConn under the
// websocket: hijacking the connection from net/http goes through batching.
func (srv *eioServer) upgradeWebSocket(w http.ResponseWriter, r *http.Request) (*websocket.Conn, error) {
	return srv.upgrader.Upgrade(batchingHijacker{w}, r, nil)
}

// batchingHijacker hands gorilla/websocket a batchConn when it hijacks the
// HTTP connection.
type batchingHijacker struct{ http.ResponseWriter }

func (h batchingHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	return &batchConn{Conn: conn}, rw, nil
}

// readLoop reads frames until the connection fails, handing each packet on.
// It runs in the HTTP handler's goroutine.
func (s *eioSocket) readLoop(ws *websocket.Conn) {
	// Over the limit, gorilla/websocket closes with status 1009 (message too big).
	ws.SetReadLimit(s.server.cfg.maxPayload)
	for {
		messageType, data, err := ws.ReadMessage()
		if err != nil {
			s.close("transport close")
			return
		}
		if messageType == websocket.TextMessage && !utf8.Valid(data) {
			// RFC 6455 §8.1: a text frame that is not UTF-8 fails the
			// connection, with status 1007, as Node's ws does.
			closeFrame := websocket.FormatCloseMessage(websocket.CloseInvalidFramePayloadData, "invalid UTF-8")
			_ = ws.WriteControl(websocket.CloseMessage, closeFrame, time.Now().Add(time.Second))
			s.close("transport error")
			return
		}
		p, err := s.version.decodeFrame(messageType, data)
		if err != nil {
			s.close("parse error")
			return
		}
		s.onPacket(p)
	}
}

// serveUpgrade moves a polling session to a websocket:
//
//	client → 2probe      (on the new websocket)
//	server → 3probe      the websocket works; from now every GET gets 6 (noop)
//	client → 5           (upgrade) the session switches; queued packets follow on the websocket
//
// Packets queued during the upgrade stay queued until 5, so none is lost or
// sent twice. Anything else on the probe, or nothing within upgradeTimeout,
// cancels the upgrade and polling goes on.
func (s *eioSocket) serveUpgrade(w http.ResponseWriter, r *http.Request) {
	ws, err := s.server.upgradeWebSocket(w, r)
	if err != nil {
		return
	}
	ws.SetReadLimit(s.server.cfg.maxPayload) // the probe frames count too
	s.mu.Lock()
	busy := s.transport != "polling" || s.probe != nil || s.readyState != "open"
	if !busy {
		s.probe = ws
	}
	s.mu.Unlock()
	if busy {
		// A second websocket for this session. engine.io completes its
		// handshake and closes it at once, with an empty close frame; the
		// session's own transport goes on.
		_ = ws.WriteControl(websocket.CloseMessage, nil, time.Now().Add(time.Second))
		_ = ws.Close()
		return
	}

	if err := s.probeUpgrade(ws); err != nil {
		s.mu.Lock()
		s.probe = nil
		s.upgrading = false
		s.notifyLocked()
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.server.writers.Add(1)
	go s.writeLoop(ws)
	s.readLoop(ws)
}

// probeUpgrade runs the probe exchange and, on success, switches transports.
func (s *eioSocket) probeUpgrade(ws *websocket.Conn) error {
	_ = ws.SetReadDeadline(time.Now().Add(s.server.cfg.upgradeTimeout))
	p, err := s.readProbeFrame(ws)
	if err != nil || p.typ != eioPing || string(p.data) != "probe" {
		return errors.New("upgrade: expected 2probe")
	}
	pong := eioPacket{typ: eioPong, data: []byte("probe")}
	s.tracePackets([]eioPacket{pong})
	_ = ws.SetWriteDeadline(time.Now().Add(wsWriteWait))
	if err := ws.WriteMessage(websocket.TextMessage, pong.appendText(nil)); err != nil {
		return err
	}
	s.mu.Lock()
	s.upgrading = true
	s.notifyLocked() // a held GET returns 6 now
	s.mu.Unlock()

	p, err = s.readProbeFrame(ws)
	if err != nil || p.typ != eioUpgrade {
		return errors.New("upgrade: expected 5")
	}
	_ = ws.SetReadDeadline(time.Time{})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readyState != "open" {
		return errors.New("upgrade: session closed")
	}
	s.transport = "websocket"
	s.upgrading = false
	s.upgraded = true
	s.probe = nil
	s.notifyLocked()
	return nil
}

func (s *eioSocket) readProbeFrame(ws *websocket.Conn) (eioPacket, error) {
	messageType, data, err := ws.ReadMessage()
	if err != nil {
		return eioPacket{}, err
	}
	p, err := s.version.decodeFrame(messageType, data)
	if err == nil && s.server.trace != nil {
		s.server.trace(s.sid, "in", p)
	}
	return p, err
}

// === Socket.IO packets ======================================================

// PacketType is the first digit of a Socket.IO packet (socket.io-parser's
// PacketType). It travels inside an Engine.IO message, so on the wire a
// Socket.IO EVENT reads 42: Engine.IO 4 (message), Socket.IO 2 (event).
type PacketType int

const (
	Connect      PacketType = iota // 0 CONNECT: join a namespace; the server answers with the socket id
	Disconnect                     // 1 DISCONNECT: leave a namespace
	Event                          // 2 EVENT: ["name", ...args]
	Ack                            // 3 ACK: the answer to an event that carried an id
	ConnectError                   // 4 CONNECT_ERROR (v5); ERROR in protocol v4
	BinaryEvent                    // 5 BINARY_EVENT: an event with binary attachments
	BinaryAck                      // 6 BINARY_ACK: an ack with binary attachments
)

// packetTypeNames is the parser's `types` list, as the tutorial prints it
// (protocol v4 names; v5 renamed ERROR to CONNECT_ERROR).
var packetTypeNames = [...]string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "ERROR", "BINARY_EVENT", "BINARY_ACK"}

func (t PacketType) String() string {
	if t == ConnectError {
		return "CONNECT_ERROR"
	}
	if t >= 0 && int(t) < len(packetTypeNames) {
		return packetTypeNames[t]
	}
	return "PacketType(" + strconv.Itoa(int(t)) + ")"
}

// noAck is Packet.ID when the sender asked for no acknowledgement.
const noAck = -1

// maxAttachments caps the binary attachments of one packet, as
// socket.io-parser does, so a header cannot make us wait for millions.
const maxAttachments = 10

// Packet is one Socket.IO packet. Data is decoded JSON (numbers stay
// json.Number, so they come back exactly as sent), with []byte wherever a
// binary attachment was.
type Packet struct {
	Type PacketType
	Nsp  string // namespace, "/" when the wire leaves it out
	ID   int    // ack id, or noAck
	Data any
}

// Errors of the Socket.IO parser. The connection that sent one is closed
// ("the receiver MUST close the connection", socket.io-protocol).
var (
	errPacketType  = errors.New("socket.io: unknown packet type")
	errAttachments = errors.New("socket.io: bad attachment count")
	errAckID       = errors.New("socket.io: bad ack id")
	errPayload     = errors.New("socket.io: payload not allowed for this packet type")
	errPlaceholder = errors.New("socket.io: bad binary placeholder")
	errReserved    = errors.New("socket.io: reserved event name")
)

// reservedEvents may not be sent by a client: they are the socket's own.
var reservedEvents = map[string]bool{
	"connect": true, "connect_error": true, "disconnect": true,
	"disconnecting": true, "newListener": true, "removeListener": true,
}

// encode writes a packet as text plus its binary attachments:
//
//	<type>[<#attachments>-][<nsp>,][<ack id>][JSON]     e.g. 2/admin,13["foo"]
//
// An EVENT or ACK whose data holds []byte becomes a BINARY_EVENT or
// BINARY_ACK: each []byte is replaced, depth first, by
// {"_placeholder":true,"num":N} and travels as attachment N.
func (p Packet) encode() (string, [][]byte, error) {
	var attachments [][]byte
	data := p.Data
	if hasBinary(data) {
		data = deconstruct(data, &attachments)
	}
	typ := p.Type
	if len(attachments) > 0 && typ == Event {
		typ = BinaryEvent
	} else if len(attachments) > 0 && typ == Ack {
		typ = BinaryAck
	}

	var b strings.Builder
	b.WriteByte(byte('0' + typ))
	if typ == BinaryEvent || typ == BinaryAck {
		b.WriteString(strconv.Itoa(len(attachments)))
		b.WriteByte('-')
	}
	if p.Nsp != "" && p.Nsp != "/" {
		b.WriteString(p.Nsp)
		b.WriteByte(',')
	}
	if p.ID != noAck {
		b.WriteString(strconv.Itoa(p.ID))
	}
	if data != nil {
		js, err := marshalJSON(data)
		if err != nil {
			return "", nil, err
		}
		b.Write(js)
	}
	return b.String(), attachments, nil
}

// marshalJSON is json.Marshal without HTML escaping: JavaScript's
// JSON.stringify leaves <, > and & alone, and so do we.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// hasBinary reports whether v holds a []byte anywhere.
func hasBinary(v any) bool {
	switch x := v.(type) {
	case []byte:
		return true
	case []any:
		for _, e := range x {
			if hasBinary(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if hasBinary(e) {
				return true
			}
		}
	}
	return false
}

// placeholder stands for attachment Num in the JSON of a binary packet.
type placeholder struct {
	Placeholder bool `json:"_placeholder"`
	Num         int  `json:"num"`
}

// deconstruct copies v with every []byte moved to attachments and replaced
// by a placeholder. The caller's v is left as it was.
func deconstruct(v any, attachments *[][]byte) any {
	switch x := v.(type) {
	case []byte:
		*attachments = append(*attachments, x)
		return placeholder{true, len(*attachments) - 1}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deconstruct(e, attachments)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deconstruct(e, attachments)
		}
		return out
	}
	return v
}

// reconstruct puts the attachments back where their placeholders are. A
// placeholder must have an integer num within the attachments
// (CVE-2022-2421 came from trusting it), and no two may share one: an
// encoder writes a placeholder per attachment, and a shared one would turn
// into many attachments when the packet is sent on. used marks those taken.
func reconstruct(v any, attachments [][]byte, used []bool) (any, error) {
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			r, err := reconstruct(e, attachments, used)
			if err != nil {
				return nil, err
			}
			x[i] = r
		}
	case map[string]any:
		if x["_placeholder"] == true {
			num, ok := x["num"].(json.Number)
			n, err := strconv.Atoi(string(num))
			if !ok || err != nil || n < 0 || n >= len(attachments) || used[n] {
				return nil, fmt.Errorf("%w: num %v", errPlaceholder, x["num"])
			}
			used[n] = true
			return attachments[n], nil
		}
		for k, e := range x {
			r, err := reconstruct(e, attachments, used)
			if err != nil {
				return nil, err
			}
			x[k] = r
		}
	}
	return v, nil
}

// decodePacket parses the text of a packet and checks its payload. It
// returns how many binary attachments must follow before the packet is
// complete.
func decodePacket(s string) (Packet, int, error) {
	p, attachments, err := parsePacket(s)
	if err == nil {
		err = p.checkPayload()
	}
	return p, attachments, err
}

// parsePacket reads the parts of a packet in the order of the grammar: type,
// attachment count, namespace, ack id, JSON.
func parsePacket(s string) (Packet, int, error) {
	p := Packet{Nsp: "/", ID: noAck}
	if s == "" || s[0] < '0' || s[0] > '6' {
		return p, 0, fmt.Errorf("%w in %q", errPacketType, s)
	}
	p.Type = PacketType(s[0] - '0')
	i := 1

	attachments := 0
	if p.Type == BinaryEvent || p.Type == BinaryAck {
		dash := strings.IndexByte(s[i:], '-')
		if dash < 1 {
			return p, 0, fmt.Errorf("%w in %q", errAttachments, s)
		}
		n, err := strconv.Atoi(s[i : i+dash])
		if err != nil || n < 1 || n > maxAttachments {
			return p, 0, fmt.Errorf("%w in %q", errAttachments, s)
		}
		attachments = n
		i += dash + 1
	}

	// The namespace ends at a comma or at the end: clients send "40/custom".
	if i < len(s) && s[i] == '/' {
		end := strings.IndexByte(s[i:], ',')
		if end < 0 {
			p.Nsp, i = s[i:], len(s)
		} else {
			p.Nsp, i = s[i:i+end], i+end+1
		}
	}

	digits := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > digits {
		id, err := strconv.Atoi(s[digits:i])
		if err != nil || i-digits > 9 {
			return p, 0, fmt.Errorf("%w in %q", errAckID, s)
		}
		p.ID = id
	}

	if i < len(s) {
		data, err := decodeJSON(s[i:])
		if err != nil {
			return p, 0, fmt.Errorf("socket.io: bad JSON in %q: %w", s, err)
		}
		p.Data = data
	}
	return p, attachments, nil
}

// decodeJSON decodes exactly one JSON value, keeping numbers as json.Number.
func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if strings.TrimSpace(s[dec.InputOffset():]) != "" {
		return nil, errors.New("text after the JSON value")
	}
	return v, nil
}

// checkPayload applies the spec's rule for each type's payload: CONNECT an
// optional object, DISCONNECT nothing, EVENT a non-empty array whose first
// element names the event, ACK an array. CONNECT_ERROR only travels to
// clients.
func (p Packet) checkPayload() error {
	switch p.Type {
	case Connect:
		if _, ok := p.Data.(map[string]any); ok || p.Data == nil {
			return nil
		}
	case Disconnect:
		if p.Data == nil {
			return nil
		}
	case Event, BinaryEvent:
		args, ok := p.Data.([]any)
		if !ok || len(args) == 0 {
			break
		}
		switch name := args[0].(type) {
		case string:
			if reservedEvents[name] {
				return fmt.Errorf("%w %q", errReserved, name)
			}
			return nil
		case json.Number:
			return nil
		}
	case Ack, BinaryAck:
		if _, ok := p.Data.([]any); ok {
			return nil
		}
	}
	return fmt.Errorf("%w: %v", errPayload, p.Type)
}

// decoder turns a client's Engine.IO messages into Socket.IO packets. A
// binary packet arrives as its text, then one binary message per
// attachment; the decoder holds it until the last one is in.
type decoder struct {
	pending     *Packet  // a binary packet waiting for attachments
	want        int      // how many attachments it has
	attachments [][]byte // those received so far
}

var errUnexpectedBinary = errors.New("socket.io: binary message with no packet waiting for it")
var errExpectedBinary = errors.New("socket.io: text message while attachments are due")

// add takes one Engine.IO message and returns a complete packet, or nil
// while attachments are still due.
func (d *decoder) add(m eioPacket) (*Packet, error) {
	if d.pending == nil {
		if m.binary {
			return nil, errUnexpectedBinary
		}
		p, n, err := decodePacket(string(m.data))
		if err != nil || n == 0 {
			return &p, err
		}
		d.pending, d.want, d.attachments = &p, n, nil
		return nil, nil
	}
	if !m.binary {
		return nil, errExpectedBinary
	}
	d.attachments = append(d.attachments, m.data)
	if len(d.attachments) < d.want {
		return nil, nil
	}
	p := d.pending
	d.pending = nil
	data, err := reconstruct(p.Data, d.attachments, make([]bool, len(d.attachments)))
	d.attachments = nil
	if err != nil {
		return nil, err
	}
	p.Data = data
	return p, nil
}

// === Socket.IO client =======================================================

// sioProtocol is everything that differs between Socket.IO protocol v5 (the
// 3.x/4.x clients, on Engine.IO v4) and v4 (the 2.x client of the tutorial,
// on Engine.IO v3). It is chosen once per connection, from the Engine.IO
// version, as socket.io 4 does for `allowEIO3` clients.
type sioProtocol struct {
	protocol int // parser.protocol: 5, or 4 for 2.x clients

	// connectsRoot: a v4 client is in "/" as soon as the session opens; the
	// server sends CONNECT itself. In v5 the client must ask (socket.io-protocol,
	// History, "Difference between v5 and v4": "remove the implicit
	// connection to the default namespace").
	connectsRoot bool

	// socketID names the socket of a connection in a namespace. v5 gives
	// each its own id, sent back in the CONNECT reply, so it is no longer the
	// Engine.IO id ("Difference between v5 and v4": "the CONNECT packet now
	// can contain a payload"). v4 uses the Engine.IO id on "/" and
	// "<nsp>#<engine id>" elsewhere.
	socketID func(nsp string, sid eioSID) SocketID

	// readsAuth: a v5 CONNECT may carry an auth object; in v4 it has none,
	// and handshake.auth is always {} ("Difference between v5 and v4": "the
	// CONNECT packet now can contain a payload").
	readsAuth bool

	// connectReply is the server's CONNECT: 40{"sid":"…"} in v5 (the same
	// history entry), bare 40/custom, in v4.
	connectReply func(nsp string, id SocketID) Packet

	// connectError refuses a namespace: CONNECT_ERROR 44{"message":"…"} in
	// v5, with "data" when a middleware gave some; in v4 the ERROR packet
	// carries the data, or else the message as a bare string ("Difference
	// between v5 and v4": "rename ERROR to CONNECT_ERROR").
	connectError func(nsp string, err *DataError) Packet
}

var sioV5 = &sioProtocol{
	protocol:  5,
	readsAuth: true,
	socketID:  func(string, eioSID) SocketID { return SocketID(socketIDs.next()) },
	connectReply: func(nsp string, id SocketID) Packet {
		return Packet{Type: Connect, Nsp: nsp, ID: noAck, Data: map[string]any{"sid": id}}
	},
	connectError: func(nsp string, err *DataError) Packet {
		data := map[string]any{"message": err.Message}
		if err.Data != nil {
			data["data"] = err.Data
		}
		return Packet{Type: ConnectError, Nsp: nsp, ID: noAck, Data: data}
	},
}

var sioV4 = &sioProtocol{
	protocol:     4,
	connectsRoot: true,
	socketID: func(nsp string, sid eioSID) SocketID {
		if nsp == "/" {
			return SocketID(sid)
		}
		return SocketID(nsp + "#" + string(sid))
	},
	connectReply: func(nsp string, _ SocketID) Packet {
		return Packet{Type: Connect, Nsp: nsp, ID: noAck}
	},
	connectError: func(nsp string, err *DataError) Packet {
		if err.Data != nil {
			return Packet{Type: ConnectError, Nsp: nsp, ID: noAck, Data: err.Data}
		}
		return Packet{Type: ConnectError, Nsp: nsp, ID: noAck, Data: err.Message}
	},
}

// client is the Socket.IO side of one Engine.IO session (socket.io's
// Client). One client carries a socket for every namespace the browser
// joined: io("/") and io("/custom") from one page share it.
type client struct {
	server   *Server
	conn     *eioSocket   // Client.conn
	protocol *sioProtocol // chosen once, from the Engine.IO version

	mu      sync.Mutex         // protects the fields below
	decoder decoder            // Client.decoder
	nsps    map[string]*Socket // Client.nsps: namespace name → this client's socket there
}

// newClient attaches a Socket.IO client to a new Engine.IO session.
func newClient(server *Server, conn *eioSocket) *client {
	c := &client{server: server, conn: conn, protocol: sioV5, nsps: map[string]*Socket{}}
	if conn.version.protocol == 3 {
		c.protocol = sioV4
	}
	conn.onMessage = c.onMessage
	conn.onClose = c.onClose
	if c.protocol.connectsRoot {
		c.connect("/", map[string]any{})
	} else {
		time.AfterFunc(server.eio.cfg.connectTimeout, c.closeIfNoNamespace)
	}
	return c
}

// closeIfNoNamespace closes a connection that has joined no namespace by
// connectTimeout, as socket.io does: such a session costs memory and does
// nothing. (On a closed session it does nothing.)
func (c *client) closeIfNoNamespace() {
	c.mu.Lock()
	joined := len(c.nsps) > 0
	c.mu.Unlock()
	if !joined {
		c.conn.close("forced close")
	}
}

// onMessage decodes one Engine.IO message and acts on the packet it completes.
// A packet that breaks the protocol closes the whole connection.
func (c *client) onMessage(m eioPacket) {
	c.mu.Lock()
	p, err := c.decoder.add(m)
	c.mu.Unlock()
	if err != nil {
		log.Printf("socket.io: closing %s: %v", c.conn.sid, err)
		c.conn.close("parse error")
		return
	}
	if p != nil {
		c.dispatch(*p)
	}
}

// dispatch routes a complete packet: CONNECT makes a socket, everything else
// goes to the socket of its namespace.
func (c *client) dispatch(p Packet) {
	if p.Type == Connect {
		auth, _ := p.Data.(map[string]any)
		if auth == nil || !c.protocol.readsAuth {
			auth = map[string]any{}
		}
		c.connect(p.Nsp, auth)
		return
	}
	c.mu.Lock()
	socket := c.nsps[namespaceName(p.Nsp)]
	c.mu.Unlock()
	if socket == nil || p.Type == ConnectError {
		log.Printf("socket.io: closing %s: %v packet for %q, a namespace it has not joined", c.conn.sid, p.Type, p.Nsp)
		c.conn.close("parse error")
		return
	}
	switch p.Type {
	case Disconnect:
		socket.onClose("client namespace disconnect")
	case Event, BinaryEvent:
		socket.onEvent(p)
	case Ack, BinaryAck:
		socket.onAck(p)
	}
}

// namespaceName drops the query that 2.x clients may append: /admin?token=1.
func namespaceName(nsp string) string {
	name, _, _ := strings.Cut(nsp, "?")
	return name
}

// connect joins the client to a namespace once its middleware agrees, or
// refuses with CONNECT_ERROR: "Invalid namespace" when the server has none
// of that name, or the middleware's error. The connection stays open either
// way.
func (c *client) connect(nspName string, auth map[string]any) {
	name := namespaceName(nspName)
	nsp := c.server.namespace(name)
	if nsp == nil {
		c.send(c.protocol.connectError(name, &DataError{Message: "Invalid namespace"}))
		return
	}
	c.mu.Lock()
	joined := c.nsps[name] != nil
	c.mu.Unlock()
	if joined {
		log.Printf("socket.io: closing %s: second CONNECT to %q", c.conn.sid, name)
		c.conn.close("parse error")
		return
	}
	socket := newSocket(nsp, c, c.protocol.socketID(name, c.conn.sid), auth)
	nsp.run(socket, func(err error) {
		if err != nil {
			c.send(c.protocol.connectError(name, asDataError(err)))
			return
		}
		c.mu.Lock()
		closed := c.nsps == nil // onClose ran while the middleware did
		if !closed {
			c.nsps[name] = socket
		}
		c.mu.Unlock()
		if !closed {
			c.send(c.protocol.connectReply(name, socket.id))
			nsp.add(socket)
		}
	})
}

// send encodes one packet for this client alone.
func (c *client) send(p Packet) {
	frames, err := encodeFrames(p)
	if err != nil {
		log.Printf("socket.io: cannot encode %v packet: %v", p.Type, err)
		return
	}
	c.conn.send(frames...)
}

// encodeFrames turns a packet into the Engine.IO messages that carry it: the
// text, then one binary message per attachment. A broadcast calls it once
// and hands the same frames to every receiver.
func encodeFrames(p Packet) ([]eioPacket, error) {
	text, attachments, err := p.encode()
	if err != nil {
		return nil, err
	}
	frames := make([]eioPacket, 0, 1+len(attachments))
	frames = append(frames, textPacket(eioMessage, text))
	for _, a := range attachments {
		frames = append(frames, binaryPacket(a))
	}
	return frames, nil
}

// remove forgets the socket of a namespace after it disconnected.
func (c *client) remove(nsp string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.nsps, nsp)
}

// onClose runs when the Engine.IO session ends: every socket of this client
// disconnects with the session's reason. nsps becomes nil, so that a
// middleware that finishes later does not join a closed client.
func (c *client) onClose(reason string) {
	c.mu.Lock()
	sockets := make([]*Socket, 0, len(c.nsps))
	for _, s := range c.nsps {
		sockets = append(sockets, s)
	}
	c.nsps = nil
	c.mu.Unlock()
	for _, s := range sockets {
		s.onClose(reason)
	}
}

// === Namespaces and sockets =================================================

// Server is the Socket.IO server, the tutorial's `io`.
type Server struct {
	eio         *eioServer // Server.eio: the Engine.IO layer below
	path        string     // Server._path: where clients connect
	serveClient bool       // Server._serveClient: serve /socket.io/socket.io.js
	sockets     *Namespace // Server.sockets: the main namespace "/"

	mu   sync.Mutex            // protects nsps
	nsps map[string]*Namespace // Server.nsps (Server._nsps in socket.io 4)
}

// NewServer makes a server with the main namespace "/".
func NewServer(cfg config) *Server {
	io := &Server{path: "/socket.io", serveClient: true, nsps: map[string]*Namespace{}}
	io.eio = newEIOServer(cfg, func(conn *eioSocket) { newClient(io, conn) })
	io.sockets = io.Of("/")
	return io
}

// Of returns the namespace of that name, making it on first use
// (io.of("/custom")). Only namespaces made here accept connections.
func (io *Server) Of(name string) *Namespace {
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	io.mu.Lock()
	defer io.mu.Unlock()
	if nsp := io.nsps[name]; nsp != nil {
		return nsp
	}
	nsp := &Namespace{name: name, server: io, sockets: map[SocketID]*Socket{}}
	nsp.adapter = newAdapter(nsp)
	io.nsps[name] = nsp
	return nsp
}

// namespace returns an existing namespace, or nil.
func (io *Server) namespace(name string) *Namespace {
	io.mu.Lock()
	defer io.mu.Unlock()
	return io.nsps[name]
}

// On registers a handler on the main namespace: io.on("connection", …).
func (io *Server) On(event string, fn func(*Socket)) { io.sockets.On(event, fn) }

// Use adds a middleware to the main namespace: io.use(fn).
func (io *Server) Use(fn Middleware) { io.sockets.Use(fn) }

// To starts a broadcast to a room of the main namespace: io.to(room).emit(…).
func (io *Server) To(room Room) *BroadcastOperator { return io.sockets.To(room) }

// Emit sends an event to every socket of the main namespace.
func (io *Server) Emit(event string, args ...any) error { return io.sockets.Emit(event, args...) }

// ServeHTTP hands requests below /socket.io/ to Engine.IO.
func (io *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { io.eio.ServeHTTP(w, r) }

// Namespace is a channel of its own on every connection: "/" or "/custom".
type Namespace struct {
	name    string
	server  *Server
	adapter *Adapter // Namespace.adapter: rooms of this namespace

	mu                 sync.Mutex           // protects the fields below
	sockets            map[SocketID]*Socket // Namespace.sockets: the tutorial's io.sockets.sockets
	fns                []Middleware         // Namespace.fns (_fns in socket.io 4): what io.use(fn) registered
	ids                int                  // Namespace.ids (_ids in socket.io 4): ack ids given by Emit so far
	connectionHandlers []func(*Socket)      // what io.on("connection", fn) registered
}

// Middleware looks at a socket before its namespace accepts it:
// io.use((socket, next) => …). It calls next(nil) to let the socket in, or
// next(err) to refuse it; it may call next later, from another goroutine.
type Middleware func(socket *Socket, next func(err error))

// DataError is an error with data for the client: a middleware refuses with
// next(&DataError{"not authorized", …}) where JavaScript sets err.data.
type DataError struct {
	Message string
	Data    any
}

func (e *DataError) Error() string { return e.Message }

// asDataError turns any error into the CONNECT_ERROR it sends.
func asDataError(err error) *DataError {
	var de *DataError
	if errors.As(err, &de) {
		return de
	}
	return &DataError{Message: err.Error()}
}

// Use adds a middleware to the namespace (namespace.use(fn)).
func (n *Namespace) Use(fn Middleware) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.fns = append(n.fns, fn)
}

// run calls the middleware in order, each from the next of the one before,
// then done with nil, or with the first error.
func (n *Namespace) run(s *Socket, done func(error)) {
	n.mu.Lock()
	fns := append([]Middleware(nil), n.fns...)
	n.mu.Unlock()
	var step func(i int, err error)
	step = func(i int, err error) {
		if err != nil || i == len(fns) {
			done(err)
			return
		}
		fns[i](s, func(err error) { step(i+1, err) })
	}
	step(0, nil)
}

// On registers fn for "connection" (or its alias "connect").
func (n *Namespace) On(event string, fn func(*Socket)) {
	if event != "connection" && event != "connect" {
		log.Printf("socket.io: namespace %s has no %q event", n.name, event)
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.connectionHandlers = append(n.connectionHandlers, fn)
}

// add registers a connected socket, puts it in the room named by its own id,
// and runs the connection handlers. It holds the socket's lock while it
// registers, so a disconnect that races it either comes first (and add does
// nothing) or finds the socket registered and removes it.
func (n *Namespace) add(s *Socket) {
	s.mu.Lock()
	if !s.connected {
		s.mu.Unlock()
		return
	}
	n.mu.Lock()
	n.sockets[s.id] = s
	handlers := append([]func(*Socket){}, n.connectionHandlers...)
	n.mu.Unlock()
	n.adapter.addAll(s.id, []Room{Room(s.id)})
	s.mu.Unlock()
	for _, fn := range handlers {
		fn(s)
	}
}

// remove unregisters a socket that disconnected.
func (n *Namespace) remove(s *Socket) {
	n.adapter.delAll(s.id)
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.sockets, s.id)
}

// socketsByID looks up sockets, skipping ids that are gone.
func (n *Namespace) socketsByID(ids []SocketID) []*Socket {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]*Socket, 0, len(ids))
	for _, id := range ids {
		if s := n.sockets[id]; s != nil {
			out = append(out, s)
		}
	}
	return out
}

// To starts a broadcast to a room: io.of("/custom").to(room).emit(…).
func (n *Namespace) To(room Room) *BroadcastOperator {
	return &BroadcastOperator{nsp: n, rooms: []Room{room}}
}

// Emit sends an event to every socket of the namespace.
func (n *Namespace) Emit(event string, args ...any) error {
	return (&BroadcastOperator{nsp: n}).Emit(event, args...)
}

// SocketID names a socket within its namespace (socket.id).
type SocketID string

// EventHandler handles an event from the client. ack is nil unless the
// client asked for an acknowledgement, in which case calling it answers.
type EventHandler func(args []any, ack AckFunc)

// AckFunc answers an event (ack(...args) in JavaScript). As the last
// argument of Emit, it receives the client's answer instead.
type AckFunc func(args ...any)

// Handshake is what the server knew of the client when it connected
// (socket.handshake).
type Handshake struct {
	Headers http.Header
	Time    time.Time
	Address string
	XDomain bool
	Secure  bool
	URL     string
	Query   url.Values
	Auth    map[string]any // the CONNECT packet's payload, {} if none
}

// Socket is one client in one namespace: what io.on("connection") receives.
type Socket struct {
	id        SocketID
	nsp       *Namespace
	client    *client
	handshake Handshake

	mu        sync.Mutex      // protects the fields below
	connected bool            // false once disconnected (socket.connected)
	listeners []listener      // socket.on(event, fn), in the order registered
	acks      map[int]AckFunc // Socket.acks: waiting for the client's answer, by ack id
}

// listener is one socket.on(event, fn). A socket has a handful, so a list
// in order serves better than a map: it costs less and prints in the order
// Node's _events shows.
type listener struct {
	event string
	fn    EventHandler
}

// handlers returns the socket's handlers of one event.
func (s *Socket) handlers(event string) []EventHandler {
	s.mu.Lock()
	defer s.mu.Unlock()
	var fns []EventHandler
	for _, l := range s.listeners {
		if l.event == event {
			fns = append(fns, l.fn)
		}
	}
	return fns
}

func newSocket(nsp *Namespace, c *client, id SocketID, auth map[string]any) *Socket {
	req := c.conn.request
	return &Socket{
		id:     id,
		nsp:    nsp,
		client: c,
		handshake: Handshake{
			Headers: req.headers,
			Time:    req.time,
			Address: req.remoteAddress,
			XDomain: req.headers.Get("Origin") != "",
			Secure:  req.secure,
			URL:     req.url,
			Query:   req.query,
			Auth:    auth,
		},
		connected: true,
		acks:      map[int]AckFunc{},
	}
}

// ID is socket.id.
func (s *Socket) ID() SocketID { return s.id }

// On registers a handler for an event from the client. "disconnect"
// handlers get the reason as their one argument.
func (s *Socket) On(event string, fn EventHandler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listeners = append(s.listeners, listener{event, fn})
}

// Emit sends an event to this client. []byte arguments travel as binary. If
// the last argument is an AckFunc, it is called with the client's answer.
func (s *Socket) Emit(event string, args ...any) error {
	p := Packet{Type: Event, Nsp: s.nsp.name, ID: noAck}
	if n := len(args); n > 0 {
		if ack, ok := args[n-1].(AckFunc); ok {
			args = args[:n-1]
			s.nsp.mu.Lock()
			p.ID = s.nsp.ids // ack ids count per namespace, as in socket.io
			s.nsp.ids++
			s.nsp.mu.Unlock()
			s.mu.Lock()
			s.acks[p.ID] = ack
			s.mu.Unlock()
		}
	}
	p.Data = append([]any{event}, args...)
	frames, err := encodeFrames(p)
	if err != nil {
		return err
	}
	s.client.conn.send(frames...)
	return nil
}

// onEvent calls the handlers of an incoming event. If the client asked for
// an ack, the handler gets a function that answers it (once).
func (s *Socket) onEvent(p Packet) {
	args := p.Data.([]any) // checkPayload made sure
	name, ok := args[0].(string)
	if !ok {
		name = args[0].(json.Number).String()
	}
	handlers := s.handlers(name)
	var ack AckFunc
	if p.ID != noAck {
		var once sync.Once
		ack = func(res ...any) {
			once.Do(func() {
				s.client.send(Packet{Type: Ack, Nsp: s.nsp.name, ID: p.ID, Data: append([]any{}, res...)})
			})
		}
	}
	for _, fn := range handlers {
		fn(args[1:], ack)
	}
}

// onAck delivers the client's answer to an Emit that asked for one.
func (s *Socket) onAck(p Packet) {
	s.mu.Lock()
	ack := s.acks[p.ID]
	delete(s.acks, p.ID)
	s.mu.Unlock()
	if ack != nil {
		ack(p.Data.([]any)...)
	}
}

// Join puts the socket in rooms; Leave takes it out. A socket that has
// disconnected joins nothing: onClose already took it out of every room, and
// a Join from another goroutine must not put it back. (socket.io has no such
// check; in Node only an asynchronous handler can join that late.)
func (s *Socket) Join(rooms ...Room) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.connected {
		s.nsp.adapter.addAll(s.id, rooms)
	}
}
func (s *Socket) Leave(room Room) { s.nsp.adapter.del(s.id, room) }

// Rooms lists the socket's rooms, sorted; its own id room is one of them.
func (s *Socket) Rooms() []string { return s.nsp.adapter.socketRooms(s.id) }

// To starts a broadcast to a room, leaving out this socket:
// socket.to(room).emit(…).
func (s *Socket) To(room Room) *BroadcastOperator {
	return s.Broadcast().To(room)
}

// Broadcast starts a broadcast to the whole namespace but this socket:
// socket.broadcast.emit(…).
func (s *Socket) Broadcast() *BroadcastOperator {
	return &BroadcastOperator{nsp: s.nsp, except: []Room{Room(s.id)}}
}

// Disconnect sends DISCONNECT to the client, which sees "io server
// disconnect". The Engine.IO connection and other namespaces stay.
func (s *Socket) Disconnect() {
	s.client.send(Packet{Type: Disconnect, Nsp: s.nsp.name, ID: noAck})
	s.onClose("server namespace disconnect")
}

// onClose runs once when the socket leaves: it leaves its rooms, the
// namespace forgets it, and "disconnect" handlers run with the reason.
func (s *Socket) onClose(reason string) {
	s.mu.Lock()
	if !s.connected {
		s.mu.Unlock()
		return
	}
	s.connected = false
	s.acks = map[int]AckFunc{}
	s.mu.Unlock()

	s.nsp.remove(s)
	s.client.remove(s.nsp.name)
	for _, fn := range s.handlers("disconnect") {
		fn([]any{reason}, nil)
	}
}

// === Adapter: socket registry and rooms =====================================

// Room is a named group of sockets in a namespace. Every socket is in the
// room named by its own id, which is how socket.to(id) reaches one socket.
type Room string

// Adapter keeps the rooms of one namespace, in both directions, as
// socket.io's in-memory adapter does. Other adapters (Redis, …) replace this
// type to broadcast across several servers.
type Adapter struct {
	nsp *Namespace

	mu    sync.Mutex                 // protects the fields below
	rooms map[Room]map[SocketID]bool // Adapter.rooms: room → sockets in it
	sids  map[SocketID]map[Room]bool // Adapter.sids: socket → rooms it is in
}

func newAdapter(nsp *Namespace) *Adapter {
	return &Adapter{nsp: nsp, rooms: map[Room]map[SocketID]bool{}, sids: map[SocketID]map[Room]bool{}}
}

// addAll puts a socket in rooms.
func (a *Adapter) addAll(id SocketID, rooms []Room) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sids[id] == nil {
		a.sids[id] = map[Room]bool{}
	}
	for _, room := range rooms {
		a.sids[id][room] = true
		if a.rooms[room] == nil {
			a.rooms[room] = map[SocketID]bool{}
		}
		a.rooms[room][id] = true
	}
}

// del takes a socket out of a room; an empty room disappears.
func (a *Adapter) del(id SocketID, room Room) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.delLocked(id, room)
}

func (a *Adapter) delLocked(id SocketID, room Room) {
	delete(a.sids[id], room)
	delete(a.rooms[room], id)
	if len(a.rooms[room]) == 0 {
		delete(a.rooms, room)
	}
}

// delAll takes a socket out of every room, when it disconnects.
func (a *Adapter) delAll(id SocketID) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for room := range a.sids[id] {
		a.delLocked(id, room)
	}
	delete(a.sids, id)
}

// socketRooms lists a socket's rooms, sorted.
func (a *Adapter) socketRooms(id SocketID) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]string, 0, len(a.sids[id]))
	for room := range a.sids[id] {
		out = append(out, string(room))
	}
	sort.Strings(out)
	return out
}

// broadcastOptions choose receivers: sockets in any of rooms (all sockets if
// rooms is empty), minus sockets in any of except.
type broadcastOptions struct {
	rooms  []Room
	except []Room
}

// receivers applies the options. The ids are copied out under the lock, and
// the sending happens after it, so a slow client holds up no one.
func (a *Adapter) receivers(opts broadcastOptions) []SocketID {
	a.mu.Lock()
	defer a.mu.Unlock()
	var seen map[SocketID]bool // a socket in two of the rooms gets the packet once
	if len(opts.rooms) > 1 {
		seen = map[SocketID]bool{}
	}
	var ids []SocketID
	add := func(id SocketID) {
		if seen[id] || a.inAny(id, opts.except) {
			return
		}
		if seen != nil {
			seen[id] = true
		}
		ids = append(ids, id)
	}
	if len(opts.rooms) == 0 {
		for id := range a.sids {
			add(id)
		}
	}
	for _, room := range opts.rooms {
		for id := range a.rooms[room] {
			add(id)
		}
	}
	return ids
}

// inAny reports whether a socket is in any of the rooms. Callers hold a.mu.
func (a *Adapter) inAny(id SocketID, rooms []Room) bool {
	for _, room := range rooms {
		if a.sids[id][room] {
			return true
		}
	}
	return false
}

// broadcast sends a packet to the chosen sockets. It is encoded once; every
// receiver gets the same frames.
func (a *Adapter) broadcast(p Packet, opts broadcastOptions) error {
	frames, err := encodeFrames(p)
	if err != nil {
		return err
	}
	for _, s := range a.nsp.socketsByID(a.receivers(opts)) {
		s.client.conn.send(frames...)
	}
	return nil
}

// BroadcastOperator collects rooms and exceptions before an emit:
// socket.to("a").to("b").emit(…).
type BroadcastOperator struct {
	nsp    *Namespace
	rooms  []Room
	except []Room
}

// To adds a room to the receivers.
func (b *BroadcastOperator) To(room Room) *BroadcastOperator {
	out := *b
	out.rooms = append(append([]Room{}, b.rooms...), room)
	return &out
}

// Except leaves the sockets of a room out.
func (b *BroadcastOperator) Except(room Room) *BroadcastOperator {
	out := *b
	out.except = append(append([]Room{}, b.except...), room)
	return &out
}

// Emit sends the event to the receivers. Acks are not supported here.
func (b *BroadcastOperator) Emit(event string, args ...any) error {
	p := Packet{Type: Event, Nsp: b.nsp.name, ID: noAck, Data: append([]any{event}, args...)}
	return b.nsp.adapter.broadcast(p, broadcastOptions{rooms: b.rooms, except: b.except})
}

// === Demo handlers ==========================================================

// newDemoServer builds what `go run .` serves, and what the tests test:
// socket.io with the demo contract on "/" and "/custom", "/private" behind
// a middleware, and the bare Engine.IO echo server.
func newDemoServer(cfg config) (*Server, *eioServer) {
	io := NewServer(cfg)
	registerDemoHandlers(io.sockets)
	registerDemoHandlers(io.Of("/custom"))
	private := io.Of("/private")
	private.Use(requireToken)
	registerDemoHandlers(private)
	return io, echoEngine(cfg)
}

// requireToken is a middleware that lets in only a client that shows the
// token: io("/private", {auth: {token: "letmein"}}) with a 4.x client, or
// io("/private", {query: {token: "letmein"}}) with a 2.x one, which has no
// auth. The others get CONNECT_ERROR with data saying what to send.
func requireToken(socket *Socket, next func(error)) {
	token, _ := socket.handshake.Auth["token"].(string)
	if token == "letmein" || socket.handshake.Query.Get("token") == "letmein" {
		next(nil)
		return
	}
	next(&DataError{Message: "not authorized", Data: map[string]any{"expected": "token letmein"}})
}

// registerDemoHandlers installs the events of the demo contract
// (conformance/CONTRACT.md) on a namespace, plus "chat" for the page.
func registerDemoHandlers(nsp *Namespace) {
	nsp.On("connection", func(socket *Socket) {
		socket.Emit("auth", socket.handshake.Auth)

		socket.On("message", func(args []any, _ AckFunc) {
			socket.Emit("message-back", args...)
		})
		socket.On("message-with-ack", func(args []any, ack AckFunc) {
			if ack != nil {
				ack(args...)
			}
		})
		socket.On("join", func(args []any, ack AckFunc) {
			if room, ok := firstString(args); ok {
				socket.Join(Room(room))
			}
			if ack != nil {
				ack(socket.Rooms())
			}
		})
		socket.On("leave", func(args []any, ack AckFunc) {
			if room, ok := firstString(args); ok {
				socket.Leave(Room(room))
			}
			if ack != nil {
				ack(socket.Rooms())
			}
		})
		socket.On("to-room", func(args []any, _ AckFunc) {
			if room, ok := firstString(args); ok {
				socket.To(Room(room)).Emit("room-message", args...)
			}
		})
		socket.On("broadcast", func(args []any, _ AckFunc) {
			socket.Broadcast().Emit("broadcast-back", args...)
		})
		socket.On("disconnect-me", func([]any, AckFunc) {
			socket.Disconnect()
		})
		socket.On("chat", func(args []any, _ AckFunc) {
			if text, ok := firstString(args); ok {
				nsp.Emit("chat", map[string]any{"from": socket.id, "text": text})
			}
		})
	})
}

// firstString returns args[0] if it is a string.
func firstString(args []any) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	s, ok := args[0].(string)
	return s, ok
}

// echoEngine is the bare Engine.IO server at /engine.io/: every message,
// text or binary, goes straight back. It is the layer below Socket.IO,
// usable alone:
//
//	curl 'localhost:3000/engine.io/?EIO=4&transport=polling'
func echoEngine(cfg config) *eioServer {
	return newEIOServer(cfg, func(conn *eioSocket) {
		conn.onMessage = func(p eioPacket) { conn.send(p) }
	})
}

// === Printing the server like console.log ===================================

// Node's console.log(io) prints the server by walking its objects with
// util.inspect. This section does the same for our Go structures, in two
// parts:
//
//   - next to each type, an inspectFields method lists its properties under
//     their JavaScript names, read from the live values. Each reads its
//     fields under the type's own lock and copies them out; the printing
//     happens after, holding no lock;
//   - one renderer, inspect, lays any such tree out as util.inspect does:
//     class names, strings in 'quotes', [Object] below depth 2, [Circular]
//     for a reference back to an object being printed, and an object on one
//     line when that line fits in 80 columns.
//
// A property is printed only where our Go value means what the JavaScript
// one meant; walkthrough.md's table says, for every name in the tutorial's
// printouts, where it comes from or why it is missing. The layout is the
// tutorial's: Node's, with 4-space indentation and closing braces on their
// own lines.

// inspectServer is console.log(io).
func inspectServer(io *Server) string { return inspect(io) }

// inspectSockets is console.log(io.sockets.sockets): the sockets of the
// main namespace, by id.
func inspectSockets(io *Server) string { return inspect(namespaceSockets{io.sockets}) }

// jsField is one property: its JavaScript name and its value.
type jsField struct {
	name  string
	value any
}

// jsInspectable is an object as console.log sees it. Implementations are
// pointers (or structs holding one), so two references to the same Go object
// compare equal: that is how the renderer recognizes [Circular].
type jsInspectable interface {
	jsClass() string          // "Namespace" prints Namespace { … }; "" a plain { … }
	inspectFields() []jsField // the properties in order, read now
}

// jsObject is an object made on the spot: the parser, a handshake, a packet.
type jsObject struct {
	class  string
	fields []jsField
}

func (o *jsObject) jsClass() string          { return o.class }
func (o *jsObject) inspectFields() []jsField { return o.fields }

// The other JavaScript values, which have no Go type of their own. Strings,
// numbers, booleans and nil (null) are Go's; []byte prints as a Buffer.
type (
	jsArray    []any    // [ 1, 2 ]
	jsSet      []any    // Set(2) { 'a', 'b' }
	jsFunction string   // [Function: name], or [Function] when anonymous
	jsTimer    struct{} // a running timer, always [Object]: Go's *time.Timer has nothing to show
)

// --- What each object shows -------------------------------------------------

func (io *Server) jsClass() string { return "Server" }

func (io *Server) inspectFields() []jsField {
	io.mu.Lock()
	nsps := sortedObject(io.nsps)
	io.mu.Unlock()
	return []jsField{
		{"nsps", nsps},
		{"_path", io.path},
		{"_serveClient", io.serveClient},
		{"parser", parserObject()},
		{"sockets", io.sockets},
		{"eio", io.eio},
		{"engine", io.eio}, // socket.io keeps the Engine.IO server under both names
	}
}

// parserObject is io.parser, the exports of socket.io-parser: the protocol
// the server speaks natively, and the packet types as a list and as named
// constants.
func parserObject() *jsObject {
	o := &jsObject{fields: []jsField{
		{"protocol", sioV5.protocol},
		{"types", packetTypeNames[:]},
	}}
	for t := Connect; t <= BinaryAck; t++ {
		o.fields = append(o.fields, jsField{packetTypeNames[t], t})
	}
	return o
}

func (n *Namespace) jsClass() string { return "Namespace" }

func (n *Namespace) inspectFields() []jsField {
	n.mu.Lock()
	handlers := make([]any, len(n.connectionHandlers))
	for i, fn := range n.connectionHandlers {
		handlers[i] = jsFunc(fn)
	}
	n.mu.Unlock()
	fields := []jsField{
		{"name", n.name},
		{"server", n.server},
		{"sockets", namespaceSockets{n}},
		{"adapter", n.adapter},
	}
	return append(fields, eventFields(map[string][]any{"connection": handlers})...)
}

// namespaceSockets is a namespace's map of sockets as an object of its own:
// io.sockets.sockets. The Namespace inside each socket points back at it,
// and prints [Circular].
type namespaceSockets struct{ nsp *Namespace }

func (ns namespaceSockets) jsClass() string { return "" }

func (ns namespaceSockets) inspectFields() []jsField {
	ns.nsp.mu.Lock()
	sockets := make([]*Socket, 0, len(ns.nsp.sockets))
	for _, s := range ns.nsp.sockets {
		sockets = append(sockets, s)
	}
	ns.nsp.mu.Unlock()
	// A JavaScript object keeps its keys in the order they were added; a Go
	// map has no order, so the sockets go in the order they connected.
	sort.Slice(sockets, func(i, j int) bool {
		a, b := sockets[i], sockets[j]
		if !a.handshake.Time.Equal(b.handshake.Time) {
			return a.handshake.Time.Before(b.handshake.Time)
		}
		return a.id < b.id
	})
	fields := make([]jsField, len(sockets))
	for i, s := range sockets {
		fields[i] = jsField{string(s.id), s}
	}
	return fields
}

func (a *Adapter) jsClass() string { return "Adapter" }

func (a *Adapter) inspectFields() []jsField {
	a.mu.Lock()
	rooms, sids := &jsObject{}, &jsObject{}
	for _, room := range sortedKeys(a.rooms) {
		rooms.fields = append(rooms.fields, jsField{string(room), sortedObject(a.rooms[room])})
	}
	for _, id := range sortedKeys(a.sids) {
		sids.fields = append(sids.fields, jsField{string(id), sortedObject(a.sids[id])})
	}
	a.mu.Unlock()
	return []jsField{{"nsp", a.nsp}, {"rooms", rooms}, {"sids", sids}}
}

func (s *Socket) jsClass() string { return "Socket" }

func (s *Socket) inspectFields() []jsField {
	s.mu.Lock()
	connected := s.connected
	events := map[string][]any{}
	for _, l := range s.listeners {
		events[l.event] = append(events[l.event], jsFunc(l.fn))
	}
	ackIDs := make([]int, 0, len(s.acks))
	for id := range s.acks {
		ackIDs = append(ackIDs, id)
	}
	sort.Ints(ackIDs)
	acks := &jsObject{}
	for _, id := range ackIDs {
		acks.fields = append(acks.fields, jsField{strconv.Itoa(id), jsFunc(s.acks[id])})
	}
	s.mu.Unlock()
	rooms := s.nsp.adapter.socketRooms(s.id) // the adapter's lock, taken after s.mu is released

	// The one place where the two generations print differently. A 2.x
	// client (Socket.IO protocol 4) gets the tutorial's socket: rooms is an
	// object of room → room, and the handshake has no auth. Socket.IO 3 and
	// 4 (protocol 5) made socket.rooms a Set and added handshake.auth, the
	// CONNECT packet's payload. (That a 4.x socket's id is its own and not
	// the Engine.IO id is already in the data: see sioProtocol.socketID.)
	var roomsValue any
	withAuth := false
	switch s.client.protocol.protocol {
	case 4:
		object := &jsObject{}
		for _, room := range rooms {
			object.fields = append(object.fields, jsField{room, room})
		}
		roomsValue = object
	default:
		set := make(jsSet, len(rooms))
		for i, room := range rooms {
			set[i] = room
		}
		roomsValue, withAuth = set, true
	}

	fields := []jsField{
		{"nsp", s.nsp},
		{"server", s.nsp.server},
		{"adapter", s.nsp.adapter},
		{"id", s.id},
		{"client", s.client},
		{"conn", s.client.conn},
		{"rooms", roomsValue},
		{"acks", acks},
		{"connected", connected},
		{"disconnected", !connected},
		{"handshake", s.handshake.inspectObject(withAuth)},
	}
	return append(fields, eventFields(events)...)
}

// inspectObject is socket.handshake. The time is a string, as socket.io
// makes it with new Date().toString(); issued is the same moment in
// milliseconds since 1970.
func (h Handshake) inspectObject(withAuth bool) *jsObject {
	o := &jsObject{fields: []jsField{
		{"headers", headersObject(h.Headers)},
		{"time", h.Time.Format("Mon Jan 02 2006 15:04:05 GMT-0700 (MST)")},
		{"address", h.Address},
		{"xdomain", h.XDomain},
		{"secure", h.Secure},
		{"issued", h.Time.UnixMilli()},
		{"url", h.URL},
		{"query", queryObject(h.Query)},
	}}
	if withAuth {
		o.fields = append(o.fields, jsField{"auth", h.Auth})
	}
	return o
}

func (c *client) jsClass() string { return "Client" }

func (c *client) inspectFields() []jsField {
	c.mu.Lock()
	nsps := sortedObject(c.nsps)
	decoder := c.decoder.inspectObject()
	c.mu.Unlock()
	return []jsField{
		{"server", c.server},
		{"conn", c.conn},
		{"decoder", decoder},
		{"id", c.conn.sid},
		{"request", requestObject(c.conn.request)},
		{"nsps", nsps},
	}
}

// inspectObject is Client.decoder. While a binary packet waits for its
// attachments, socket.io-parser keeps it in a BinaryReconstructor.
// The caller holds the client's lock.
func (d *decoder) inspectObject() *jsObject {
	var reconstructor any // null
	if d.pending != nil {
		pack := &jsObject{fields: []jsField{{"type", d.pending.Type}, {"nsp", d.pending.Nsp}}}
		if d.pending.ID != noAck {
			pack.fields = append(pack.fields, jsField{"id", d.pending.ID})
		}
		pack.fields = append(pack.fields, jsField{"attachments", d.want})
		buffers := make(jsArray, len(d.attachments))
		for i, b := range d.attachments {
			buffers[i] = b
		}
		reconstructor = &jsObject{"BinaryReconstructor", []jsField{{"reconPack", pack}, {"buffers", buffers}}}
	}
	return &jsObject{"Decoder", []jsField{{"reconstructor", reconstructor}}}
}

// Three facts about our Engine.IO server are fixed in code rather than
// options, so there is no field to read them from: ServeHTTP accepts exactly
// these transports, a polling session may always upgrade, and no cookie is
// ever set (socket.io 4's default, cookie: false). TestInspectFixedFacts
// holds them to ServeHTTP's behaviour.
var eioTransports = []string{"polling", "websocket"}

const (
	eioAllowUpgrades = true
	eioCookie        = false
)

func (srv *eioServer) jsClass() string { return "Server" }

func (srv *eioServer) inspectFields() []jsField {
	srv.mu.Lock()
	sessions := make([]*eioSocket, 0, len(srv.clients))
	for _, s := range srv.clients {
		sessions = append(sessions, s)
	}
	srv.mu.Unlock()
	sort.Slice(sessions, func(i, j int) bool { // the order they connected in
		a, b := sessions[i], sessions[j]
		if !a.request.time.Equal(b.request.time) {
			return a.request.time.Before(b.request.time)
		}
		return a.sid < b.sid
	})
	clients := &jsObject{}
	for _, s := range sessions {
		clients.fields = append(clients.fields, jsField{string(s.sid), s})
	}
	return append([]jsField{
		{"clients", clients},
		{"clientsCount", len(sessions)},
		{"pingTimeout", srv.cfg.pingTimeout.Milliseconds()},
		{"pingInterval", srv.cfg.pingInterval.Milliseconds()},
		{"upgradeTimeout", srv.cfg.upgradeTimeout.Milliseconds()},
		{"maxHttpBufferSize", srv.cfg.maxPayload},
		{"transports", eioTransports},
		{"allowUpgrades", eioAllowUpgrades},
		{"cookie", eioCookie},
		{"perMessageDeflate", srv.upgrader.EnableCompression},
	}, eventFields(map[string][]any{"connection": {jsFunc(srv.onConnection)}})...)
}

func (s *eioSocket) jsClass() string { return "Socket" }

func (s *eioSocket) inspectFields() []jsField {
	s.mu.Lock()
	upgrading, upgraded, readyState := s.upgrading, s.upgraded, s.readyState
	queued := append([]eioPacket(nil), s.writeBuffer...)
	transport := &jsObject{"WebSocket", []jsField{{"name", s.transport}}}
	if s.transport == "polling" {
		// writable: a GET is waiting, so a packet would go out at once.
		transport = &jsObject{"Polling", []jsField{{"name", s.transport}, {"writable", s.pollWaiting}}}
	}
	pingTimeoutTimer, pingIntervalTimer := timerValue(s.pingTimeoutTimer), timerValue(s.pingIntervalTimer)
	s.mu.Unlock()

	writeBuffer := make(jsArray, len(queued))
	for i, p := range queued {
		writeBuffer[i] = packetObject(p)
	}
	fields := []jsField{
		{"id", s.sid},
		{"server", s.server},
		{"upgrading", upgrading},
		{"upgraded", upgraded},
		{"readyState", readyState},
		{"writeBuffer", writeBuffer},
		{"request", requestObject(s.request)},
		{"protocol", s.version.protocol},
		{"remoteAddress", s.request.remoteAddress},
		{"pingTimeoutTimer", pingTimeoutTimer},
		{"pingIntervalTimer", pingIntervalTimer},
		{"transport", transport},
	}
	// The layer above listens through onMessage and onClose: in Node, the
	// Client's listeners on this socket's "message" and "close" events.
	return append(fields, eventFields(map[string][]any{
		"message": {jsFunc(s.onMessage)},
		"close":   {jsFunc(s.onClose)},
	})...)
}

// packetObject is a queued Engine.IO packet as engine.io keeps it:
// { type: 'message', data: '2["chat","hi"]' }.
func packetObject(p eioPacket) *jsObject {
	typ := string(rune(p.typ))
	if i := int(p.typ) - int(eioOpen); i >= 0 && i < len(eioPacketNames) {
		typ = eioPacketNames[i]
	}
	o := &jsObject{fields: []jsField{{"type", typ}}}
	switch {
	case p.binary:
		o.fields = append(o.fields, jsField{"data", p.data})
	case len(p.data) > 0:
		o.fields = append(o.fields, jsField{"data", string(p.data)})
	}
	return o
}

// requestObject is the handshake request, Node's IncomingMessage, with the
// two of its properties that we keep. (Its address is remoteAddress.)
func requestObject(r requestInfo) *jsObject {
	return &jsObject{"IncomingMessage", []jsField{{"headers", headersObject(r.headers)}, {"url", r.url}}}
}

// headersObject is Node's request.headers: names in lower case, repeated
// headers joined by ", ".
func headersObject(h http.Header) *jsObject {
	o := &jsObject{}
	for _, name := range sortedKeys(h) {
		o.fields = append(o.fields, jsField{strings.ToLower(name), strings.Join(h[name], ", ")})
	}
	return o
}

// queryObject is the parsed query string: a repeated key has an array.
func queryObject(q url.Values) *jsObject {
	o := &jsObject{}
	for _, key := range sortedKeys(q) {
		var value any = q[key]
		if len(q[key]) == 1 {
			value = q[key][0]
		}
		o.fields = append(o.fields, jsField{key, value})
	}
	return o
}

func timerValue(t *time.Timer) any {
	if t == nil {
		return nil
	}
	return jsTimer{}
}

// eventFields are Node's EventEmitter bookkeeping: _events maps each event
// name to its listener, or to an array when there are several, and
// _eventsCount counts the names. Nothing shows until something listens.
func eventFields(listeners map[string][]any) []jsField {
	events := &jsObject{}
	for _, name := range sortedKeys(listeners) {
		var fns jsArray
		for _, fn := range listeners[name] {
			if fn != nil {
				fns = append(fns, fn)
			}
		}
		switch len(fns) {
		case 0:
			continue
		case 1:
			events.fields = append(events.fields, jsField{name, fns[0]})
		default:
			events.fields = append(events.fields, jsField{name, fns})
		}
	}
	if len(events.fields) == 0 {
		return nil
	}
	return []jsField{{"_events", events}, {"_eventsCount", len(events.fields)}}
}

// jsFunc names a Go func value the way Node names a function: a method value
// such as c.onMessage is "bound onMessage", a closure is anonymous, a
// top-level func keeps its name. A nil func is null.
func jsFunc(fn any) any {
	v := reflect.ValueOf(fn)
	if fn == nil || v.Kind() != reflect.Func || v.IsNil() {
		return nil
	}
	f := runtime.FuncForPC(v.Pointer())
	if f == nil {
		return jsFunction("")
	}
	name := f.Name() // main.(*client).onMessage-fm, main.NewServer.func1, main.echoEngine
	name = name[strings.LastIndexByte(name, '.')+1:]
	if method, ok := strings.CutSuffix(name, "-fm"); ok {
		return jsFunction("bound " + method)
	}
	if _, err := strconv.Atoi(strings.TrimPrefix(name, "func")); err == nil {
		return jsFunction("") // func1, or 1 for a closure within a closure
	}
	return jsFunction(name)
}

// sortedKeys returns a map's keys in order: Go maps have none, and a
// printout that changes from run to run cannot be compared.
func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// sortedObject is a Go map as a plain object, keys in order.
func sortedObject[K ~string, V any](m map[K]V) *jsObject {
	o := &jsObject{}
	for _, k := range sortedKeys(m) {
		o.fields = append(o.fields, jsField{string(k), m[k]})
	}
	return o
}

// --- The renderer: util.inspect --------------------------------------------

const (
	inspectDepth    = 2   // util.inspect's default depth: deeper objects print [Object]
	inspectWidth    = 80  // util.inspect's breakLength
	inspectIndent   = 4   // the tutorial's indentation (Node's own is 2)
	inspectMaxItems = 100 // util.inspect's maxArrayLength
	inspectMaxBytes = 50  // a Buffer shows this many bytes
)

// inspect renders v as console.log(v) prints it.
func inspect(v any) string {
	var r renderer
	return r.render(v, 0, 0, 0)
}

// renderer holds the objects being printed around the current one: the
// ancestors, for [Circular].
type renderer struct{ ancestors []jsInspectable }

// render lays out v, which is depth levels deep, in a line indented by
// indent spaces where it starts at column col (after its key).
func (r *renderer) render(v any, depth, indent, col int) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return jsString(x)
	case json.Number: // from a client's JSON, e.g. in handshake.auth
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return string(x)
		}
		return jsNumber(f)
	case []byte:
		return jsBuffer(x)
	case jsFunction:
		if x == "" {
			return "[Function]"
		}
		return "[Function: " + string(x) + "]"
	case jsTimer:
		return "[Object]"
	case jsInspectable:
		return r.object(x, depth, indent, col)
	case map[string]any: // a client's JSON object
		return r.object(sortedObject(x), depth, indent, col)
	case jsArray:
		return r.list("[", "]", x, depth, indent, col)
	case []any:
		return r.list("[", "]", x, depth, indent, col)
	case []string:
		items := make([]any, len(x))
		for i, s := range x {
			items[i] = s
		}
		return r.list("[", "]", items, depth, indent, col)
	case jsSet:
		return r.list("Set("+strconv.Itoa(len(x))+") {", "}", x, depth, indent, col)
	}
	// Named Go types of strings, numbers and booleans: SocketID, PacketType, ….
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return jsString(rv.String())
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return jsNumber(rv.Float())
	}
	return "[" + rv.Type().String() + "]" // a Go value with no JavaScript shape: a bug in a mapping
}

// object prints { key: value, … }, or Class { … }. As in Node, a reference
// back to an ancestor is [Circular], and below the depth limit an object is
// [Object] unless it is empty. (Our classes always have properties, so below
// the limit they are not even read.)
func (r *renderer) object(o jsInspectable, depth, indent, col int) string {
	for _, a := range r.ancestors {
		if a == o {
			return "[Circular]"
		}
	}
	open := "{"
	if class := o.jsClass(); class != "" {
		if depth > inspectDepth {
			return "[Object]"
		}
		open = class + " {"
	}
	fields := o.inspectFields()
	if len(fields) == 0 {
		return open + "}"
	}
	if depth > inspectDepth {
		return "[Object]"
	}
	r.ancestors = append(r.ancestors, o)
	defer func() { r.ancestors = r.ancestors[:len(r.ancestors)-1] }()
	inner := indent + inspectIndent
	entries := make([]string, len(fields))
	for i, f := range fields {
		key := jsKey(f.name) + ": "
		entries[i] = key + r.render(f.value, depth+1, inner, inner+len(key))
	}
	return layout(open, "}", entries, indent, col)
}

// list prints an array or a Set: [ a, b ], Set(2) { a, b }.
func (r *renderer) list(open, close string, items []any, depth, indent, col int) string {
	if len(items) == 0 {
		return open + close
	}
	if depth > inspectDepth {
		if open == "[" {
			return "[Array]"
		}
		return "[Object]"
	}
	inner := indent + inspectIndent
	var entries []string
	for i, item := range items {
		if i == inspectMaxItems {
			entries = append(entries, moreItems(len(items)-i, "item"))
			break
		}
		entries = append(entries, r.render(item, depth+1, inner, inner))
	}
	return layout(open, close, entries, indent, col)
}

// layout puts entries on one line when none of them spans lines and the
// line fits in inspectWidth columns; otherwise one entry per line, indented
// one step more than the line the value starts on.
func layout(open, close string, entries []string, indent, col int) string {
	line := open + " " + strings.Join(entries, ", ") + " " + close
	if !strings.Contains(line, "\n") && col+utf8.RuneCountInString(line) <= inspectWidth {
		return line
	}
	pad := "\n" + strings.Repeat(" ", indent+inspectIndent)
	return open + pad + strings.Join(entries, ","+pad) + "\n" + strings.Repeat(" ", indent) + close
}

func moreItems(n int, what string) string {
	if n != 1 {
		what += "s"
	}
	return "... " + strconv.Itoa(n) + " more " + what
}

// jsKey prints a property name: bare when it is an identifier, quoted
// otherwise. The tutorial's socket ids show both: riIk7xPKPqrcmqVUAAAA and
// 'hCF0R-0W6qrBcIn1AAAB'.
func jsKey(name string) string {
	for i, c := range name {
		letter := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return jsString(name)
		}
	}
	if name == "" {
		return "''"
	}
	return name
}

// jsString quotes a string as util.inspect does: in single quotes, or in
// double quotes (then backquotes) when that saves escaping a quote; control
// characters escaped.
func jsString(s string) string {
	quote := '\''
	if strings.ContainsRune(s, '\'') {
		if !strings.ContainsRune(s, '"') {
			quote = '"'
		} else if !strings.ContainsRune(s, '`') && !strings.Contains(s, "${") {
			quote = '`'
		}
	}
	var b strings.Builder
	b.WriteRune(quote)
	for _, c := range s {
		switch c {
		case quote, '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if c < 0x20 || c == 0x7f {
				b.WriteString(`\x`)
				b.WriteString(strings.ToUpper(strconv.FormatInt(int64(c)|0x100, 16)[1:]))
			} else {
				b.WriteRune(c)
			}
		}
	}
	b.WriteRune(quote)
	return b.String()
}

// jsNumber prints a number as JavaScript does: 1000000, 0.5, 1e+21, 1e-7.
func jsNumber(f float64) string {
	abs := f
	if abs < 0 {
		abs = -abs
	}
	switch {
	case f != f:
		return "NaN"
	case abs > 1.7976931348623157e308:
		if f < 0 {
			return "-Infinity"
		}
		return "Infinity"
	case abs != 0 && (abs >= 1e21 || abs < 1e-6):
		mantissa, exp, _ := strings.Cut(strconv.FormatFloat(f, 'e', -1, 64), "e")
		return mantissa + "e" + exp[:1] + strings.TrimLeft(exp[1:], "0")
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// jsBuffer prints bytes as Node prints a Buffer: <Buffer 01 02 03>.
func jsBuffer(data []byte) string {
	var b strings.Builder
	b.WriteString("<Buffer")
	for i, c := range data {
		if i == inspectMaxBytes {
			b.WriteString(" " + moreItems(len(data)-i, "byte"))
			break
		}
		b.WriteString(" " + strconv.FormatInt(int64(c)|0x100, 16)[1:])
	}
	b.WriteString(">")
	return b.String()
}

// === Wire tracer ============================================================

// sioPacketNames name the Socket.IO types in the tracer's explanations.
var sioPacketNames = [...]string{"connect", "disconnect", "event", "ack", "connect error", "binary event", "binary ack"}

// explainFrame explains one text frame in words, the way the teaching page
// does:
//
//	42["chat","hi"]  →  Engine.IO 4 message · Socket.IO 2 event · namespace / · event chat
func explainFrame(frame string) string {
	if frame == "" || frame[0] < '0' || frame[0] > '6' {
		return "not an Engine.IO packet"
	}
	typ, data := eioPacketType(frame[0]), frame[1:]
	parts := []string{fmt.Sprintf("Engine.IO %c %s", typ, eioPacketNames[typ-'0'])}
	switch {
	case (typ == eioPing || typ == eioPong) && data != "":
		parts = append(parts, "payload "+data)
	case typ == eioMessage:
		parts = append(parts, explainPacket(data)...)
	}
	return strings.Join(parts, " · ")
}

// explainBinaryFrame explains a binary frame: an attachment or an echo.
func explainBinaryFrame(data []byte) string {
	return fmt.Sprintf("Engine.IO binary message (%d bytes)", len(data))
}

// explainPacket explains the Socket.IO packet inside an Engine.IO message.
func explainPacket(s string) []string {
	p, attachments, err := parsePacket(s)
	if err != nil {
		return []string{"not a valid Socket.IO packet"}
	}
	parts := []string{fmt.Sprintf("Socket.IO %d %s", p.Type, sioPacketNames[p.Type])}
	if p.Type == BinaryEvent || p.Type == BinaryAck {
		if attachments == 1 {
			parts = append(parts, "1 attachment")
		} else {
			parts = append(parts, fmt.Sprintf("%d attachments", attachments))
		}
	}
	parts = append(parts, "namespace "+p.Nsp)
	if p.ID != noAck {
		parts = append(parts, fmt.Sprintf("ack id %d", p.ID))
	}
	if args, ok := p.Data.([]any); ok && len(args) > 0 && (p.Type == Event || p.Type == BinaryEvent) {
		name, ok := args[0].(string)
		if !ok {
			js, _ := marshalJSON(args[0])
			name = string(js)
		}
		parts = append(parts, "event "+name)
	}
	return parts
}

// traceFrames returns the hook that -trace installs: one log line a frame.
//
//	riIk7xPKPqrcmqVUAAAA ← 42["chat","hi"]   Engine.IO 4 message · Socket.IO 2 event · namespace / · event chat
func traceFrames(logger *log.Logger) func(eioSID, string, eioPacket) {
	return func(sid eioSID, direction string, p eioPacket) {
		arrow := "→" // from the client
		if direction == "out" {
			arrow = "←"
		}
		if p.binary {
			logger.Printf("%s %s <%d bytes>   %s", sid, arrow, len(p.data), explainBinaryFrame(p.data))
			return
		}
		frame := string(p.appendText(nil))
		shown := frame
		if len(shown) > 120 {
			shown = shown[:120] + "…"
		}
		logger.Printf("%s %s %s   %s", sid, arrow, shown, explainFrame(frame))
	}
}

// === main ===================================================================

//go:embed public
var publicFiles embed.FS

// newMux routes the server's URLs.
func newMux(io *Server, engine *eioServer) http.Handler {
	public, _ := fs.Sub(publicFiles, "public") // the embedded folder is always there
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.FS(public)))
	mux.Handle(io.path+"/", io)
	if io.serveClient { // the tutorial's _serveClient: true
		mux.HandleFunc(io.path+"/socket.io.js", func(w http.ResponseWriter, r *http.Request) {
			js, _ := fs.ReadFile(public, "socket.io.js")
			w.Header().Set("Content-Type", "application/javascript; charset=utf-8")
			_, _ = w.Write(js)
		})
	}
	mux.Handle("/engine.io/", engine)
	mux.HandleFunc("/inspect", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, inspectSockets(io))
	})
	return mux
}

func main() {
	cfg, err := loadConfig(os.Args[1:], os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	io, engine := newDemoServer(cfg)
	if cfg.trace {
		io.eio.trace = traceFrames(log.New(os.Stderr, "", log.Ltime|log.Lmicroseconds))
		engine.trace = io.eio.trace
	}
	if !cfg.quiet { // the tutorial's own handlers
		io.On("connection", func(socket *Socket) {
			fmt.Println("io.sockets.sockets: ", inspectSockets(io))
			socket.On("disconnect", func(reason []any, _ AckFunc) { fmt.Println(socket.id, "disconnected:", reason[0]) })
		})
	}

	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.host, cfg.port))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Server listening at port %s\n", cfg.port)
	if !cfg.quiet {
		fmt.Println(inspectServer(io))
	}
	if err := serveUntilSignal(newHTTPServer(newMux(io, engine)), ln, io.eio, engine); err != nil {
		log.Fatal(err)
	}
}

// newHTTPServer sets the HTTP timeouts. There is no write timeout: a
// long-poll GET is held open on purpose. ReadHeaderTimeout stops a client
// that opens a connection and never finishes its request; IdleTimeout closes
// a keep-alive connection that nobody uses.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second}
}

// serveUntilSignal serves until SIGINT (Ctrl-C) or SIGTERM, then shuts down
// within 5 s: it stops accepting, closes every session — a held GET gets the
// close packet 1, a websocket gets 1 and a close frame — and waits for those
// last answers to leave.
func serveUntilSignal(server *http.Server, ln net.Listener, engines ...*eioServer) error {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	served := make(chan error, 1)
	go func() { served <- server.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-stop:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	server.RegisterOnShutdown(func() { // runs once the listener is closed
		for _, e := range engines {
			go e.shutdown(ctx)
		}
	})
	err := server.Shutdown(ctx) // waits for the held GETs to answer
	for _, e := range engines {
		e.shutdown(ctx) // again, for a session that opened meanwhile; and wait for the websockets
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return nil // some client did not take its last answer in time; exit all the same
	}
	return err
}
