package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/pem"
	"fmt"
)

// The planted credentials are made up here rather than written in the
// repository, so that the only copies are inside the image's compressed
// layers (a plain one in the source tree would trip every secret scanner
// and push protection run on Bulwark itself). They are derived from fixed
// labels, so every build plants the same ones, and they were never valid
// anywhere.

// fakeBytes returns n pseudo-random bytes derived from label.
func fakeBytes(label string, n int) []byte {
	var out []byte
	for i := 0; len(out) < n; i++ {
		sum := sha256.Sum256([]byte(fmt.Sprintf("bulwark demo %s %d", label, i)))
		out = append(out, sum[:]...)
	}
	return out[:n]
}

// fakeString returns n characters of alphabet derived from label.
func fakeString(label, alphabet string, n int) string {
	b := fakeBytes(label, n)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

const (
	upperBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	base64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	alnum       = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// dotEnv is /app/.env: an AWS access key pair and a database URL with a
// password, as "COPY . /app" without a .dockerignore bakes them in.
func dotEnv() []byte {
	return []byte(fmt.Sprintf(`# Settings of demo-server. FAKE credentials, made up by demo/build for
# Bulwark's demo image: they were never valid anywhere.
AWS_REGION=eu-central-1
AWS_ACCESS_KEY_ID=AKIA%s
AWS_SECRET_ACCESS_KEY=%s
DATABASE_URL=postgres://app:%s@db.internal:5432/app
`, fakeString("aws key id", upperBase32, 16), fakeString("aws secret", base64Chars, 40), fakeString("db password", alnum, 20)))
}

// deployKey is an OpenSSH ed25519 private key in the format ssh-keygen
// writes, unencrypted, with a comment saying what it is.
func deployKey() []byte {
	priv := ed25519.NewKeyFromSeed(fakeBytes("deploy key", ed25519.SeedSize))
	pub := priv.Public().(ed25519.PublicKey)
	str := func(b *[]byte, s []byte) {
		*b = binary.BigEndian.AppendUint32(*b, uint32(len(s)))
		*b = append(*b, s...)
	}
	var pubBlob []byte
	str(&pubBlob, []byte("ssh-ed25519"))
	str(&pubBlob, pub)

	check := binary.BigEndian.Uint32(fakeBytes("deploy key check", 4))
	var secret []byte
	secret = binary.BigEndian.AppendUint32(secret, check)
	secret = binary.BigEndian.AppendUint32(secret, check)
	str(&secret, []byte("ssh-ed25519"))
	str(&secret, pub)
	str(&secret, priv)
	str(&secret, []byte("FAKE deploy key made up by bulwark demo/build"))
	for i := byte(1); len(secret)%8 != 0; i++ {
		secret = append(secret, i)
	}

	blob := []byte("openssh-key-v1\x00")
	str(&blob, []byte("none"))
	str(&blob, []byte("none"))
	str(&blob, nil)
	blob = binary.BigEndian.AppendUint32(blob, 1)
	str(&blob, pubBlob)
	str(&blob, secret)
	return pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: blob})
}
