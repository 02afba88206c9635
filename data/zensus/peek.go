package zensus

import (
	"bufio"
	"io"
)

// peeker is a buffered reader that can show its first bytes without
// consuming them.
type peeker struct{ *bufio.Reader }

func newPeeker(r io.Reader) peeker { return peeker{bufio.NewReaderSize(r, 64<<10)} }

// head returns up to 64 KiB from the start without consuming it; a
// byte-order mark is skipped in the returned slice.
func (p peeker) head() []byte {
	b, _ := p.Peek(64 << 10)
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		b = b[3:]
	}
	return b
}
