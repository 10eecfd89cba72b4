package readfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	ten := filepath.Join(dir, "ten")
	if err := os.WriteFile(ten, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	lim := Limit{"test file", 10}
	b, err := Read(ten, lim)
	if err != nil || string(b) != "0123456789" {
		t.Fatalf("Read of 10 bytes at a 10-byte limit: %q, %v", b, err)
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o644)
	if b, err := Read(empty, lim); err != nil || len(b) != 0 {
		t.Errorf("empty file: %q, %v", b, err)
	}
	cases := []struct {
		path string
		lim  Limit
		is   error
		msg  string
	}{
		// One byte over: refused from its size, before reading.
		{ten, Limit{"test file", 9}, ErrTooLarge, ten + ": 10 bytes, over the 9 B limit of a test file"},
		{dir, lim, ErrNotRegular, dir + ": a folder, not a regular file"},
		{filepath.Join(dir, "missing"), lim, fs.ErrNotExist, "missing: no such file"},
	}
	for _, c := range cases {
		_, err := Read(c.path, c.lim)
		if !errors.Is(err, c.is) || !strings.HasSuffix(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %q wrapping %v", c.path, err, c.msg, c.is)
		}
	}
}

// A named pipe is refused at once: opening it for reading would block
// until a writer came, and reading it would never end.
func TestReadPipe(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo")
	if err := mkfifo(p); err != nil {
		t.Skip("no named pipes here:", err)
	}
	done := make(chan error, 1)
	go func() { _, err := Read(p, Limit{"test file", 1 << 20}); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "a named pipe, not a regular file") {
			t.Errorf("got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read blocked on a named pipe")
	}
}

// ReadAll stops one byte past the limit however long the stream is: a
// file that grows after its size was checked, or a device.
func TestReadAllStopsAtLimit(t *testing.T) {
	_, err := ReadAll(endless{}, "zeros", 0, Limit{"test file", 1000})
	if !errors.Is(err, ErrTooLarge) || err.Error() != "zeros: more than 1000 bytes, over the 1000 B limit of a test file" {
		t.Errorf("got %v", err)
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{64 << 20: "64 MiB", 1 << 30: "1 GiB", 1500: "1500 B", 3 << 10: "3 KiB", 0: "0 B"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
