package whatsminer

import "testing"

// Expected values from `openssl passwd -1 -salt SALT PASSWORD` (OpenSSL 3).
func TestMD5Crypt(t *testing.T) {
	tests := []struct{ password, salt, want string }{
		{"admin", "BQ5hoXV9", "$1$BQ5hoXV9$RxmaDUO33TS7O26yeMHZ81"},
		{"super", "saltsalt", "$1$saltsalt$SiXgTZjgslZaoEDb67rbX/"},
		{"x", "a", "$1$a$TYcRT0JumNkKBBlirG1X4/"},
		{"password", "saltstring", "$1$saltstri$qQY4WxjABChYG1ccLpfkz/"},
		{"héllo", "12345678", "$1$12345678$dNDGxvF7rWZ19G7SdCsVR1"},
	}
	for _, tc := range tests {
		if got := MD5Crypt([]byte(tc.password), []byte(tc.salt)); got != tc.want {
			t.Errorf("MD5Crypt(%q, %q) = %q, want %q", tc.password, tc.salt, got, tc.want)
		}
	}
}
