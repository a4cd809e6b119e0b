package whatsminer

import (
	"bytes"
	"testing"
)

// The ciphertext is from `openssl enc -aes-256-ecb -nopad -K <sha256 of the
// key string>` over the zero-padded plaintext.
func TestEncryptECBMatchesOpenSSL(t *testing.T) {
	keys := deriveV2("admin", "BQ5hoXV9", "unused", "0") // key string RxmaDUO33TS7O26yeMHZ81
	plain := []byte(`{"cmd":"power_off","token":"abc"}`)
	const want = "p/QzYk8jszmQrR9dnOEVtbWdixCEXv1S64Ig5n+7d/wAemWrnNim9Sh/ybbgrzgY"
	if got := encryptECB(keys.aesKey, plain); got != want {
		t.Errorf("encryptECB() = %s, want %s", got, want)
	}
	back, err := decryptECB(keys.aesKey, want)
	if err != nil || !bytes.Equal(back, plain) {
		t.Errorf("decryptECB() = %q, %v; want %q", back, err, plain)
	}
	for _, bad := range []string{"", "not base64!", "AAAA"} {
		if _, err := decryptECB(keys.aesKey, bad); err == nil {
			t.Errorf("decryptECB(%q) = nil error", bad)
		}
	}
}

func TestDeriveV2(t *testing.T) {
	// key = md5-crypt("admin", "BQ5hoXV9") hash part (openssl passwd -1);
	// sign = md5-crypt(key + time, newsalt) hash part.
	k := deriveV2("admin", "BQ5hoXV9", "saltsalt", "1234")
	if want := cryptHash("RxmaDUO33TS7O26yeMHZ81"+"1234", "saltsalt"); k.sign != want {
		t.Errorf("sign = %q, want %q", k.sign, want)
	}
}

// Expected token from Python: base64.b64encode(sha256(cmd+password+salt+ts))[:8].
func TestTokenV3(t *testing.T) {
	if got := tokenV3("set.miner.service", "super", "uhCiDyVj", 1773869570); got != "wusyZCiM" {
		t.Errorf("tokenV3() = %q, want wusyZCiM", got)
	}
}
