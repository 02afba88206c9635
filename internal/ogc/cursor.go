package ogc

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// CursorCodec turns the keyset position of a page (the last feature id of
// the previous page, as layers.Page.Next gives it) into the opaque cursor
// token of next links, and back.
//
// A token is base64url (no padding) of: version byte 1, the collection id, a
// zero byte, the id, and the first 12 bytes of HMAC-SHA256 over everything
// before it under Key. A token that was altered, truncated, or minted for
// another collection fails to decode. With an empty Key the MAC still
// catches accidental corruption and hand-edited tokens; a deployment that
// wants tokens that cannot be forged sets a secret Key. A forged token could
// only ever select a keyset position within the same collection, never other
// data.
//
// The zero value is ready to use. A CursorCodec is safe for concurrent use.
type CursorCodec struct {
	Key []byte
}

const (
	cursorVersion = 1
	cursorMACLen  = 12
	// MaxCursorLen bounds the length of a cursor token that Decode accepts.
	MaxCursorLen = 2048
)

// Encode returns the token for the position after id in collection.
func (c CursorCodec) Encode(collection, id string) string {
	buf := make([]byte, 0, 1+len(collection)+1+len(id)+cursorMACLen)
	buf = append(buf, cursorVersion)
	buf = append(buf, collection...)
	buf = append(buf, 0)
	buf = append(buf, id...)
	buf = append(buf, c.mac(buf)...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// Decode returns the id encoded in token for collection. Any token not made
// by Encode for this collection (and Key) gives a ParamError naming the
// cursor parameter.
func (c CursorCodec) Decode(collection, token string) (string, error) {
	bad := func(reason string) (string, error) {
		v := token
		if len(v) > 80 {
			v = v[:80] + "…"
		}
		return "", ParamError{Name: "cursor", Value: v, Reason: reason}
	}
	if token == "" {
		return bad("empty; use the href of a next link as given")
	}
	if len(token) > MaxCursorLen {
		return bad("too long; use the href of a next link as given")
	}
	if strings.ContainsAny(token, "=+/") {
		return bad("not a cursor of this service (not base64url)")
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return bad("not a cursor of this service (not base64url)")
	}
	if len(raw) < 2+cursorMACLen || raw[0] != cursorVersion {
		return bad("not a cursor of this service")
	}
	body, sum := raw[:len(raw)-cursorMACLen], raw[len(raw)-cursorMACLen:]
	if !hmac.Equal(sum, c.mac(body)) {
		return bad("cursor was altered or is not from this service")
	}
	rest := body[1:]
	i := bytes.IndexByte(rest, 0)
	if i < 0 {
		return bad("not a cursor of this service")
	}
	if string(rest[:i]) != collection {
		return bad("cursor belongs to collection " + quoteShort(string(rest[:i])) + ", not " + quoteShort(collection))
	}
	return string(rest[i+1:]), nil
}

func (c CursorCodec) mac(b []byte) []byte {
	m := hmac.New(sha256.New, c.Key)
	m.Write(b)
	return m.Sum(nil)[:cursorMACLen]
}

func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return "\"" + strings.ToValidUTF8(s, "?") + "\""
}
