package ogc

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
)

// CursorCodec turns the keyset position of a page (the last feature id of
// the previous page, as layers.Page.Next gives it) into the opaque cursor
// token of next links, and back.
//
// A token is base64url (no padding) of: version byte 1, the collection id, a
// zero byte, the id, and the first 12 bytes of HMAC-SHA256 over everything
// before it under Key. Version 2 (EncodePage) carries the way back too: after
// the zero byte, the id and the ids before it, each as a uvarint length and
// its bytes. A token that was altered, truncated, or minted for
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

// Decode returns the id encoded in token for collection (the position of
// DecodePage, without the way back). Any token not made by Encode or
// EncodePage for this collection (and Key) gives a ParamError naming the
// cursor parameter.
func (c CursorCodec) Decode(collection, token string) (string, error) {
	pc, err := c.DecodePage(collection, token)
	return pc.After, err
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

// PageCursor is a keyset position with the way back: After is the last id
// of the previous page ("" for the first page) and Back the After of the
// pages before it, oldest first, so that a prev link costs no query. Back
// keeps at most MaxCursorBack entries (and fewer when the ids are long):
// further back than that, a page has no prev link, only first.
type PageCursor struct {
	After string
	Back  []string
}

// MaxCursorBack is how many pages back a cursor remembers.
const MaxCursorBack = 16

const cursorVersionBack = 2

// EncodePage returns the token of position pc in collection. A token
// without Back is the one Encode gives.
func (c CursorCodec) EncodePage(collection string, pc PageCursor) string {
	back := pc.Back
	if len(back) > MaxCursorBack {
		back = back[len(back)-MaxCursorBack:]
	}
	for {
		if len(back) == 0 {
			return c.Encode(collection, pc.After)
		}
		// Version 2, the collection, a zero byte, then After and each entry
		// of Back as a uvarint length and the bytes (ids may hold any byte).
		buf := make([]byte, 0, 64)
		buf = append(buf, cursorVersionBack)
		buf = append(buf, collection...)
		buf = append(buf, 0)
		for _, id := range append([]string{pc.After}, back...) {
			buf = binary.AppendUvarint(buf, uint64(len(id)))
			buf = append(buf, id...)
		}
		buf = append(buf, c.mac(buf)...)
		if tok := base64.RawURLEncoding.EncodeToString(buf); len(tok) <= MaxCursorLen {
			return tok
		}
		back = back[1:] // too long: forget the oldest page
	}
}

// DecodePage returns the position encoded in token for collection, with
// the way back when the token has one. Any token not made by Encode or
// EncodePage for this collection (and Key) gives a ParamError naming the
// cursor parameter.
func (c CursorCodec) DecodePage(collection, token string) (PageCursor, error) {
	bad := func(reason string) (PageCursor, error) {
		v := token
		if len(v) > 80 {
			v = v[:80] + "…"
		}
		return PageCursor{}, ParamError{Name: "cursor", Value: v, Reason: reason}
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
	if len(raw) < 2+cursorMACLen || (raw[0] != cursorVersion && raw[0] != cursorVersionBack) {
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
	if raw[0] == cursorVersion {
		return PageCursor{After: string(rest[i+1:])}, nil
	}
	var ids []string
	for rest = rest[i+1:]; len(rest) > 0; {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			return bad("not a cursor of this service")
		}
		ids = append(ids, string(rest[k:k+int(n)]))
		rest = rest[k+int(n):]
	}
	if len(ids) < 2 {
		return bad("not a cursor of this service")
	}
	return PageCursor{After: ids[0], Back: ids[1:]}, nil
}

// Prev returns the position of the page before pc, and false when it is
// not known (the first page, or a page further back than the cursor
// remembers). The previous page of the second page is the first, After "".
func (pc PageCursor) Prev() (PageCursor, bool) {
	if len(pc.Back) == 0 {
		return PageCursor{}, false
	}
	n := len(pc.Back) - 1
	return PageCursor{After: pc.Back[n], Back: pc.Back[:n:n]}, true
}

// Next returns the position of the page after pc, which ends at id last.
func (pc PageCursor) Next(last string) PageCursor {
	back := make([]string, 0, len(pc.Back)+1)
	back = append(append(back, pc.Back...), pc.After)
	return PageCursor{After: last, Back: back}
}
