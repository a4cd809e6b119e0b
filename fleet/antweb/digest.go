package antweb

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// HTTP Digest access authentication (RFC 7616), the client's side and the
// few lines the simulator needs to check it. Stock Antminer firmware
// (lighttpd) challenges with realm "antMiner Configuration", qop "auth"
// and MD5; SHA-256 and SHA-512/256 and their -sess forms are read too.

// maxChallengeBytes bounds the WWW-Authenticate text parseChallenge reads.
const maxChallengeBytes = 4 << 10

// ErrChallenge is a WWW-Authenticate header this client cannot answer.
var ErrChallenge = errors.New("antweb: unusable digest challenge")

// challenge is one Digest challenge of a WWW-Authenticate header.
type challenge struct {
	realm, nonce, opaque string
	algorithm            string // as the server wrote it; "" is MD5
	qopAuth              bool   // qop lists "auth"
	qop                  bool   // a qop was given at all (RFC 2617 and later)
	stale                bool   // the nonce expired; the credentials were right
	userhash             bool
}

// hasher returns the hash of the challenge's algorithm and whether it is a
// -sess variant.
func (c *challenge) hasher() (func() hash.Hash, bool, error) {
	alg := strings.ToUpper(c.algorithm)
	sess := strings.HasSuffix(alg, "-SESS")
	switch strings.TrimSuffix(alg, "-SESS") {
	case "", "MD5":
		return md5.New, sess, nil
	case "SHA-256":
		return sha256.New, sess, nil
	case "SHA-512-256":
		return sha512.New512_256, sess, nil
	}
	return nil, false, fmt.Errorf("%w: algorithm %q", ErrChallenge, c.algorithm)
}

// parseChallenges finds the Digest challenge among the WWW-Authenticate
// headers of a 401 (several schemes may be offered, in one header or
// several) and prefers the strongest algorithm this client knows.
func parseChallenges(headers []string) (challenge, error) {
	var best challenge
	found, rank := false, -1
	var firstErr error
	for _, h := range headers {
		if len(h) > maxChallengeBytes {
			return challenge{}, fmt.Errorf("%w: header longer than %d bytes", ErrChallenge, maxChallengeBytes)
		}
		cs, err := parseHeader(h)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		for _, c := range cs {
			newHash, _, err := c.hasher()
			if err != nil || c.qop && !c.qopAuth || c.nonce == "" {
				if firstErr == nil {
					firstErr = fmt.Errorf("%w: algorithm %q, qop auth %v, nonce %v", ErrChallenge, c.algorithm, c.qopAuth || !c.qop, c.nonce != "")
				}
				continue
			}
			r := newHash().Size()
			if r > rank {
				best, found, rank = c, true, r
			}
		}
	}
	if !found {
		if firstErr == nil {
			firstErr = fmt.Errorf("%w: no Digest challenge", ErrChallenge)
		}
		return challenge{}, firstErr
	}
	return best, nil
}

// parseHeader reads one WWW-Authenticate value: challenges, each a scheme
// followed by comma-separated auth-params (token=token or
// token="quoted string"), as RFC 9110 section 11.6.1 writes them. Only
// Digest challenges are returned; other schemes are skipped.
func parseHeader(h string) ([]challenge, error) {
	var out []challenge
	var cur *challenge
	p := 0
	skip := func() { // separators, and the padding of a token68 ("abc==")
		for p < len(h) && (h[p] == ' ' || h[p] == '\t' || h[p] == ',' || h[p] == '=') {
			p++
		}
	}
	for {
		skip()
		if p >= len(h) {
			break
		}
		start := p
		for p < len(h) && isTokenByte(h[p]) {
			p++
		}
		if p == start {
			return nil, fmt.Errorf("%w: unexpected %q at byte %d", ErrChallenge, h[p], p)
		}
		name := h[start:p]
		q := p
		for q < len(h) && (h[q] == ' ' || h[q] == '\t') {
			q++
		}
		if q >= len(h) || h[q] != '=' {
			// A scheme name starts a new challenge.
			if strings.EqualFold(name, "Digest") {
				out = append(out, challenge{})
				cur = &out[len(out)-1]
			} else {
				cur = nil
			}
			p = q
			continue
		}
		// name=value
		p = q + 1
		for p < len(h) && (h[p] == ' ' || h[p] == '\t') {
			p++
		}
		var value string
		if p < len(h) && h[p] == '"' {
			var b strings.Builder
			p++
			closed := false
			for p < len(h) {
				c := h[p]
				if c == '\\' && p+1 < len(h) {
					b.WriteByte(h[p+1])
					p += 2
					continue
				}
				if c == '"' {
					p++
					closed = true
					break
				}
				b.WriteByte(c)
				p++
			}
			if !closed {
				return nil, fmt.Errorf("%w: unterminated quoted value of %s", ErrChallenge, name)
			}
			value = b.String()
		} else {
			vs := p
			for p < len(h) && isTokenByte(h[p]) {
				p++
			}
			value = h[vs:p]
		}
		if cur == nil {
			continue // a parameter of another scheme
		}
		switch strings.ToLower(name) {
		case "realm":
			cur.realm = value
		case "nonce":
			cur.nonce = value
		case "opaque":
			cur.opaque = value
		case "algorithm":
			cur.algorithm = value
		case "qop":
			cur.qop = true
			for o := range strings.SplitSeq(value, ",") {
				if strings.EqualFold(strings.TrimSpace(o), "auth") {
					cur.qopAuth = true
				}
			}
		case "stale":
			cur.stale = strings.EqualFold(value, "true")
		case "userhash":
			cur.userhash = strings.EqualFold(value, "true")
		}
	}
	return out, nil
}

// isTokenByte reports whether c may appear in an HTTP token (RFC 9110
// tchar), or in a token68 ('/', '=' excepted for the '=' of a parameter).
func isTokenByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~/", c) >= 0
}

// digestHex hashes parts joined with ':' and returns the hex digest.
func digestHex(newHash func() hash.Hash, parts ...string) string {
	h := newHash()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{':'})
		}
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// response computes the request-digest of RFC 7616 section 3.4.1.
func (c *challenge) response(method, uri, user, password, cnonce, nc string) (string, error) {
	newHash, sess, err := c.hasher()
	if err != nil {
		return "", err
	}
	ha1 := digestHex(newHash, user, c.realm, password)
	if sess {
		ha1 = digestHex(newHash, ha1, c.nonce, cnonce)
	}
	ha2 := digestHex(newHash, method, uri)
	if !c.qop {
		return digestHex(newHash, ha1, c.nonce, ha2), nil // RFC 2069
	}
	return digestHex(newHash, ha1, c.nonce, nc, cnonce, "auth", ha2), nil
}

// authorization writes the Authorization header that answers c for one
// request. nc counts the requests made with this nonce (from 1).
func (c *challenge) authorization(method, uri, user, password string, nc uint32) (string, error) {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	cnonce := hex.EncodeToString(raw[:])
	ncs := fmt.Sprintf("%08x", nc)
	resp, err := c.response(method, uri, user, password, cnonce, ncs)
	if err != nil {
		return "", err
	}
	name := user
	if c.userhash {
		newHash, _, _ := c.hasher()
		name = digestHex(newHash, user, c.realm)
	}
	var b strings.Builder
	b.WriteString("Digest username=")
	b.WriteString(quote(name))
	b.WriteString(", realm=")
	b.WriteString(quote(c.realm))
	b.WriteString(", nonce=")
	b.WriteString(quote(c.nonce))
	b.WriteString(", uri=")
	b.WriteString(quote(uri))
	if c.algorithm != "" {
		b.WriteString(", algorithm=")
		b.WriteString(c.algorithm)
	}
	b.WriteString(", response=")
	b.WriteString(quote(resp))
	if c.opaque != "" {
		b.WriteString(", opaque=")
		b.WriteString(quote(c.opaque))
	}
	if c.qop {
		b.WriteString(", qop=auth, nc=")
		b.WriteString(ncs)
		b.WriteString(", cnonce=")
		b.WriteString(quote(cnonce))
	}
	if c.userhash {
		b.WriteString(", userhash=true")
	}
	return b.String(), nil
}

// quote writes a quoted-string, escaping '"' and '\'.
func quote(s string) string {
	if !strings.ContainsAny(s, "\"\\") {
		return `"` + s + `"`
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// credentialsOf reads an Authorization header's Digest parameters (the
// simulator's side): the same grammar as a challenge's.
func credentialsOf(h string) (map[string]string, error) {
	rest, ok := strings.CutPrefix(h, "Digest ")
	if !ok {
		return nil, errors.New("antweb: not a Digest authorization")
	}
	out := map[string]string{}
	p := 0
	for p < len(rest) {
		for p < len(rest) && (rest[p] == ' ' || rest[p] == ',') {
			p++
		}
		start := p
		for p < len(rest) && isTokenByte(rest[p]) {
			p++
		}
		if p == start || p >= len(rest) || rest[p] != '=' {
			if p >= len(rest) && p == start {
				break
			}
			return nil, errors.New("antweb: malformed authorization")
		}
		name := strings.ToLower(rest[start:p])
		p++
		var value strings.Builder
		if p < len(rest) && rest[p] == '"' {
			p++
			for p < len(rest) && rest[p] != '"' {
				if rest[p] == '\\' && p+1 < len(rest) {
					p++
				}
				value.WriteByte(rest[p])
				p++
			}
			if p >= len(rest) {
				return nil, errors.New("antweb: unterminated quoted value")
			}
			p++
		} else {
			for p < len(rest) && isTokenByte(rest[p]) {
				value.WriteByte(rest[p])
				p++
			}
		}
		out[name] = value.String()
	}
	return out, nil
}

// parseNC reads an nc value (8 hex digits).
func parseNC(s string) (uint32, bool) {
	if len(s) != 8 {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 16, 32)
	return uint32(n), err == nil
}
