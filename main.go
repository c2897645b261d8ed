// Socket.IO laid open in one Go file.
//
// A complete Socket.IO server, written to be read from top to bottom. It
// speaks to socket.io-client 4.x (Engine.IO v4, Socket.IO v5) and to the 2.x
// client of the tutorial era (Engine.IO v3, Socket.IO v4), over long-polling,
// WebSocket and the upgrade between them. Run `go run .`, open two browser
// tabs, and the terminal prints `io` and `io.sockets.sockets` as Node's
// console.log does.
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
// The specs: https://github.com/socketio/engine.io-protocol and
// https://github.com/socketio/socket.io-protocol
package main

import (
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
	"math"
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
	closeTimeout   time.Duration // (polling) closeTimeout: how long a closed session waits for its last GET
	maxPayload     int64         // maxHttpBufferSize: largest POST body or websocket message, in bytes
	corsOrigin     string        // -cors-origin: origins whose pages may connect ("a,b" or *); "" means no CORS
	print          int           // -print: print as socket.io 2 (on Node 8) or 4 (on Node 20) does
	quiet          bool          // -quiet: no printouts of io and io.sockets.sockets
	trace          bool          // -trace: log every frame with its explanation
}

// loadConfig starts from socket.io 4's defaults, then reads the environment,
// each variable through its flag (PORT=3100, as the harnesses start the
// server, is checked as -port 3100 is), then the command line, which wins.
func loadConfig(args []string, getenv func(string) string) (config, error) {
	cfg := config{closeTimeout: 30 * time.Second} // engine.io's, not an option there either
	flags := flag.NewFlagSet("socketio-laid-open", flag.ContinueOnError)
	flags.StringVar(&cfg.host, "host", "", "interface to listen on (HOST); empty means all")
	flags.StringVar(&cfg.port, "port", "3000", "port to listen on (PORT)")
	flags.DurationVar(&cfg.pingInterval, "ping-interval", 25*time.Second, "time between server pings (PING_INTERVAL, in ms)")
	flags.DurationVar(&cfg.pingTimeout, "ping-timeout", 20*time.Second, "time a client has to answer a ping (PING_TIMEOUT, in ms)")
	flags.DurationVar(&cfg.upgradeTimeout, "upgrade-timeout", 10*time.Second, "time allowed for the upgrade to websocket")
	flags.DurationVar(&cfg.connectTimeout, "connect-timeout", 45*time.Second, "time a 4.x client has to join a namespace (CONNECT_TIMEOUT, in ms)")
	flags.Int64Var(&cfg.maxPayload, "max-payload", 1e6, "largest message or POST body in bytes (MAX_PAYLOAD)")
	flags.StringVar(&cfg.corsOrigin, "cors-origin", "", "origins whose pages may connect, comma-separated, or * (CORS_ORIGIN)")
	flags.IntVar(&cfg.print, "print", 2, "print io as socket.io 2 (the tutorial's) or 4 does (PRINT)")
	flags.BoolVar(&cfg.quiet, "quiet", false, "do not print io and io.sockets.sockets")
	flags.BoolVar(&cfg.trace, "trace", false, "log every Engine.IO frame with an explanation")
	for _, e := range []struct{ env, flag, unit string }{
		{"PORT", "port", ""}, {"HOST", "host", ""}, {"MAX_PAYLOAD", "max-payload", ""},
		{"PING_INTERVAL", "ping-interval", "ms"}, {"PING_TIMEOUT", "ping-timeout", "ms"},
		{"CONNECT_TIMEOUT", "connect-timeout", "ms"}, {"CORS_ORIGIN", "cors-origin", ""}, {"PRINT", "print", ""},
	} {
		if v := getenv(e.env); v != "" {
			if err := flags.Set(e.flag, v+e.unit); err != nil { // the harnesses give ms; a flag takes 300ms or 2s
				return cfg, fmt.Errorf("%s=%q: %v", e.env, v, err)
			}
		}
	}
	if err := flags.Parse(args); err != nil {
		return cfg, err
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

// binaryPacket makes a binary message packet.
func binaryPacket(data []byte) eioPacket {
	return eioPacket{typ: eioMessage, data: data, binary: true}
}

// appendText writes a text packet as it travels: its type digit, then its data.
func (p eioPacket) appendText(b []byte) []byte {
	return append(append(b, byte(p.typ)), p.data...)
}

// decodeTextPacket reads one text packet: a type digit then data, e.g.
// 4hello. A binary message may travel as text too, as base64 after b64: "b"
// in v4, "b4" in v3, which keeps the type digit.
func decodeTextPacket(s []byte, b64 string) (eioPacket, error) {
	switch {
	case len(s) == 0:
		return eioPacket{}, errEmptyPacket
	case bytes.HasPrefix(s, []byte(b64)):
		data, err := base64.StdEncoding.DecodeString(string(s[len(b64):]))
		if err != nil {
			return eioPacket{}, errBadBase64
		}
		return binaryPacket(data), nil
	case s[0] < '0' || s[0] > '6':
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
		p, err := decodeTextPacket(part, "b")
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
	for _, r := range string(s) { // a range over string(s) makes no copy
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// encodePayloadV3Text writes <length>:<packet> for each packet.
func encodePayloadV3Text(packets []eioPacket) []byte {
	var b []byte
	for _, p := range packets {
		_, one := encodeFrameV3(p, false)
		b = append(strconv.AppendInt(b, int64(utf16Len(one)), 10), ':')
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
		for units > 0 && end < len(body) {
			_, size := utf8.DecodeRune(body[end:])
			units, end = units-utf16Len(body[end:end+size]), end+size
		}
		if units != 0 { // longer than the body, or ended inside a surrogate pair
			return packets, errBadLength
		}
		p, err := decodeTextPacket(body[:end], "b4")
		if err != nil {
			return packets, err
		}
		packets = append(packets, p)
		body = body[end:]
	}
	return packets, nil
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

// encodeFrameV3 frames a packet for a v3 websocket, and for the v3 payloads:
// a binary packet is the type byte 4 and its bytes or, for a client that
// asked for b64=1, "b4" and base64.
func encodeFrameV3(p eioPacket, binaryOK bool) (messageType int, data []byte) {
	switch {
	case p.binary && binaryOK:
		return websocket.BinaryMessage, append([]byte{v3BinaryType}, p.data...)
	case p.binary:
		return websocket.TextMessage, appendBase64([]byte("b4"), p.data)
	}
	return websocket.TextMessage, p.appendText(nil)
}

// decodeFrameV3 reads a v3 websocket frame, or one packet of a v3 payload.
func decodeFrameV3(messageType int, data []byte) (eioPacket, error) {
	if messageType == websocket.BinaryMessage {
		if len(data) == 0 || data[0] != v3BinaryType {
			return eioPacket{}, errUnknownPacket
		}
		return binaryPacket(data[1:]), nil
	}
	return decodeTextPacket(data, "b4")
}

// encodePayloadV3Binary writes the binary payload encoding.
func encodePayloadV3Binary(packets []eioPacket) []byte {
	var b []byte
	for _, p := range packets {
		messageType, one := encodeFrameV3(p, true)
		b = append(b, byte(messageType-websocket.TextMessage)) // kind: 0 text, 1 binary
		for _, digit := range strconv.Itoa(len(one)) {
			b = append(b, byte(digit-'0'))
		}
		b = append(append(b, 0xFF), one...)
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
		p, err := decodeFrameV3(websocket.TextMessage+int(kind), one) // kind 0 text, 1 binary
		if err != nil {
			return packets, err
		}
		packets = append(packets, p)
	}
	return packets, nil
}

// eioVersion is everything that differs between Engine.IO v3 and v4, chosen
// once per session from the EIO query parameter, as engine.io's
// `this.parser = this.protocol === 4 ? parser_v4 : parser_v3` does. Quotes
// are from engine.io-protocol's History, "From v3 to v4".
type eioVersion struct {
	protocol int // the EIO parameter, 3 or 4 (engine.io Transport.protocol)

	// serverPings: in v4 the server pings and waits for pong ("reverse
	// ping/pong mechanism"); in v3 the client pings and the server answers.
	serverPings bool

	// sendsMaxPayload: only the v4 handshake lists maxPayload.
	sendsMaxPayload bool

	// encodePayload and decodePayload frame polling bodies: v4 joins packets
	// with \x1e ("use a record separator instead of counting of characters")
	// and always sends binary as base64.
	encodePayload func(packets []eioPacket, binaryOK bool) (body []byte, contentType string)
	decodePayload func(body []byte, contentType string) ([]eioPacket, error)

	// encodeFrame and decodeFrame frame websocket messages: a v3 binary
	// frame starts with the type byte 4; v4 sends the bytes alone ("with no
	// additional transformation").
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
		return decodeTextPacket(data, "b")
	},
}

var eioV3 = &eioVersion{
	protocol: 3,
	encodePayload: func(packets []eioPacket, binaryOK bool) ([]byte, string) {
		for _, p := range packets {
			if p.binary && binaryOK { // engine.io 3 sends the binary payload only when there is binary
				return encodePayloadV3Binary(packets), contentTypeBinary
			}
		}
		return encodePayloadV3Text(packets), contentTypeText
	},
	decodePayload: func(body []byte, contentType string) ([]eioPacket, error) {
		if strings.HasPrefix(contentType, contentTypeBinary) {
			return decodePayloadV3Binary(body)
		}
		return decodePayloadV3Text(body)
	},
	encodeFrame: encodeFrameV3,
	decodeFrame: decodeFrameV3,
}

// eioVersions maps the EIO query parameter to its version. Anything else,
// a missing EIO included, is "Unsupported protocol version".
var eioVersions = map[string]*eioVersion{"3": eioV3, "4": eioV4}

// === Engine.IO sessions: handshake and heartbeat ============================

// eioSID is an Engine.IO session id, like the tutorial's riIk7xPKPqrcmqVUAAAA,
// not a socket id (SocketID): only a 2.x client's socket on "/" shares it.
type eioSID string

// base64id makes ids as Node's base64id package does: 12 random bytes, then
// a counter in 3, in URL-safe base64, which is how the tutorial's two tabs
// read …AAAA and …AAAB. engine.io and socket.io 4 each count their own.
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

	websockets sync.WaitGroup // open websocket connections, which shutdown waits for
}

func newEIOServer(cfg config, onConnection func(*eioSocket)) *eioServer {
	return &eioServer{
		cfg:          cfg,
		onConnection: onConnection,
		clients:      map[eioSID]*eioSocket{},
		upgrader: websocket.Upgrader{
			CheckOrigin:     func(*http.Request) bool { return true }, // checkOrigin has decided, in ServeHTTP
			ReadBufferSize:  1024,                                     // not net/http's 4 KiB: 3 KiB less a connection, more reads for a long message
			WriteBufferPool: &sync.Pool{},                             // none per idle websocket: writeFrames writes its own frames
		},
	}
}

func (srv *eioServer) lookup(sid eioSID) *eioSocket {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return srv.clients[sid]
}

// shutdown closes every session, then waits until every websocket has sent
// its last frames and closed, or until ctx ends.
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
	go func() { srv.websockets.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// ServeHTTP routes every Engine.IO request. It checks the origin, then the
// transport, then the protocol version, then the session. engine.io checks EIO only on the
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
	version := eioVersions[q.Get("EIO")]
	sid := eioSID(q.Get("sid"))
	if transport == "polling" {
		w.Header().Set("Cache-Control", "no-store") // no cache may answer a poll
	}
	s := srv.lookup(sid) // nil for a handshake, or for a session that is gone
	switch {
	case transport != "polling" && transport != "websocket":
		writeEIOError(w, errTransportUnknown)
	case version == nil:
		writeEIOError(w, errUnsupportedProtocol)
	case transport == "websocket" && !websocket.IsWebSocketUpgrade(r):
		writeEIOError(w, errBadRequest)
	case sid == "" && r.Method != http.MethodGet:
		writeEIOError(w, errBadHandshakeMethod)
	case sid == "":
		srv.handshake(w, r, version, transport)
	case s == nil:
		writeEIOError(w, errSessionUnknown)
	case s.version != version:
		writeEIOError(w, errBadRequest)
	case transport == "websocket":
		s.serveUpgrade(w, r)
	case r.Method == http.MethodGet:
		s.servePollGet(w, r)
	case r.Method == http.MethodPost:
		s.servePollPost(w, r)
	default: // engine.io answers 500 here; "Bad request" says what is wrong
		writeEIOError(w, errBadRequest)
	}
}

// checkOrigin applies -cors-origin to a request that names its page's
// Origin. Unset, anything goes, as in socket.io 4 (there are no cookies to
// protect): with no CORS headers a page from elsewhere cannot read polling
// answers, yet its websocket is accepted (cross-site websocket hijacking).
// Set, a listed origin (any, for *) gets CORS headers and the others are
// refused on both transports. No Origin, or the server's own, always passes.
func (srv *eioServer) checkOrigin(w http.ResponseWriter, r *http.Request) (allowed, cors bool) {
	origin := r.Header.Get("Origin")
	if origin == "" || srv.cfg.corsOrigin == "" {
		return true, false
	}
	if u, err := url.Parse(origin); err == nil && u.Host == r.Host {
		return true, false // same origin
	}
	for _, o := range strings.Split(srv.cfg.corsOrigin, ",") {
		if o = strings.TrimSpace(o); o == "*" || o == origin {
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

// handshake opens a session. Its open packet is the first websocket frame,
// or the whole answer to a polling handshake, as in socket.io 4: what the
// layer above queues (a 2.x client's CONNECT) waits for the next GET, where
// socket.io 2 sent it along (96:0{…}2:40, its pingTimeout being 5000).
func (srv *eioServer) handshake(w http.ResponseWriter, r *http.Request, version *eioVersion, transport string) {
	upgrades := []string{"websocket"}
	var ws *websocket.Conn
	if transport == "websocket" {
		var err error
		if ws, err = srv.upgrader.Upgrade(w, r, nil); err != nil {
			return // the upgrader has answered with an HTTP error
		}
		upgrades = []string{}
	}
	s := newEIOSocket(srv, r, version, transport)
	open := openPacket{
		SID:          s.sid,
		Upgrades:     upgrades,
		PingInterval: srv.cfg.pingInterval.Milliseconds(),
		PingTimeout:  srv.cfg.pingTimeout.Milliseconds(),
	}
	if version.sendsMaxPayload {
		open.MaxPayload = srv.cfg.maxPayload
	}
	data, _ := json.Marshal(open) // a struct of strings and numbers always marshals
	first := eioPacket{typ: eioOpen, data: data}
	if ws != nil {
		s.writeBuffer = []eioPacket{first} // the first frame, before anything the layer above queues
	}

	srv.mu.Lock()
	srv.clients[s.sid] = s
	srv.mu.Unlock()
	s.startHeartbeat()  // before the layer above hears of the session, as in engine.io
	srv.onConnection(s) // before the client knows the sid, so before it can send
	if ws != nil {
		s.startWebSocket(ws)
		return
	}
	s.writePollResponse(w, []eioPacket{first}) // alone: what the layer above queued waits for the next GET
}

// Handshake is what the server knew of the client when its session
// opened: engine.io keeps the request (socket.conn.request), and socket.io
// shows it as socket.handshake, with the auth of the CONNECT packet.
type Handshake struct {
	Headers http.Header
	Time    time.Time
	Address string
	XDomain bool // the page came from another origin
	Secure  bool // over TLS
	URL     string
	Query   url.Values
	Auth    map[string]any // the CONNECT packet's payload, {} if none
}

// eioSocket is one Engine.IO session (engine.io's Socket; the tutorial
// prints it as socket.conn). It outlives its transports: a session that
// starts on polling moves to a websocket and keeps its sid and its queue.
//
// Goroutines: the one that reads (a POST's handler, or readLoop) delivers
// packets to onMessage; the one that writes (a held GET, or writeLoop)
// drains writeBuffer. Timers run the heartbeat. Everything they share is
// under mu; a change that a held GET must see leaves a token in `changed`.
type eioSocket struct {
	sid      eioSID
	server   *eioServer
	version  *eioVersion
	binaryOK bool      // false when a v3 client asked for base64 (b64=1)
	request  Handshake // the handshake request, without Auth: that is per namespace

	onMessage func(eioPacket)     // set by the layer above, before the session opens
	onClose   func(reason string) // likewise

	mu                sync.Mutex      // protects the fields below
	readyState        string          // "open" or "closed" (engine.io readyState)
	closeReason       string          // why it closed: "transport close", "ping timeout", …
	transport         string          // "polling" or "websocket"
	upgrading         bool            // probe answered, waiting for the upgrade packet
	probe             *websocket.Conn // the websocket being probed, during an upgrade
	ws                *websocket.Conn // the websocket, once the session uses one
	writing           bool            // a writer runs: writeLoop, or readLoop handing a packet on
	writeBuffer       []eioPacket     // packets waiting for a transport (engine.io writeBuffer)
	changed           chan struct{}   // holds a token when a held GET has work (capacity 1)
	pollWaiting       bool            // a GET is being held open
	postActive        bool            // a POST is being read
	pingIntervalTimer *time.Timer     // v4: sends the next ping
	pingTimeoutTimer  *time.Timer     // closes the session when the other side goes quiet
	closeTimer        *time.Timer     // set while a closed session waits for its last GET
}

func newEIOSocket(srv *eioServer, r *http.Request, version *eioVersion, transport string) *eioSocket {
	query := r.URL.Query() // parsed once: each call parses the URL again
	return &eioSocket{
		sid:        eioSID(sessionIDs.next()),
		server:     srv,
		version:    version,
		binaryOK:   query.Get("b64") == "",
		readyState: "open",
		transport:  transport,
		changed:    make(chan struct{}, 1),
		request: Handshake{
			Headers: r.Header, // kept, not copied: net/http never touches it after the handler
			Time:    time.Now(),
			Address: r.RemoteAddr,
			XDomain: r.Header.Get("Origin") != "",
			Secure:  r.TLS != nil,
			URL:     r.URL.RequestURI(),
			Query:   query,
		},
	}
}

// notifyLocked wakes a held GET with a token in changed (no allocation, as
// a closed and remade channel would cost); a stale token costs a look.
// Callers hold s.mu.
func (s *eioSocket) notifyLocked() {
	select {
	case s.changed <- struct{}{}:
	default: // a token is waiting already
	}
}

// maxWriteBuffer bounds the packets queued for one client: one that reads so
// slowly that this many pile up is cut off ("transport error").
const maxWriteBuffer = 100000

// send queues packets for the client, never blocking on the network, so a
// slow client holds up no broadcast. One call's packets stay together.
func (s *eioSocket) send(packets ...eioPacket) {
	s.mu.Lock()
	if s.readyState != "open" {
		s.mu.Unlock()
		return
	}
	wasEmpty := len(s.writeBuffer) == 0
	s.writeBuffer = append(s.writeBuffer, packets...)
	full := len(s.writeBuffer) > maxWriteBuffer
	if wasEmpty { // a GET waits only on an empty buffer
		s.notifyLocked()
	}
	s.startWriterLocked()
	s.mu.Unlock()
	if full {
		s.close("transport error")
	}
}

// reasonShutdown is the close reason when the process stops, socket.io's.
const reasonShutdown = "server shutting down"

// close ends the session once, whatever the reason, tells the layer above
// and wakes waiting writers. A polling client learns of the close from a
// GET; when none waits, one may still be on its way (sent before the
// client's own close, on another connection), so the session stays in
// clients for its last GET, up to closeTimeout, as in engine.io.
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
	waitsForGET := s.transport == "polling" && !s.pollWaiting
	if waitsForGET {
		s.closeTimer = time.AfterFunc(s.server.cfg.closeTimeout, s.forget)
	}
	s.notifyLocked()
	s.startWriterLocked() // over websocket, to close it
	ws := s.ws
	s.mu.Unlock()

	if ws != nil {
		_ = ws.NetConn().SetWriteDeadline(time.Now().Add(wsWriteWait)) // a writer stuck on a full connection gives up
	}

	if probe != nil {
		_ = probe.Close() // ends the upgrade's read; its error is expected
	}
	if !waitsForGET {
		s.forget()
	}
	if s.onClose != nil {
		s.onClose(reason)
	}
}

// forget takes a closed session out of its server's clients: at once, or
// once its last GET came or closeTimeout passed.
func (s *eioSocket) forget() {
	s.mu.Lock()
	stopTimer(s.closeTimer)
	s.mu.Unlock()
	s.server.mu.Lock()
	delete(s.server.clients, s.sid)
	s.server.mu.Unlock()
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
		s.pingTimeoutTimer = time.AfterFunc(cfg.pingInterval+cfg.pingTimeout, func() { s.close("ping timeout") })
	}
}

// ping queues a ping and starts the clock for its pong (v4).
func (s *eioSocket) ping() {
	s.mu.Lock()
	if s.readyState != "open" {
		s.mu.Unlock()
		return
	}
	s.pingTimeoutTimer = time.AfterFunc(s.server.cfg.pingTimeout, func() { s.close("ping timeout") })
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

// beginRequest claims a polling slot, busy being pollWaiting (a held GET) or
// postActive (a POST being read). A closed session (but for its last GET)
// or one not polling gets an error; a second request for a busy slot breaks
// the protocol and closes the session (a held GET gets the close packet).
func (s *eioSocket) beginRequest(w http.ResponseWriter, busy *bool) bool {
	s.mu.Lock()
	lastGET := busy == &s.pollWaiting && s.closeTimer != nil
	switch {
	case s.readyState != "open" && !lastGET:
		s.mu.Unlock()
		writeEIOError(w, errSessionUnknown) // to the client, a closed session is gone
		return false
	case s.transport != "polling":
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
// everything queued as one payload.
func (s *eioSocket) servePollGet(w http.ResponseWriter, r *http.Request) {
	if !s.beginRequest(w, &s.pollWaiting) {
		return
	}
	packets, last := s.nextPoll(r)
	s.endRequest(&s.pollWaiting)
	if packets == nil {
		return // the client went away
	}
	s.writePollResponse(w, packets)
	if last {
		s.forget()
	}
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
// an upgrade is under way (the packets wait for the websocket). When the
// session is closed it is the last answer: a noop if the client closed it,
// or what was still queued and a close if the server did.
func (s *eioSocket) nextPoll(r *http.Request) (packets []eioPacket, last bool) {
	for {
		s.mu.Lock()
		switch {
		case s.readyState != "open" && s.closeReason == "transport close":
			s.mu.Unlock()
			return []eioPacket{{typ: eioNoop}}, true
		case s.readyState != "open":
			packets = append(s.writeBuffer, eioPacket{typ: eioClose})
			s.writeBuffer = nil
			s.mu.Unlock()
			return packets, true
		case s.upgrading || s.transport != "polling":
			s.mu.Unlock()
			return []eioPacket{{typ: eioNoop}}, false
		case len(s.writeBuffer) > 0:
			packets = s.writeBuffer
			s.writeBuffer = nil
			s.mu.Unlock()
			return packets, false
		}
		s.mu.Unlock()
		select {
		case <-s.changed:
		case <-r.Context().Done():
			return nil, false
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
		writeEIOError(w, &eioError{http.StatusRequestEntityTooLarge, 3, fmt.Sprintf("Payload over maxPayload (%d bytes)", limit)})
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

// A websocket session has a reader goroutine, and a writer only while there
// is something to send. Five choices below are for speed, each saving:
//   - the reader on its own goroutine: net/http's request, once it returns;
//   - no writer while idle: a goroutine and its stack per idle connection;
//   - the reader writing its own answers: a goroutine per echo or ack;
//   - frames built by hand, a batch in one Write: a system call per frame;
//   - no deadline while open: a timer update per write.

// wsWriteWait is how long a closed session's last frames may take. Open,
// writes have no deadline (a timer update each): a client that goes away
// stops its part of the heartbeat, and the close that follows sets one. (A
// client that keeps the heartbeat up but reads nothing keeps its writer
// waiting until maxWriteBuffer packets pile up.)
const wsWriteWait = 5 * time.Second

// startWebSocket makes ws the session's transport. Its reader is a goroutine
// of its own, so the handler returns and net/http frees the request (about
// 6 KB); a writer runs only while there is something to send.
func (s *eioSocket) startWebSocket(ws *websocket.Conn) {
	s.server.websockets.Add(1)
	s.mu.Lock()
	s.ws = ws
	s.startWriterLocked() // for what is queued: the open packet, or what came during an upgrade
	s.mu.Unlock()
	// A websocket ping (RFC 6455 §5.5.2) gets its pong in one Write, as
	// writeFrames writes: gorilla's own would leave a deadline behind.
	ws.SetPingHandler(func(data string) error {
		_, err := ws.NetConn().Write(append(appendFrameHeader(nil, websocket.PongMessage, len(data)), data...))
		return err
	})
	go s.readLoop(ws)
}

// startWriterLocked starts writeLoop if the session has a websocket and no
// writer is running, so there is never more than one. Callers hold s.mu.
func (s *eioSocket) startWriterLocked() {
	if s.ws != nil && !s.writing {
		s.writing = true
		go s.writeLoop(s.ws)
	}
}

// writeLoop is the only writer of a session's websocket. It ends when the
// queue is empty, so an idle connection keeps no goroutine for writing.
// After a close it ends the connection, and so readLoop: with what was
// queued, 1 and a close frame (1001, going away, at shutdown) if the server
// closed the session; with the close frame alone if the client did or the
// transport failed ("transport close" or "transport error").
func (s *eioSocket) writeLoop(ws *websocket.Conn) {
	for {
		s.mu.Lock()
		packets := s.writeBuffer
		s.writeBuffer = nil
		open, reason := s.readyState == "open", s.closeReason
		if open && len(packets) == 0 {
			s.writing = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()

		switch {
		case open:
		case reason == "transport close" || reason == "transport error":
			packets = nil // nobody reads them
		default:
			packets = append(packets, eioPacket{typ: eioClose})
		}
		s.tracePackets(packets)
		if err := s.writeFrames(ws, packets); err != nil {
			s.close("transport error") // starts no other writer: this one is still running
			_ = ws.Close()
			return
		}
		if !open {
			code := websocket.CloseNormalClosure
			if reason == reasonShutdown {
				code = websocket.CloseGoingAway
			}
			closeFrame := websocket.FormatCloseMessage(code, "")
			_ = ws.WriteControl(websocket.CloseMessage, closeFrame, time.Now().Add(time.Second)) // best effort
			_ = ws.Close()
			return
		}
	}
}

// writeFrames writes packets as websocket frames in one system call (on a
// busy server the calls cost, not the bytes), building them itself: gorilla
// would lock, set a deadline and copy for each. gorilla's control frames
// (a pong, the close) are one Write each, so frames never interleave.
func (s *eioSocket) writeFrames(ws *websocket.Conn, packets []eioPacket) error {
	if len(packets) == 0 {
		return nil
	}
	buf := frameBuffers.Get().(*[]byte)
	defer frameBuffers.Put(buf)
	b := (*buf)[:0]
	for _, p := range packets {
		if !p.binary { // text is the same in v3 and v4: the type digit, then the data
			b = p.appendText(appendFrameHeader(b, websocket.TextMessage, 1+len(p.data)))
			continue
		}
		messageType, data := s.version.encodeFrame(p, s.binaryOK)
		b = append(appendFrameHeader(b, messageType, len(data)), data...)
	}
	*buf = b
	_, err := ws.NetConn().Write(b)
	return err
}

// frameBuffers lends buffers to writeFrames, so an idle connection holds none.
var frameBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// appendFrameHeader starts a final, unmasked websocket frame of n bytes
// (RFC 6455, section 5.2): FIN and the opcode (1 text, 2 binary), then the
// length in 7 bits, or 126 and 16 bits, or 127 and 64 bits.
func appendFrameHeader(b []byte, messageType, n int) []byte {
	b = append(b, 0x80|byte(messageType))
	switch {
	case n < 126:
		return append(b, byte(n))
	case n < 1<<16:
		return append(b, 126, byte(n>>8), byte(n))
	}
	return append(b, 127, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// readLoop reads frames until the connection fails, handing each packet on,
// then writes what the handlers queued before it reads on: an echo's answer
// starts no goroutine. (A broadcast from elsewhere meanwhile waits for it.)
// The writing is inline, and failUTF8 a function of its own, to keep the
// connect path within the reader's 4 KiB stack.
func (s *eioSocket) readLoop(ws *websocket.Conn) {
	defer s.server.websockets.Done()
	// Over the limit, gorilla/websocket closes with status 1009 (message too big).
	ws.SetReadLimit(s.server.cfg.maxPayload)
	for {
		messageType, data, err := readMessage(ws)
		if err != nil {
			s.close("transport close")
			return
		}
		if messageType == websocket.TextMessage && !utf8.Valid(data) {
			s.failUTF8(ws)
			return
		}
		p, err := s.version.decodeFrame(messageType, data)
		if err != nil {
			s.close("parse error")
			return
		}
		s.mu.Lock()
		write := !s.writing // unless a writer runs, readLoop is the writer for what p's handlers send
		s.writing = true
		s.mu.Unlock()
		s.onPacket(p)
		if write {
			s.writeLoop(ws) // it ends, and gives up being the writer, once the queue is empty
		}
	}
}

// readMessage is gorilla's ReadMessage, but it reads into a lent buffer and
// keeps a copy of the exact size: ReadMessage takes 512 bytes or more for
// every message, the garbage collector's main work in an echo.
func readMessage(ws *websocket.Conn) (int, []byte, error) {
	messageType, r, err := ws.NextReader()
	if err != nil {
		return 0, nil, err
	}
	buf := readBuffers.Get().(*bytes.Buffer)
	defer readBuffers.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		return 0, nil, err
	}
	return messageType, bytes.Clone(buf.Bytes()), nil
}

var readBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// failUTF8 fails the connection of a text frame that is not UTF-8 with
// status 1007, as RFC 6455 §8.1 says and Node's ws does.
func (s *eioSocket) failUTF8(ws *websocket.Conn) {
	closeFrame := websocket.FormatCloseMessage(websocket.CloseInvalidFramePayloadData, "invalid UTF-8")
	_ = ws.WriteControl(websocket.CloseMessage, closeFrame, time.Now().Add(time.Second))
	s.close("transport error")
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
	ws, err := s.server.upgrader.Upgrade(w, r, nil)
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
		// A second websocket: engine.io closes it at once, with an empty
		// close frame, and the session goes on.
		_ = ws.WriteControl(websocket.CloseMessage, nil, time.Now().Add(time.Second))
		_ = ws.Close()
		return
	}

	probed := s.probeUpgrade(ws) == nil
	s.mu.Lock()
	upgraded := probed && s.readyState == "open"
	if upgraded { // the session switches; what is queued follows on ws
		s.transport = "websocket"
	}
	s.probe = nil
	s.upgrading = false
	s.notifyLocked()
	s.mu.Unlock()
	if !upgraded {
		_ = ws.Close()
		return
	}
	s.startWebSocket(ws)
}

// probeUpgrade runs the probe exchange: 2probe, 3probe, then 5.
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
	// The deadlines were the probe's. gorilla's SetWriteDeadline would only
	// change its own, not the one its write left on the connection.
	_ = ws.SetReadDeadline(time.Time{})
	_ = ws.NetConn().SetWriteDeadline(time.Time{})
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

// Packet is one Socket.IO packet. Data is decoded JSON, as JSON.parse gives
// it (numbers are float64), with []byte wherever a binary attachment was.
type Packet struct {
	Type PacketType
	Nsp  string // namespace, "/" when the wire leaves it out
	ID   int    // ack id, or noAck
	Data any
}

// Errors of the Socket.IO parser. The connection that sent one is closed
// ("the receiver MUST close the connection", socket.io-protocol).
var (
	errPacketType       = errors.New("socket.io: unknown packet type")
	errAttachments      = errors.New("socket.io: bad attachment count")
	errAckID            = errors.New("socket.io: bad ack id")
	errPayload          = errors.New("socket.io: payload not allowed for this packet type")
	errPlaceholder      = errors.New("socket.io: bad binary placeholder")
	errReserved         = errors.New("socket.io: reserved event name")
	errUnexpectedBinary = errors.New("socket.io: binary message with no packet waiting for it")
	errExpectedBinary   = errors.New("socket.io: text message while attachments are due")
)

// reservedEvents may not be sent by a client: they are the socket's own.
var reservedEvents = map[string]bool{
	"connect": true, "connect_error": true, "disconnect": true,
	"disconnecting": true, "newListener": true, "removeListener": true,
}

// encode writes a packet as the Engine.IO messages that carry it: its text
//
//	<type>[<#attachments>-][<nsp>,][<ack id>][JSON]     e.g. 2/admin,13["foo"]
//
// then one binary message per attachment. An EVENT or ACK whose data holds
// []byte becomes a BINARY_EVENT or BINARY_ACK: each []byte is replaced,
// depth first, by {"_placeholder":true,"num":N} and travels as attachment
// N. A broadcast encodes once and gives every receiver the same messages.
func (p Packet) encode() ([]eioPacket, error) {
	var js []byte
	var attachments [][]byte
	if p.Data != nil {
		var err error
		if js, err = appendJSON(make([]byte, 0, 64), p.Data, &attachments); err != nil {
			return nil, err
		}
	}
	typ := p.Type
	if len(attachments) > 0 && (typ == Event || typ == Ack) {
		typ += BinaryEvent - Event // EVENT → BINARY_EVENT, ACK → BINARY_ACK
	}
	b := append(make([]byte, 0, 16+len(p.Nsp)+len(js)), byte('0'+typ))
	if typ == BinaryEvent || typ == BinaryAck {
		b = append(strconv.AppendInt(b, int64(len(attachments)), 10), '-')
	}
	if p.Nsp != "" && p.Nsp != "/" {
		b = append(append(b, p.Nsp...), ',')
	}
	if p.ID != noAck {
		b = strconv.AppendInt(b, int64(p.ID), 10)
	}
	frames := append(make([]eioPacket, 0, 1+len(attachments)), eioPacket{typ: eioMessage, data: append(b, js...)})
	for _, a := range attachments {
		frames = append(frames, binaryPacket(a))
	}
	return frames, nil
}

// appendJSON appends v as JSON.stringify writes it. What a handler gets from
// decoded JSON (nil, bool, string, []any, map[string]any) is written here by
// hand, which costs a fraction of encoding/json's reflection; each []byte
// becomes a placeholder and joins attachments. Numbers and other Go values
// go through encoding/json, which writes numbers as JavaScript does.
func appendJSON(b []byte, v any, attachments *[][]byte) ([]byte, error) {
	var err error
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case string:
		return appendJSONString(b, x), nil
	case []byte:
		*attachments = append(*attachments, x)
		b = append(b, `{"_placeholder":true,"num":`...)
		return append(strconv.AppendInt(b, int64(len(*attachments)-1), 10), '}'), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSON(b, e, attachments); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		return appendJSONObject(b, x, attachments)
	case float64:
		return appendJSONNumber(b, x) // not inline: its frame would grow every idle connection's stack
	}
	js, err := json.Marshal(v)
	return append(b, js...), err
}

// appendJSONNumber writes a number as JSON.stringify does: a whole one
// itself, without encoding/json's allocation, and -0 as 0.
func appendJSONNumber(b []byte, x float64) ([]byte, error) {
	if x == 0 {
		return append(b, '0'), nil
	}
	if x == math.Trunc(x) && math.Abs(x) < 1e21 {
		return strconv.AppendFloat(b, x, 'f', -1, 64), nil
	}
	js, err := json.Marshal(x) // the other numbers by ES6's rules, which JavaScript follows
	return append(b, js...), err
}

// appendJSONObject appends an object with its keys sorted, as encoding/json
// sorts them: a Go map has no order of its own.
func appendJSONObject(b []byte, m map[string]any, attachments *[][]byte) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendJSON(append(appendJSONString(b, k), ':'), m[k], attachments); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendJSONString appends s in quotes, escaped as JSON.stringify escapes:
// the quote, the backslash and control characters. Bytes that are not
// UTF-8 become U+FFFD, as encoding/json makes them.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < 0x20:
			if i := strings.IndexRune("\b\f\n\r\t", r); i >= 0 {
				b = append(b, '\\', "bfnrt"[i])
			} else {
				b = fmt.Appendf(b, `\u%04x`, r)
			}
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

// reconstruct puts the attachments back where their placeholders are. A
// placeholder's num must be an integer within the attachments
// (CVE-2022-2421 trusted it), used once (used marks them): a shared one
// would turn into many attachments when the packet is sent on.
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
			num, ok := x["num"].(float64)
			n := int(num)
			if !ok || float64(n) != num || n < 0 || n >= len(attachments) || used[n] {
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

// decodePacket parses the text of a packet and checks its payload; it says
// how many binary attachments must follow.
func decodePacket(s []byte) (Packet, int, error) {
	p, attachments, err := parsePacket(s)
	if err == nil {
		err = p.checkPayload()
	}
	return p, attachments, err
}

// parsePacket reads the parts of a packet in the order of the grammar: type,
// attachment count, namespace, ack id, JSON.
func parsePacket(s []byte) (Packet, int, error) {
	p := Packet{Nsp: "/", ID: noAck}
	if len(s) == 0 || s[0] < '0' || s[0] > '6' {
		return p, 0, fmt.Errorf("%w in %q", errPacketType, s)
	}
	p.Type = PacketType(s[0] - '0')
	rest := s[1:]

	attachments := 0
	if p.Type == BinaryEvent || p.Type == BinaryAck {
		count, after, found := bytes.Cut(rest, []byte("-"))
		n, err := strconv.Atoi(string(count))
		if !found || err != nil || n < 1 || n > maxAttachments {
			return p, 0, fmt.Errorf("%w in %q", errAttachments, s)
		}
		attachments, rest = n, after
	}

	// The namespace ends at a comma, or at the end of a packet with nothing
	// more: clients send "40/custom," and the spec's examples "40/custom".
	if bytes.HasPrefix(rest, []byte("/")) {
		var nsp []byte
		nsp, rest, _ = bytes.Cut(rest, []byte(","))
		p.Nsp = string(nsp)
	}

	digits := 0
	for digits < len(rest) && rest[digits] >= '0' && rest[digits] <= '9' {
		digits++
	}
	if digits > 0 {
		id, err := strconv.Atoi(string(rest[:digits]))
		if err != nil || digits > 9 {
			return p, 0, fmt.Errorf("%w in %q", errAckID, s)
		}
		p.ID, rest = id, rest[digits:]
	}

	if len(rest) > 0 { // as JSON.parse: every number is a float64
		if err := json.Unmarshal(rest, &p.Data); err != nil {
			return p, 0, fmt.Errorf("socket.io: bad JSON in %q: %w", s, err)
		}
	}
	return p, attachments, nil
}

// checkPayload applies the spec's payload rule of each type; an EVENT's
// first element names it. CONNECT_ERROR only travels to clients.
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
		case float64:
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

// add takes one Engine.IO message and returns a complete packet, or nil
// while attachments are still due.
func (d *decoder) add(m eioPacket) (*Packet, error) {
	if d.pending == nil {
		if m.binary {
			return nil, errUnexpectedBinary
		}
		p, n, err := decodePacket(m.data)
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
	data, err := reconstruct(p.Data, d.attachments, make([]bool, d.want))
	d.pending, d.attachments = nil, nil
	if err != nil {
		return nil, err
	}
	p.Data = data
	return p, nil
}

// === Socket.IO client =======================================================

// sioProtocol is everything that differs between Socket.IO protocol v5 (the
// 3.x/4.x clients, on Engine.IO v4) and v4 (the tutorial's 2.x client, on
// Engine.IO v3), chosen once per connection from the Engine.IO version, as
// socket.io 4 does for `allowEIO3` clients. Quotes are from
// socket.io-protocol's History, "Difference between v5 and v4".
type sioProtocol struct {
	protocol int // parser.protocol: 5, or 4 for 2.x clients

	// connectsRoot: a v4 client is in "/" from the start, and the server
	// sends the CONNECT; in v5 the client asks ("remove the implicit
	// connection to the default namespace").
	connectsRoot bool

	// socketID: in v5 an id of its own, sent in the CONNECT reply; in v4 the
	// Engine.IO id on "/" and "<nsp>#<engine id>" elsewhere.
	socketID func(nsp string, sid eioSID) SocketID

	// readsAuth: a v5 CONNECT may carry auth ("the CONNECT packet now can
	// contain a payload"); a v4 one has none, and socket.io 4 makes
	// handshake.auth of the query after its namespace (queryAuth).
	readsAuth bool

	// connectReply is the server's CONNECT: 40{"sid":"…"} in v5, a bare 40 (or 40/custom,) in v4.
	connectReply func(nsp string, id SocketID) Packet

	// connectError refuses a namespace: 44{"message":"…"} in v5, with "data"
	// when a middleware gave some; in v4 the ERROR packet carries the data,
	// or else the message as a bare string ("rename ERROR to CONNECT_ERROR").
	connectError func(nsp string, err *DataError) Packet
}

var sioV5 = &sioProtocol{
	protocol:  5,
	readsAuth: true,
	socketID:  func(string, eioSID) SocketID { return SocketID(socketIDs.next()) },
	connectReply: func(nsp string, id SocketID) Packet {
		return Packet{Type: Connect, Nsp: nsp, ID: noAck, Data: map[string]any{"sid": string(id)}}
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

	connectTimer *time.Timer // connectTimeout's clock (v5), stopped when a namespace is joined

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
		c.connect("/", nil)
	} else {
		c.connectTimer = time.AfterFunc(server.eio.cfg.connectTimeout, c.closeIfNoNamespace)
	}
	return c
}

// closeIfNoNamespace closes a connection that has joined no namespace by
// connectTimeout, as socket.io does: it costs memory and does nothing.
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
	switch {
	case err != nil:
		c.fail(err)
	case p != nil:
		c.dispatch(*p)
	}
}

// fail closes the connection of a client that broke the protocol, saying
// why in the log.
func (c *client) fail(err error) {
	log.Printf("socket.io: closing %s: %v", c.conn.sid, err)
	c.conn.close("parse error")
}

// dispatch routes a complete packet: CONNECT makes a socket, everything else
// goes to the socket of its namespace.
func (c *client) dispatch(p Packet) {
	c.mu.Lock()
	socket := c.nsps[namespaceName(p.Nsp)]
	c.mu.Unlock()
	switch {
	case p.Type == Connect:
		c.connect(p.Nsp, p.Data)
	case socket == nil || p.Type == ConnectError:
		c.fail(fmt.Errorf("%v packet for %q, a namespace it has not joined", p.Type, p.Nsp))
	case p.Type == Disconnect:
		socket.onClose("client namespace disconnect")
	case p.Type == Event || p.Type == BinaryEvent:
		socket.onEvent(p)
	default: // ACK, BINARY_ACK
		socket.onAck(p)
	}
}

// namespaceName drops the query that 2.x clients may append: /admin?token=1.
func namespaceName(nsp string) string {
	name, _, _ := strings.Cut(nsp, "?")
	return name
}

// queryAuth is the auth that socket.io 4 makes of the query a 2.x client
// puts after a namespace (Client._parseNamespace): /private?token=1 gives
// {token: "1"}, and of a repeated key the last value.
func queryAuth(query string) map[string]any {
	values, _ := url.ParseQuery(query)
	auth := map[string]any{}
	for key, v := range values {
		auth[key] = v[len(v)-1]
	}
	return auth
}

// connect joins the client to a namespace once its middleware agrees, or
// refuses with CONNECT_ERROR ("Invalid namespace", or the middleware's
// error); the connection stays open either way.
func (c *client) connect(nspName string, data any) {
	name, query, _ := strings.Cut(nspName, "?")
	auth, _ := data.(map[string]any) // the CONNECT's payload, in v5
	if !c.protocol.readsAuth {
		auth = queryAuth(query)
	}
	if auth == nil {
		auth = map[string]any{}
	}
	nsp := c.server.namespace(name)
	if nsp == nil {
		c.send(c.protocol.connectError(name, &DataError{Message: "Invalid namespace"}))
		return
	}
	c.mu.Lock()
	joined := c.nsps[name] != nil
	c.mu.Unlock()
	if joined {
		c.fail(fmt.Errorf("second CONNECT to %q", name))
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
		stopTimer(c.connectTimer) // a pending timer keeps the client in memory for 45 s
		if !closed {
			c.send(c.protocol.connectReply(name, socket.id))
			nsp.add(socket)
		}
	})
}

// send encodes one packet for this client alone.
func (c *client) send(p Packet) {
	frames, err := p.encode()
	if err != nil {
		log.Printf("socket.io: cannot encode %v packet: %v", p.Type, err)
		return
	}
	c.conn.send(frames...)
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
	stopTimer(c.connectTimer)
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
	nsp.adapter = &Adapter{nsp: nsp, rooms: map[Room]map[SocketID]bool{}, sids: map[SocketID]map[Room]bool{}}
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

// Namespace is a channel of its own on every connection: "/" or "/custom".
type Namespace struct {
	name    string
	server  *Server
	adapter *Adapter     // Namespace.adapter: rooms of this namespace
	ids     atomic.Int64 // Namespace.ids (_ids in socket.io 4): ack ids given by Emit so far

	mu                 sync.Mutex           // protects the fields below
	sockets            map[SocketID]*Socket // Namespace.sockets: the tutorial's io.sockets.sockets
	fns                []Middleware         // Namespace.fns (_fns in socket.io 4): what io.use(fn) registered
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
	if len(fns) == 0 {
		done(nil) // at once, a frame less on the reader's stack
		return
	}
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

// add registers a connected socket, puts it in its own id's room and runs
// the connection handlers. It registers under the socket's lock, so a racing
// disconnect comes first (add does nothing) or finds it and removes it.
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

// call runs the socket's handlers of one event, outside its lock: On only
// appends, so the entries of the list it copies stay as they are.
func (s *Socket) call(event string, args []any, ack AckFunc) {
	s.mu.Lock()
	listeners := s.listeners
	s.mu.Unlock()
	for _, l := range listeners {
		if l.event == event {
			l.fn(args, ack)
		}
	}
}

func newSocket(nsp *Namespace, c *client, id SocketID, auth map[string]any) *Socket {
	handshake := c.conn.request // a copy, given this CONNECT's auth
	handshake.Auth = auth
	return &Socket{id: id, nsp: nsp, client: c, handshake: handshake, connected: true, acks: map[int]AckFunc{}}
}

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
			p.ID = int(s.nsp.ids.Add(1) - 1) // ack ids count per namespace, as in socket.io
			s.mu.Lock()
			s.acks[p.ID] = ack
			s.mu.Unlock()
		}
	}
	p.Data = append(append(make([]any, 0, 1+len(args)), event), args...) // one allocation
	frames, err := p.encode()
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
	var ack AckFunc
	if p.ID != noAck {
		var answered atomic.Bool
		ack = func(res ...any) {
			if answered.CompareAndSwap(false, true) { // only the first call answers
				s.client.send(Packet{Type: Ack, Nsp: s.nsp.name, ID: p.ID, Data: res})
			}
		}
	}
	s.call(eventName(args[0]), args[1:], ack)
}

// eventName is the name an EVENT's first element gives: a number, which
// checkPayload lets through, names the event as in JavaScript (1 is "1").
func eventName(v any) string {
	if name, ok := v.(string); ok {
		return name
	}
	js, _ := json.Marshal(v)
	return string(js)
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
	s.call("disconnect", []any{reason}, nil)
}

// === Adapter: socket registry and rooms =====================================

// Room is a named group of sockets in a namespace. Every socket is in the
// room named by its own id, which is how socket.to(id) reaches one socket.
type Room string

// Adapter keeps the rooms of one namespace, in both directions, as
// socket.io's in-memory adapter does. Other adapters (Redis, …) replace this
// type to broadcast across several servers. Its maps are under its
// namespace's lock, which may be taken while a socket's lock is held (Join,
// Namespace.add), never the other way round.
type Adapter struct {
	nsp   *Namespace                 // nsp.mu protects rooms and sids too
	rooms map[Room]map[SocketID]bool // Adapter.rooms: room → sockets in it
	sids  map[SocketID]map[Room]bool // Adapter.sids: socket → rooms it is in
}

// addAll puts a socket in rooms.
func (a *Adapter) addAll(id SocketID, rooms []Room) {
	a.nsp.mu.Lock()
	defer a.nsp.mu.Unlock()
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
	a.nsp.mu.Lock()
	defer a.nsp.mu.Unlock()
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
	a.nsp.mu.Lock()
	defer a.nsp.mu.Unlock()
	for room := range a.sids[id] {
		a.delLocked(id, room)
	}
	delete(a.sids, id)
}

// socketRooms lists a socket's rooms, sorted.
func (a *Adapter) socketRooms(id SocketID) []string {
	a.nsp.mu.Lock()
	defer a.nsp.mu.Unlock()
	out := make([]string, 0, len(a.sids[id]))
	for room := range a.sids[id] {
		out = append(out, string(room))
	}
	sort.Strings(out)
	return out
}

// receivers chooses who gets a broadcast (the adapter's opts.rooms and
// opts.except): the sockets in any of rooms, or all if rooms is empty, less
// those in any of except. The sockets are copied out under the lock, and
// the sending happens after it, so a slow client holds up no one.
func (a *Adapter) receivers(rooms, except []Room) []*Socket {
	a.nsp.mu.Lock()
	defer a.nsp.mu.Unlock()
	var seen map[SocketID]bool // a socket in two of the rooms gets the packet once
	if len(rooms) > 1 {
		seen = map[SocketID]bool{}
	}
	var sockets []*Socket
	add := func(id SocketID) {
		for _, room := range except {
			if a.sids[id][room] {
				return
			}
		}
		if seen[id] {
			return
		}
		if seen != nil {
			seen[id] = true
		}
		if s := a.nsp.sockets[id]; s != nil { // nil before Namespace.add: a middleware may join rooms
			sockets = append(sockets, s)
		}
	}
	if len(rooms) == 0 {
		for id := range a.sids {
			add(id)
		}
	}
	for _, room := range rooms {
		for id := range a.rooms[room] {
			add(id)
		}
	}
	return sockets
}

// broadcast sends a packet to the chosen sockets. It is encoded once; every
// receiver gets the same frames.
func (a *Adapter) broadcast(p Packet, rooms, except []Room) error {
	frames, err := p.encode()
	if err != nil {
		return err
	}
	for _, s := range a.receivers(rooms, except) {
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
	p := Packet{Type: Event, Nsp: b.nsp.name, ID: noAck, Data: append(append(make([]any, 0, 1+len(args)), event), args...)}
	return b.nsp.adapter.broadcast(p, b.rooms, b.except)
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

// requireToken lets in only a client that shows the token: a 4.x client
// with io("/private", {auth: {token: "letmein"}}), a 2.x one (no auth) with
// {query: {token: "letmein"}}, which it sends as 40/private?token=letmein,
// and queryAuth turns into auth. The others get CONNECT_ERROR saying what to send.
func requireToken(socket *Socket, next func(error)) {
	if socket.handshake.Auth["token"] == "letmein" {
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

// Node's console.log(io) walks the server's objects with util.inspect; this
// section prints our structures the same way, as -print chooses: 2 for
// socket.io 2.2 on Node 8 (the tutorial's), 4 for socket.io 4.8 on Node 20
// (the server decides: 4.8 prints a 2.x client's socket in the 4.x shape).
// A printout holds as data what the generations print differently; each Go
// type lists its properties under their JavaScript names, copied under its
// own lock (jsFields); one renderer, inspect, lays the tree out. A property
// is printed only where our Go value means what the JavaScript one meant
// (walkthrough.md's appendix says why each other one is missing).

// printout is one generation: what a version of socket.io prints (the
// first four fields), laid out as the Node of its day lays it out (the
// others: util.inspect's layout, see fitsOneLine, and its markers).
type printout struct {
	shapes        map[string]string // per kind of object, the names it prints, in order; "js=go" when they differ
	parser        *sioProtocol      // io.parser: protocol 4 in socket.io 2, protocol 5 in socket.io 4
	collections   bool              // sockets, rooms and acks are Maps and Sets (socket.io 4), not objects
	eventsAlways  bool              // _events is there from the start (socket.io 4), not from the first listener
	indent        int               // spaces a level: Node 20's 2; for Node 8 the tutorial's 4, its author's layout
	breakLength   int               // the width an object on one line must fit in
	perEntry      int               // columns counted for each entry's separator
	countsIndent  bool              // the indentation and the opening brace count too
	classMarkers  bool              // below depth 2, an object shows its class, [Namespace], not [Object]
	numberedRefs  bool              // a reference back is [Circular *1], its target marked <ref *1>, not [Circular]
	nullPrototype string            // what an object without a prototype, such as _events, starts with
	anonymous     string            // a function without a name
	pickQuotes    bool              // a string with ' in it goes in " or ` instead (and \x7F–\x9F are escaped)
	escapeControl string            // how a control character without a short name (\n) is escaped
	utc           string            // the name of the UTC time zone in a date
}

// printouts are the two generations, by the number -print takes.
var printouts = map[int]*printout{
	2: {
		shapes: map[string]string{
			"io":        "nsps _path _serveClient parser sockets eio engine",
			"parser":    "protocol types CONNECT DISCONNECT EVENT ACK ERROR BINARY_EVENT BINARY_ACK",
			"namespace": "name server sockets connected fns ids adapter _events _eventsCount",
			"adapter":   "nsp rooms sids",
			"socket":    "nsp server adapter id client conn rooms acks connected disconnected handshake _events _eventsCount",
			"handshake": "headers time address xdomain secure issued url query",
			"client":    "server conn decoder id request sockets nsps",
			"engine":    "clients clientsCount pingTimeout pingInterval upgradeTimeout maxHttpBufferSize transports allowUpgrades cookie perMessageDeflate _events _eventsCount",
			"session":   "id server upgrading upgraded readyState writeBuffer request remoteAddress pingTimeoutTimer transport _events _eventsCount",
		},
		parser: sioV4, indent: 4, breakLength: 60, perEntry: 1,
		anonymous: "[Function]", escapeControl: `\u%04x`, utc: "UTC",
	},
	4: {
		shapes: map[string]string{
			"io":          "_nsps=nsps _path _connectTimeout _serveClient _parser=parser opts sockets eio engine",
			"parser":      "protocol PacketType",
			"namespace":   "_events _eventsCount sockets _fns=fns _ids=ids server name adapter",
			"adapter":     "nsp rooms sids",
			"socket":      "_events _eventsCount nsp client recovered connected acks server adapter id handshake",
			"handshake":   "headers time address xdomain secure issued url query auth",
			"client":      "sockets nsps server conn decoder id",
			"engine":      "_events _eventsCount clients clientsCount opts",
			"engine.opts": "pingTimeout pingInterval upgradeTimeout maxHttpBufferSize transports allowUpgrades cors allowEIO3",
			"session":     "_events _eventsCount _readyState=readyState upgrading upgraded writeBuffer pingTimeoutTimer pingIntervalTimer id server request protocol remoteAddress transport",
		},
		parser: sioV5, collections: true, eventsAlways: true,
		indent: 2, breakLength: 80, perEntry: 2, countsIndent: true,
		classMarkers: true, numberedRefs: true, anonymous: "[Function (anonymous)]",
		nullPrototype: "[Object: null prototype] ", pickQuotes: true,
		escapeControl: `\x%02X`, utc: "Coordinated Universal Time",
	},
}

// pick orders fields as this generation prints that kind of object, and
// leaves out the rest.
func (p *printout) pick(kind string, fields []jsField) []jsField {
	var out []jsField
	for _, name := range strings.Fields(p.shapes[kind]) {
		js, goName, _ := strings.Cut(name, "=")
		for _, f := range fields {
			if f.name == goName || goName == "" && f.name == js {
				out = append(out, jsField{js, f.value})
			}
		}
	}
	return out
}

// inspectServer is console.log(io), printed as generation print (2 or 4).
func inspectServer(io *Server, print int) string { return inspect(io, printouts[print]) }

// inspectSockets is console.log(io.sockets.sockets): the sockets of the
// main namespace, by id.
func inspectSockets(io *Server, print int) string {
	return inspect(socketMap{io.sockets, "sockets"}, printouts[print])
}

// maxPrintedSockets bounds what main prints when a socket connects. Every
// connection prints every socket, so n tabs would cost n² socket printouts.
const maxPrintedSockets = 8

// connectionPrintout is the tutorial's console.log('io.sockets.sockets: ',
// io.sockets.sockets), or past maxPrintedSockets a line that counts them.
func connectionPrintout(io *Server, print int) string {
	io.sockets.mu.Lock()
	n := len(io.sockets.sockets)
	io.sockets.mu.Unlock()
	if n > maxPrintedSockets {
		return fmt.Sprintf("io.sockets.sockets: %d sockets (GET /inspect prints them all)", n)
	}
	return "io.sockets.sockets:  " + inspectSockets(io, print)
}

// jsField is one property: its JavaScript name and its value.
type jsField struct {
	name  string
	value any
}

// jsInspectable is an object as console.log sees it. Implementations are
// pointers (or structs holding one), so two references to the same Go object
// compare equal: that is how the renderer recognizes a circular reference.
type jsInspectable interface {
	jsFields(p *printout) (class string, fields []jsField) // "Namespace" prints Namespace { … }, "" a plain { … }; fields read now
}

// jsObject is an object made on the spot: the parser, a handshake, a packet.
type jsObject struct {
	class      string
	fields     []jsField
	numberKeys bool // a Map whose keys are numbers, such as socket.acks
}

func (o *jsObject) jsFields(*printout) (string, []jsField) { return o.class, o.fields }

// nullPrototype is the class of Object.create(null), as Node's _events.
const nullPrototype = "Object: null prototype"

// --- What each object shows -------------------------------------------------

func (io *Server) jsFields(p *printout) (string, []jsField) {
	io.mu.Lock()
	defer io.mu.Unlock()
	return "Server", p.pick("io", []jsField{
		{"nsps", &jsObject{class: "Map", fields: sortedFields(io.nsps)}},
		{"_path", io.path},
		{"_connectTimeout", io.eio.cfg.connectTimeout.Milliseconds()},
		{"_serveClient", io.serveClient},
		{"parser", parserObject(p)},
		{"opts", &jsObject{fields: []jsField{{"allowEIO3", true}}}}, // 2.x clients are always welcome
		{"sockets", io.sockets},
		{"eio", io.eio},
		{"engine", io.eio}, // socket.io keeps the Engine.IO server under both names
	})
}

// parserObject is io.parser: its protocol and packet types, in protocol 4 a
// types list naming 4 ERROR, in 5 a TypeScript enum (PacketType) both ways.
func parserObject(p *printout) *jsObject {
	var types []string
	enum, constants := &jsObject{}, []jsField{}
	for t := Connect; t <= BinaryAck; t++ {
		name := t.String()
		if p.parser.protocol == 4 {
			name = packetTypeNames[t]
		}
		types = append(types, name)
		enum.fields = append(enum.fields, jsField{strconv.Itoa(int(t)), name})
		constants = append(constants, jsField{name, t})
	}
	enum.fields = append(enum.fields, constants...)
	fields := []jsField{{"protocol", p.parser.protocol}, {"types", types}, {"PacketType", enum}}
	return &jsObject{fields: p.pick("parser", append(fields, constants...))}
}

func (n *Namespace) jsFields(p *printout) (string, []jsField) {
	n.mu.Lock()
	defer n.mu.Unlock()
	listeners := make([]jsField, len(n.connectionHandlers))
	for i, fn := range n.connectionHandlers {
		listeners[i] = jsField{"connection", fn}
	}
	return "Namespace", p.pick("namespace", append([]jsField{
		{"name", n.name},
		{"server", n.server},
		{"sockets", socketMap{n, "sockets"}},
		{"connected", socketMap{n, "connected"}},
		{"fns", append([]Middleware{}, n.fns...)},
		{"ids", n.ids.Load()},
		{"adapter", n.adapter},
	}, p.eventFields(listeners...)...))
}

// socketMap is a namespace's sockets by id: nsp.sockets, and in socket.io 2
// also nsp.connected, the sockets that finished connecting, which Go's one
// map is as well. Two names, two objects: only one is [Circular].
type socketMap struct {
	nsp  *Namespace
	name string // "sockets" or "connected"
}

func (m socketMap) jsFields(*printout) (string, []jsField) {
	return "Map", inConnectionOrder(&m.nsp.mu, m.nsp.sockets, func(s *Socket) time.Time { return s.handshake.Time })
}

func (a *Adapter) jsFields(p *printout) (string, []jsField) {
	a.nsp.mu.Lock()
	defer a.nsp.mu.Unlock()
	return "Adapter", p.pick("adapter", []jsField{{"nsp", a.nsp}, {"rooms", mapOfSets(a.rooms)}, {"sids", mapOfSets(a.sids)}})
}

// mapOfSets is Adapter.rooms or Adapter.sids: a Map of Sets in socket.io 4,
// in 2 an object of { member: true } (a Room { sockets, length }, unseen at depth 2).
func mapOfSets[K, M ~string](m map[K]map[M]bool) *jsObject {
	o := &jsObject{class: "Map", fields: sortedFields(m)}
	for i, f := range o.fields {
		o.fields[i].value = &jsObject{class: "Set", fields: sortedFields(f.value.(map[M]bool))}
	}
	return o
}

func (s *Socket) jsFields(p *printout) (string, []jsField) {
	// socket.io 2's socket.rooms is an object of room → room. (In socket.io
	// 4 it is a getter, which console.log does not show.)
	rooms := &jsObject{}
	for _, room := range s.nsp.adapter.socketRooms(s.id) { // the namespace's lock, released before s.mu
		rooms.fields = append(rooms.fields, jsField{room, room})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	listeners := make([]jsField, len(s.listeners))
	for i, l := range s.listeners {
		listeners[i] = jsField{l.event, l.fn}
	}
	return "Socket", p.pick("socket", append([]jsField{
		{"nsp", s.nsp},
		{"server", s.nsp.server},
		{"adapter", s.nsp.adapter},
		{"id", s.id},
		{"client", s.client},
		{"conn", s.client.conn},
		{"rooms", rooms},
		{"acks", &jsObject{class: "Map", numberKeys: true, fields: sortedFields(s.acks)}},
		{"recovered", false}, // this server never restores a lost connection's state
		{"connected", s.connected},
		{"disconnected", !s.connected},
		{"handshake", s.handshake.inspectObject(p)},
	}, p.eventFields(listeners...)...))
}

// inspectObject is socket.handshake: time as new Date().toString() writes
// it, issued the same moment in ms since 1970. (Go knows time zones by
// abbreviation only, so only UTC gets Node 20's long name.)
func (h Handshake) inspectObject(p *printout) *jsObject {
	time := h.Time.Format("Mon Jan 02 2006 15:04:05 GMT-0700 (MST)")
	return &jsObject{fields: p.pick("handshake", []jsField{
		{"headers", headersObject(h.Headers)},
		{"time", strings.Replace(time, "(UTC)", "("+p.utc+")", 1)},
		{"address", hostOnly(h.Address)},
		{"xdomain", h.XDomain},
		{"secure", h.Secure},
		{"issued", h.Time.UnixMilli()},
		{"url", h.URL},
		{"query", queryObject(h.Query)},
		{"auth", h.Auth},
	})}
}

func (c *client) jsFields(p *printout) (string, []jsField) {
	c.mu.Lock()
	defer c.mu.Unlock()
	nsps, sockets := &jsObject{class: "Map", fields: sortedFields(c.nsps)}, &jsObject{class: "Map"}
	for _, f := range nsps.fields { // Client.sockets: the same sockets, by id
		sockets.fields = append(sockets.fields, jsField{string(f.value.(*Socket).id), f.value})
	}
	return "Client", p.pick("client", []jsField{
		{"server", c.server},
		{"conn", c.conn},
		{"decoder", c.decoder.inspectObject()},
		{"id", c.conn.sid},
		{"request", requestObject(c.conn.request)},
		{"sockets", sockets},
		{"nsps", nsps},
	})
}

// inspectObject is Client.decoder: while a binary packet waits for its
// attachments, socket.io-parser keeps it in a BinaryReconstructor, with
// the buffers so far. The caller holds the client's lock.
func (d *decoder) inspectObject() *jsObject {
	var reconstructor any // null
	if p := d.pending; p != nil {
		pack := []jsField{{"type", p.Type}, {"attachments", d.want}, {"nsp", p.Nsp}, {"id", p.ID}}
		if p.ID == noAck {
			pack = pack[:3] // no ack asked for, no id
		}
		reconstructor = &jsObject{class: "BinaryReconstructor", fields: []jsField{
			{"reconPack", &jsObject{fields: pack}}, {"buffers", append([][]byte{}, d.attachments...)}}}
	}
	return &jsObject{class: "Decoder", fields: []jsField{{"reconstructor", reconstructor}}}
}

func (srv *eioServer) jsFields(p *printout) (string, []jsField) {
	clients := inConnectionOrder(&srv.mu, srv.clients, func(s *eioSocket) time.Time { return s.request.Time })
	var cors any = false // without -cors-origin no Access-Control headers are sent
	if srv.cfg.corsOrigin != "" {
		cors = &jsObject{fields: []jsField{{"origin", srv.cfg.corsOrigin}, {"credentials", true}}}
	}
	// Some are fixed in code, not options; TestInspectFixedFacts holds them
	// to what ServeHTTP does.
	options := []jsField{
		{"pingTimeout", srv.cfg.pingTimeout.Milliseconds()},
		{"pingInterval", srv.cfg.pingInterval.Milliseconds()},
		{"upgradeTimeout", srv.cfg.upgradeTimeout.Milliseconds()},
		{"maxHttpBufferSize", srv.cfg.maxPayload},
		{"transports", []string{"polling", "websocket"}},
		{"allowUpgrades", true}, // a polling session may always upgrade
		{"cookie", false},       // no cookie is ever set
		{"perMessageDeflate", srv.upgrader.EnableCompression},
		{"cors", cors},
		{"allowEIO3", true}, // v3 sessions are always accepted
	}
	// engine.io 3 kept its options on the server itself, engine.io 6 in opts.
	fields := append([]jsField{
		{"clients", &jsObject{fields: clients}}, // a plain object in every engine.io
		{"clientsCount", len(clients)},
		{"opts", &jsObject{fields: p.pick("engine.opts", options)}},
	}, options...)
	return "Server", p.pick("engine", append(fields, p.eventFields(jsField{"connection", srv.onConnection})...))
}

func (s *eioSocket) jsFields(p *printout) (string, []jsField) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeBuffer := make([]*jsObject, len(s.writeBuffer))
	for i, packet := range s.writeBuffer {
		writeBuffer[i] = packetObject(packet)
	}
	class := map[string]string{"polling": "Polling", "websocket": "WebSocket"}[s.transport]
	return "Socket", p.pick("session", append([]jsField{
		{"id", s.sid},
		{"server", s.server},
		{"readyState", s.readyState},
		{"upgrading", s.upgrading},
		{"upgraded", s.transport == "websocket" && s.request.Query.Get("transport") == "polling"},
		{"writeBuffer", writeBuffer},
		{"request", requestObject(s.request)},
		{"protocol", s.version.protocol},
		{"remoteAddress", hostOnly(s.request.Address)},
		{"pingTimeoutTimer", s.pingTimeoutTimer},
		{"pingIntervalTimer", s.pingIntervalTimer},
		{"transport", &jsObject{class: class, fields: []jsField{{"name", s.transport}}}},
	}, p.eventFields( // the Client's listeners: onClose and onMessage (Client.ondata)
		jsField{"close", s.onClose}, jsField{"data", s.onMessage})...))
}

// packetObject is a queued Engine.IO packet as engine.io keeps it, less
// its options ({ compress: true }; nothing is compressed here):
// { type: 'message', data: '2["chat","hi"]' }.
func packetObject(p eioPacket) *jsObject {
	var data any = string(p.data)
	if p.binary {
		data = p.data // a Buffer
	}
	o := &jsObject{fields: []jsField{{"type", eioPacketNames[p.typ-eioOpen]}, {"data", data}}}
	if len(p.data) == 0 {
		o.fields = o.fields[:1] // engine.io leaves out an empty data
	}
	return o
}

// requestObject is the handshake request, Node's IncomingMessage, with the
// two of its properties that we keep. (Its address is remoteAddress.)
func requestObject(r Handshake) *jsObject {
	return &jsObject{class: "IncomingMessage", fields: []jsField{{"headers", headersObject(r.Headers)}, {"url", r.URL}}}
}

// headersObject is Node's request.headers: names in lower case, repeated
// headers joined by ", ".
func headersObject(h http.Header) *jsObject {
	o := &jsObject{fields: sortedFields(h)}
	for i, f := range o.fields {
		o.fields[i] = jsField{strings.ToLower(f.name), strings.Join(f.value.([]string), ", ")}
	}
	return o
}

// queryObject is the parsed query string: a repeated key has an array.
func queryObject(q url.Values) *jsObject {
	o := &jsObject{fields: sortedFields(q)}
	for i, f := range o.fields {
		if values := f.value.([]string); len(values) == 1 {
			o.fields[i].value = values[0]
		}
	}
	return o
}

// hostOnly drops the port from Go's RemoteAddr: Node's remoteAddress is the
// address alone.
func hostOnly(address string) string {
	if host, _, err := net.SplitHostPort(address); err == nil {
		return host
	}
	return address
}

// eventFields are Node's EventEmitter bookkeeping: _events holds each event's
// listener (an array when several), in the order first listened to, and
// _eventsCount counts the events. A nil func is not listening.
func (p *printout) eventFields(listeners ...jsField) []jsField {
	var names []string
	fns := map[string][]any{}
	for _, l := range listeners {
		if reflect.ValueOf(l.value).IsNil() {
			continue // nobody listens
		}
		if fns[l.name] == nil {
			names = append(names, l.name)
		}
		fns[l.name] = append(fns[l.name], l.value)
	}
	if len(names) == 0 && !p.eventsAlways {
		return nil // socket.io 2's objects grew _events with their first listener
	}
	events := &jsObject{class: nullPrototype}
	for _, name := range names {
		var value any = fns[name] // several listeners: an array
		if len(fns[name]) == 1 {
			value = fns[name][0]
		}
		events.fields = append(events.fields, jsField{name, value})
	}
	return []jsField{{"_events", events}, {"_eventsCount", len(names)}}
}

// sortedFields is a Go map as properties, keys in order: Go maps have
// none, and a printout that changes from run to run cannot be compared.
func sortedFields[K ~string | ~int, V any](m map[K]V) []jsField {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	fields := make([]jsField, len(keys))
	for i, k := range keys {
		fields[i] = jsField{fmt.Sprint(k), m[k]}
	}
	return fields
}

// inConnectionOrder copies a map of sessions or sockets, under its lock, in
// the order a JavaScript object or Map keeps them: the order they connected.
func inConnectionOrder[K ~string, V any](mu *sync.Mutex, m map[K]V, connectedAt func(V) time.Time) []jsField {
	mu.Lock()
	fields := sortedFields(m) // by id, for those that connected at the same moment
	mu.Unlock()
	sort.SliceStable(fields, func(i, j int) bool {
		return connectedAt(fields[i].value.(V)).Before(connectedAt(fields[j].value.(V)))
	})
	return fields
}

// --- The renderer: util.inspect --------------------------------------------

const (
	inspectDepth    = 2   // util.inspect's default depth: deeper objects collapse to a marker
	inspectMaxItems = 100 // util.inspect's maxArrayLength, for arrays, Maps and Sets
)

// inspect renders v as console.log(v) prints it in generation p.
func inspect(v any, p *printout) string {
	r := renderer{p: p, refs: map[jsInspectable]int{}}
	return r.render(v, 0, 0)
}

// renderer holds what util.inspect remembers while it walks: the objects
// being printed around the current one, and in Node 20 the number each
// object that a circular reference points to got.
type renderer struct {
	p         *printout
	ancestors []jsInspectable
	refs      map[jsInspectable]int
}

// render lays out v, which is depth levels deep, on a line indented by
// indent spaces.
func (r *renderer) render(v any, depth, indent int) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case jsInspectable:
		return r.object(x, depth, indent)
	case *time.Timer: // Node's Timeout: internals only, so it always shows collapsed
		if x == nil {
			return "null"
		}
		_, _, marker := r.p.braces("Timeout", 0)
		return marker
	case []byte: // a Buffer (never above the depth limit, so never cut after 50 bytes)
		return fmt.Sprintf("<Buffer % x>", x)
	case float64: // from a client's JSON: encoding/json writes it as JavaScript does
		js, _ := json.Marshal(x)
		return string(js)
	case map[string]any: // a client's JSON object, such as handshake.auth
		return r.object(&jsObject{fields: sortedFields(x)}, depth, indent)
	}
	// Named Go types of strings, numbers and booleans (SocketID,
	// PacketType, …), funcs and slices.
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return r.p.quote(rv.String())
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Func:
		return r.p.function(rv)
	case reflect.Slice: // an array, as an object of its items
		items := &jsObject{class: "Array", fields: make([]jsField, rv.Len())}
		for i := range items.fields {
			items.fields[i].value = rv.Index(i).Interface()
		}
		return r.object(items, depth, indent)
	}
	return "[" + rv.Type().String() + "]" // a Go value with no JavaScript shape: a bug in a mapping
}

// object prints Class { key: value, … }, an array as [ value, … ], a Map as
// Map(1) { 'key' => value } and a Set as Set(1) { 'value' }. A reference
// back to an ancestor is circular; below the depth limit an object
// collapses to a marker unless it is empty (a class instance never is).
func (r *renderer) object(o jsInspectable, depth, indent int) string {
	for _, a := range r.ancestors {
		if a == o {
			return r.circular(o)
		}
	}
	class, fields := o.jsFields(r.p)
	// socket.io 2 kept in plain objects what socket.io 4 keeps in Maps and
	// Sets, and Node 8 did not mark an object without a prototype.
	if (class == "Map" || class == "Set") && !r.p.collections || class == nullPrototype && r.p.nullPrototype == "" {
		class = ""
	}
	list := class == "Array" || class == "Map" || class == "Set"
	open, close, marker := r.p.braces(class, len(fields))
	switch {
	case depth > inspectDepth && class != "" && class != nullPrototype && !list:
		return marker
	case len(fields) == 0:
		return open + close
	case depth > inspectDepth:
		return marker
	}
	r.ancestors = append(r.ancestors, o)
	entries := r.entries(o, class, fields, depth+1, indent+r.p.indent)
	r.ancestors = r.ancestors[:len(r.ancestors)-1]
	start := indent + len(open)
	if n := r.refs[o]; n > 0 { // Node 20 marks the object that a [Circular *n] points to
		ref := "<ref *" + strconv.Itoa(n) + ">"
		open, start = ref+" "+open, start+len(ref)
	}
	if r.p.fitsOneLine(open, entries, start) {
		return open + " " + strings.Join(entries, ", ") + " " + close
	}
	pad := "\n" + strings.Repeat(" ", indent+r.p.indent) // one entry a line, the brace on its own
	return open + pad + strings.Join(entries, ","+pad) + "\n" + strings.Repeat(" ", indent) + close
}

// entries renders an object's properties, an array's items, a Map's
// entries or a Set's values; of the last three, no more than
// inspectMaxItems.
func (r *renderer) entries(o jsInspectable, class string, fields []jsField, depth, indent int) []string {
	jo, _ := o.(*jsObject)
	var entries []string
	for i, f := range fields {
		if i == inspectMaxItems && (class == "Array" || class == "Map" || class == "Set") {
			more := fmt.Sprintf("... %d more items", len(fields)-i)
			return append(entries, strings.Replace(more, " 1 more items", " 1 more item", 1))
		}
		switch value := func() string { return r.render(f.value, depth, indent) }; {
		case class == "Array":
			entries = append(entries, value())
		case class == "Set":
			entries = append(entries, r.p.quote(f.name))
		case class == "Map" && jo != nil && jo.numberKeys:
			entries = append(entries, f.name+" => "+value())
		case class == "Map":
			entries = append(entries, r.p.quote(f.name)+" => "+value())
		default:
			entries = append(entries, r.p.key(f.name)+": "+value())
		}
	}
	return entries
}

// circular is the marker of a reference back to an object being printed.
func (r *renderer) circular(o jsInspectable) string {
	if !r.p.numberedRefs {
		return "[Circular]"
	}
	if r.refs[o] == 0 {
		r.refs[o] = len(r.refs) + 1
	}
	return "[Circular *" + strconv.Itoa(r.refs[o]) + "]"
}

// fitsOneLine is util.inspect's rule for an object on one line (neither
// Node counts the key in front). Node 8 adds up the entries and a column a
// separator, against 60, and writes the first entry beside a bare { or [
// even when the others break, so a lone entry stays on its line. Node 20
// counts two columns a separator, the indentation, the opening brace with
// any <ref *n>, and 10 more, against 80. Lengths are UTF-16 units; an entry
// that spans lines spans the object. (Node 20 sets an array of more than six
// items out in columns; no array this server prints is that long.)
func (p *printout) fitsOneLine(open string, entries []string, start int) bool {
	width := p.perEntry * len(entries)
	if p.countsIndent {
		width += start + 10
	}
	for _, e := range entries {
		if strings.Contains(e, "\n") {
			return false
		}
		width += utf16Len([]byte(e))
	}
	return width <= p.breakLength || !p.countsIndent && len(entries) == 1 && len(open) == 1
}

// braces are how an object of a class opens and closes, and its marker
// below the depth limit: Socket { } and [Socket] (in Node 8 [Object]),
// Map(2) { }, [ ] and [Array], { } and [Object].
func (p *printout) braces(class string, size int) (open, close, marker string) {
	marker = "[Object]"
	if p.classMarkers && class != "" {
		marker = "[" + class + "]"
	}
	switch class {
	case "":
		return "{", "}", marker
	case "Array":
		return "[", "]", "[Array]"
	case "Map", "Set":
		return class + "(" + strconv.Itoa(size) + ") {", "}", marker
	case nullPrototype:
		return p.nullPrototype + "{", "}", marker
	}
	return class + " {", "}", marker
}

// function names a Go func the way Node names a function: a method value
// such as c.onMessage is [Function: bound onMessage], a top-level func keeps
// its name, a closure is anonymous, and a nil func is null.
func (p *printout) function(fn reflect.Value) string {
	if fn.IsNil() {
		return "null"
	}
	name := runtime.FuncForPC(fn.Pointer()).Name() // main.(*client).onMessage-fm, main.NewServer.func1, main.echoEngine
	name = name[strings.LastIndexByte(name, '.')+1:]
	if method, ok := strings.CutSuffix(name, "-fm"); ok {
		return "[Function: bound " + method + "]"
	}
	if _, err := strconv.Atoi(strings.TrimPrefix(name, "func")); err == nil || name == "" {
		return p.anonymous // func1, or 1 for a closure within a closure
	}
	return "[Function: " + name + "]"
}

// key prints a property name: bare when it is an identifier, quoted
// otherwise. The tutorial's socket ids show both: riIk7xPKPqrcmqVUAAAA and
// 'hCF0R-0W6qrBcIn1AAAB'.
func (p *printout) key(name string) string {
	for i, c := range name {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return p.quote(name)
		}
	}
	if name == "" {
		return p.quote(name)
	}
	return name
}

// quote writes a string as util.inspect does: in single quotes, with the
// quote, the backslash and control characters escaped. Node 20 picks double
// quotes, then backquotes, rather than escape a quote.
func (p *printout) quote(s string) string {
	quote := '\''
	if p.pickQuotes && strings.ContainsRune(s, '\'') {
		if !strings.ContainsRune(s, '"') {
			quote = '"'
		} else if !strings.ContainsRune(s, '`') && !strings.Contains(s, "${") {
			quote = '`'
		}
	}
	var b strings.Builder
	b.WriteRune(quote)
	for _, c := range s {
		switch short := strings.IndexRune("\b\t\n\f\r", c); {
		case c == quote || c == '\\':
			b.WriteString(`\` + string(c))
		case short >= 0:
			b.WriteString(`\` + "btnfr"[short:short+1])
		case c < 0x20 || p.pickQuotes && c >= 0x7f && c <= 0x9f:
			fmt.Fprintf(&b, p.escapeControl, c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteRune(quote)
	return b.String()
}

// === Wire tracer ============================================================

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

// explainPacket explains the Socket.IO packet inside an Engine.IO message.
func explainPacket(s string) []string {
	p, attachments, err := parsePacket([]byte(s))
	if err != nil {
		return []string{"not a valid Socket.IO packet"}
	}
	name := strings.ToLower(strings.ReplaceAll(p.Type.String(), "_", " ")) // BINARY_EVENT: binary event
	parts := []string{fmt.Sprintf("Socket.IO %d %s", p.Type, name)}
	if attachments == 1 {
		parts = append(parts, "1 attachment")
	} else if attachments > 1 {
		parts = append(parts, fmt.Sprintf("%d attachments", attachments))
	}
	parts = append(parts, "namespace "+p.Nsp)
	if p.ID != noAck {
		parts = append(parts, fmt.Sprintf("ack id %d", p.ID))
	}
	if args, ok := p.Data.([]any); ok && len(args) > 0 && (p.Type == Event || p.Type == BinaryEvent) {
		parts = append(parts, "event "+eventName(args[0]))
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
			logger.Printf("%s %s <%d bytes>   Engine.IO binary message", sid, arrow, len(p.data))
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
	mux.Handle(io.path+"/", io.eio)
	if io.serveClient { // the tutorial's _serveClient: true
		mux.HandleFunc(io.path+"/socket.io.js", func(w http.ResponseWriter, r *http.Request) {
			js, _ := fs.ReadFile(public, "socket.io.js")
			w.Header().Set("Content-Type", "application/javascript; charset=utf-8")
			_, _ = w.Write(js)
		})
	}
	mux.Handle("/engine.io/", engine)
	// /inspect prints io.sockets.sockets, or io with of=io, as the server's
	// -print has it or as print=2 or print=4 asks.
	mux.HandleFunc("/inspect", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		generation, of := io.eio.cfg.print, q.Get("of")
		if q.Has("print") {
			generation, _ = strconv.Atoi(q.Get("print"))
		}
		if printouts[generation] == nil || of != "" && of != "io" {
			http.Error(w, "/inspect takes print=2 (socket.io 2.2 on Node 8) or print=4 (socket.io 4.8 on Node 20), and of=io to print io", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if of == "io" {
			fmt.Fprintln(w, inspectServer(io, generation))
			return
		}
		fmt.Fprintln(w, inspectSockets(io, generation))
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
			fmt.Println(connectionPrintout(io, cfg.print))
			socket.On("disconnect", func(reason []any, _ AckFunc) { fmt.Println(socket.id, "disconnected:", reason[0]) })
		})
	}

	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.host, cfg.port))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Server listening at port %s\n", cfg.port)
	if !cfg.quiet {
		fmt.Println(inspectServer(io, cfg.print))
	}
	if err := serveUntilSignal(newHTTPServer(newMux(io, engine)), ln, io.eio, engine); err != nil {
		log.Fatal(err)
	}
}

// newHTTPServer sets the timeouts, none for writing: a long-poll GET is held
// open. ReadHeaderTimeout ends unfinished requests, IdleTimeout unused keep-alives.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second}
}

// serveUntilSignal serves until SIGINT (Ctrl-C) or SIGTERM, then stops
// accepting, closes every session (a held GET gets 1, a websocket 1 and a
// close frame) and waits up to 4 s for those last answers to leave.
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
