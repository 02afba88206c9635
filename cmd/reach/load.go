package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"reach/internal/load"
	"reach/layers"
)

// loadLayer reads one file into one layer of st (load.Layer), showing
// how many records it has read on stderr.
func loadLayer(ctx context.Context, st layers.Store, layer, path string, o load.Options, stderr io.Writer, log *slog.Logger) (int, error) {
	c := newCounter(filepath.Base(path), stderr, log)
	defer c.finish()
	return load.Layer(ctx, st, layer, path, o, c.add, log)
}

// counter shows how many records a load has read: a spinner on a terminal,
// a log line every few seconds otherwise.
type counter struct {
	bar   *progressbar.ProgressBar
	log   *slog.Logger
	name  string
	n     int
	last  time.Time
	start time.Time
}

func newCounter(name string, stderr io.Writer, log *slog.Logger) *counter {
	c := &counter{log: log, name: name, last: time.Now(), start: time.Now()}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		c.bar = progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription(name),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("records"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return c
}

func (c *counter) add() {
	c.n++
	if c.bar != nil {
		_ = c.bar.Add(1)
	} else if time.Since(c.last) > 5*time.Second {
		c.last = time.Now()
		c.log.Info("reading", "file", c.name, "records", c.n)
	}
}

func (c *counter) finish() {
	if c.bar != nil {
		_ = c.bar.Finish()
	}
}
