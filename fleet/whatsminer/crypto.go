package whatsminer

import (
	"bytes"
	"crypto/aes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
)

// v2Keys are what a v2 write needs: the AES key and the sign (the token).
type v2Keys struct {
	aesKey [32]byte
	sign   string
}

// deriveV2 computes the v2 keys from the password and a get_token reply
// (time, salt, newsalt), as the vendor document describes:
//
//	key  = hash part of md5-crypt(password, salt)
//	sign = hash part of md5-crypt(key + time, newsalt)
//	aes  = SHA-256(key)
func deriveV2(password, salt, newSalt, tokenTime string) v2Keys {
	key := cryptHash(password, salt)
	return v2Keys{aesKey: sha256.Sum256([]byte(key)), sign: cryptHash(key+tokenTime, newSalt)}
}

// encryptECB is AES-256-ECB with zero padding, base64-encoded.
func encryptECB(key [32]byte, plain []byte) string {
	block, _ := aes.NewCipher(key[:]) // a 32-byte key never fails
	n := (len(plain) + aes.BlockSize - 1) / aes.BlockSize * aes.BlockSize
	if n == 0 {
		n = aes.BlockSize
	}
	buf := make([]byte, n)
	copy(buf, plain)
	for i := 0; i < n; i += aes.BlockSize {
		block.Encrypt(buf[i:i+aes.BlockSize], buf[i:i+aes.BlockSize])
	}
	return base64.StdEncoding.EncodeToString(buf)
}

var errCipher = errors.New("whatsminer: encrypted payload is not base64 of whole AES blocks")

// decryptECB undoes encryptECB and strips the zero padding.
func decryptECB(key [32]byte, b64 string) ([]byte, error) {
	buf, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(buf) == 0 || len(buf)%aes.BlockSize != 0 {
		return nil, errCipher
	}
	block, _ := aes.NewCipher(key[:])
	for i := 0; i < len(buf); i += aes.BlockSize {
		block.Decrypt(buf[i:i+aes.BlockSize], buf[i:i+aes.BlockSize])
	}
	return bytes.TrimRight(buf, "\x00"), nil
}

// tokenV3 is a v3 write token: the first 8 characters of
// base64(SHA-256(cmd + password + salt + ts)).
func tokenV3(cmd, password, salt string, ts int64) string {
	sum := sha256.Sum256([]byte(cmd + password + salt + strconv.FormatInt(ts, 10)))
	return base64.StdEncoding.EncodeToString(sum[:])[:8]
}
