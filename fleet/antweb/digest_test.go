package antweb

import (
	"errors"
	"strings"
	"testing"
)

// TestDigestResponseRFCVectors: the request-digests of the worked examples
// of RFC 7616 section 3.9.1 (MD5 and SHA-256) and RFC 2617 section 3.5.
func TestDigestResponseRFCVectors(t *testing.T) {
	tests := []struct {
		name               string
		ch                 challenge
		user, pass, uri    string
		cnonce, nc, method string
		want               string
	}{
		{
			name: "RFC 7616 MD5",
			ch:   challenge{realm: "http-auth@example.org", nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", algorithm: "MD5", qop: true, qopAuth: true},
			user: "Mufasa", pass: "Circle of Life", uri: "/dir/index.html", method: "GET",
			cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", nc: "00000001",
			want: "8ca523f5e9506fed4657c9700eebdbec",
		},
		{
			name: "RFC 7616 SHA-256",
			ch:   challenge{realm: "http-auth@example.org", nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", algorithm: "SHA-256", qop: true, qopAuth: true},
			user: "Mufasa", pass: "Circle of Life", uri: "/dir/index.html", method: "GET",
			cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", nc: "00000001",
			want: "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
		},
		{
			name: "RFC 2617 MD5",
			ch:   challenge{realm: "testrealm@host.com", nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", qop: true, qopAuth: true},
			user: "Mufasa", pass: "Circle Of Life", uri: "/dir/index.html", method: "GET",
			cnonce: "0a4f113b", nc: "00000001",
			want: "6629fae49393a05397450978507c4ef1",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.ch.response(tc.method, tc.uri, tc.user, tc.pass, tc.cnonce, tc.nc)
			if err != nil || got != tc.want {
				t.Errorf("response(%s) = %q, %v; want %q", tc.name, got, err, tc.want)
			}
		})
	}
}

func TestParseChallenges(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		want    challenge
		wantErr bool
	}{
		{"lighttpd on an Antminer", []string{`Digest realm="antMiner Configuration", charset="UTF-8", nonce="5f1d3c7e:0bde8c1b2a", qop="auth", algorithm="MD5"`},
			challenge{realm: Realm, nonce: "5f1d3c7e:0bde8c1b2a", algorithm: "MD5", qop: true, qopAuth: true}, false},
		{"token values and opaque", []string{`Digest realm=x, nonce=abc, opaque="op aque", algorithm=SHA-256, qop="auth-int, auth", stale=TRUE`},
			challenge{realm: "x", nonce: "abc", opaque: "op aque", algorithm: "SHA-256", qop: true, qopAuth: true, stale: true}, false},
		{"escaped quote", []string{`Digest realm="a \"b\" c", nonce="n"`},
			challenge{realm: `a "b" c`, nonce: "n"}, false},
		{"after another scheme in one header", []string{`Basic realm="b", Digest realm="d", nonce="n", qop="auth"`},
			challenge{realm: "d", nonce: "n", qop: true, qopAuth: true}, false},
		{"token68 scheme first", []string{`Negotiate abc==, Digest realm="d", nonce="n"`},
			challenge{realm: "d", nonce: "n"}, false},
		{"strongest of two headers", []string{`Digest realm="r", nonce="1", algorithm=MD5`, `Digest realm="r", nonce="2", algorithm=SHA-256`},
			challenge{realm: "r", nonce: "2", algorithm: "SHA-256"}, false},
		{"userhash", []string{`Digest realm="r", nonce="1", userhash=true`}, challenge{realm: "r", nonce: "1", userhash: true}, false},
		{"basic only", []string{`Basic realm="b"`}, challenge{}, true},
		{"auth-int only", []string{`Digest realm="r", nonce="1", qop="auth-int"`}, challenge{}, true},
		{"unknown algorithm", []string{`Digest realm="r", nonce="1", algorithm=SHA-1`}, challenge{}, true},
		{"no nonce", []string{`Digest realm="r"`}, challenge{}, true},
		{"unterminated", []string{`Digest realm="r, nonce="1`}, challenge{}, true},
		{"too long", []string{`Digest realm="` + strings.Repeat("a", maxChallengeBytes) + `"`}, challenge{}, true},
		{"none", nil, challenge{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseChallenges(tc.headers)
			if tc.wantErr {
				if !errors.Is(err, ErrChallenge) {
					t.Errorf("parseChallenges(%q) = %+v, %v; want ErrChallenge", tc.headers, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("parseChallenges(%q) = %+v, %v; want %+v", tc.headers, got, err, tc.want)
			}
		})
	}
}

// TestAuthorizationRoundTrip: what the client writes, the simulator's
// parser reads back, and the response checks out.
func TestAuthorizationRoundTrip(t *testing.T) {
	ch := challenge{realm: Realm, nonce: "abc", opaque: `o"p`, algorithm: "MD5", qop: true, qopAuth: true}
	h, err := ch.authorization("POST", "/cgi-bin/set_miner_conf.cgi", `ro"ot`, "pw", 7)
	if err != nil {
		t.Fatal(err)
	}
	p, err := credentialsOf(h)
	if err != nil {
		t.Fatalf("credentialsOf(%q): %v", h, err)
	}
	if p["username"] != `ro"ot` || p["realm"] != Realm || p["nonce"] != "abc" || p["opaque"] != `o"p` || p["nc"] != "00000007" || p["qop"] != "auth" || p["uri"] != "/cgi-bin/set_miner_conf.cgi" {
		t.Fatalf("credentialsOf(%q) = %v", h, p)
	}
	want, _ := ch.response("POST", p["uri"], `ro"ot`, "pw", p["cnonce"], p["nc"])
	if p["response"] != want {
		t.Errorf("response %q, want %q", p["response"], want)
	}
	if strings.Contains(h, "pw") && !strings.Contains(want, "pw") {
		t.Errorf("the Authorization header %q contains the password", h)
	}
}

// FuzzParseChallenges: never a panic; a challenge it accepts has a nonce,
// an algorithm this client knows and, when a qop is offered, auth.
func FuzzParseChallenges(f *testing.F) {
	for _, s := range []string{
		`Digest realm="antMiner Configuration", charset="UTF-8", nonce="5f1d3c7e", qop="auth", algorithm="MD5"`,
		`Basic realm="b", Digest realm="d", nonce="n"`, `Negotiate abc==`, `Digest realm="a \"b\"`, `Digest ,,,=,"`, `Digest nonce=1, algorithm=SHA-512-256-sess`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		c, err := parseChallenges([]string{h})
		if err != nil {
			return
		}
		if _, _, herr := c.hasher(); herr != nil || c.nonce == "" || c.qop && !c.qopAuth {
			t.Fatalf("parseChallenges(%q) accepted %+v", h, c)
		}
		if _, err := c.authorization("GET", "/x", "u", "p", 1); err != nil {
			t.Fatalf("authorization for %+v: %v", c, err)
		}
	})
}

// FuzzCredentialsOf: the simulator's reader of Authorization headers
// never panics.
func FuzzCredentialsOf(f *testing.F) {
	f.Add(`Digest username="root", realm="antMiner Configuration", nonce="n", uri="/", response="r", qop=auth, nc=00000001, cnonce="c"`)
	f.Add(`Digest a="\`)
	f.Add(`Digest ,=,`)
	f.Fuzz(func(t *testing.T, h string) {
		_, _ = credentialsOf(h)
	})
}
