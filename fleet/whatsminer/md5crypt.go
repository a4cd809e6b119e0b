package whatsminer

import "crypto/md5"

const itoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// MD5Crypt is the FreeBSD md5-crypt of password with salt ("$1$salt$hash"),
// as crypt(3) computes it: the salt is cut at 8 bytes or its first '$';
// 1000 rounds of MD5 follow (Poul-Henning Kamp, FreeBSD libcrypt, 1994).
// WhatsMiner's API v2 derives its keys from the hash part.
func MD5Crypt(password, salt []byte) string {
	const magic = "$1$"
	for i, c := range salt {
		if c == '$' {
			salt = salt[:i]
			break
		}
	}
	if len(salt) > 8 {
		salt = salt[:8]
	}
	alt := md5.New()
	alt.Write(password)
	alt.Write(salt)
	alt.Write(password)
	altSum := alt.Sum(nil)

	h := md5.New()
	h.Write(password)
	h.Write([]byte(magic))
	h.Write(salt)
	for n := len(password); n > 0; n -= 16 {
		h.Write(altSum[:min(n, 16)])
	}
	for i := len(password); i != 0; i >>= 1 {
		if i&1 != 0 {
			h.Write([]byte{0})
		} else {
			h.Write(password[:1])
		}
	}
	final := h.Sum(nil)
	for i := range 1000 {
		r := md5.New()
		if i&1 != 0 {
			r.Write(password)
		} else {
			r.Write(final)
		}
		if i%3 != 0 {
			r.Write(salt)
		}
		if i%7 != 0 {
			r.Write(password)
		}
		if i&1 != 0 {
			r.Write(final)
		} else {
			r.Write(password)
		}
		final = r.Sum(final[:0])
	}
	out := make([]byte, 0, len(magic)+len(salt)+1+22)
	out = append(out, magic...)
	out = append(out, salt...)
	out = append(out, '$')
	to64 := func(v uint32, n int) {
		for ; n > 0; n-- {
			out = append(out, itoa64[v&0x3f])
			v >>= 6
		}
	}
	to64(uint32(final[0])<<16|uint32(final[6])<<8|uint32(final[12]), 4)
	to64(uint32(final[1])<<16|uint32(final[7])<<8|uint32(final[13]), 4)
	to64(uint32(final[2])<<16|uint32(final[8])<<8|uint32(final[14]), 4)
	to64(uint32(final[3])<<16|uint32(final[9])<<8|uint32(final[15]), 4)
	to64(uint32(final[4])<<16|uint32(final[10])<<8|uint32(final[5]), 4)
	to64(uint32(final[11]), 2)
	return string(out)
}

// cryptHash returns the hash part of MD5Crypt (after the third '$').
func cryptHash(password, salt string) string {
	full := MD5Crypt([]byte(password), []byte(salt))
	return full[len(full)-22:]
}
