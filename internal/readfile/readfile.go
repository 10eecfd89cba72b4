// Package readfile is the one bounded way mnistcnn reads a file: it
// refuses what is not a regular file (a device, a pipe, a folder) and what
// is larger than the reader's limit before it reads a byte, and it never
// reads past the limit should the file grow meanwhile.
//
// Errors name the file and, for a file over its limit, the limit and what
// it is the limit of; callers prefix them with their own package's name.
// An error for a missing file wraps fs.ErrNotExist.
package readfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Limit is the largest file a reader accepts, and what it reads, for
// messages: Limit{"model", 128 << 20} refuses with "over the 128 MiB limit
// of a model".
type Limit struct {
	What  string
	Bytes int64
}

// String is the limit in words: "128 MiB".
func (l Limit) String() string { return Size(l.Bytes) }

// Size writes n bytes in the largest binary unit that divides it, or in
// bytes: 64 MiB, 1 GiB, 1500 B.
func Size(n int64) string {
	for _, u := range []struct {
		shift uint
		name  string
	}{{30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n > 0 && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d %s", n>>u.shift, u.name)
		}
	}
	return fmt.Sprintf("%d B", n)
}

// Error is a file refused or failing to read.
type Error struct {
	Path string
	Msg  string
	Err  error // the underlying error, if any
}

func (e *Error) Error() string { return e.Path + ": " + e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// ErrTooLarge is wrapped by the error for a file over its limit.
var ErrTooLarge = errors.New("file over its reader's limit")

// ErrNotRegular is wrapped by the error for a device, a pipe, a socket or
// a folder.
var ErrNotRegular = errors.New("not a regular file")

// Open opens path for reading after checking that it is a regular file of
// at most lim.Bytes bytes, and returns it with its size. Stat comes before
// open, so a pipe is refused without blocking on it.
func Open(path string, lim Limit) (*os.File, int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, 0, statError(path, err)
	}
	if err := check(path, fi, lim); err != nil {
		return nil, 0, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, statError(path, err)
	}
	// The path may have been replaced between the two calls.
	fi2, err := f.Stat()
	if err == nil && !os.SameFile(fi, fi2) {
		err = check(path, fi2, lim)
		if err == nil {
			fi = fi2
		}
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// Read returns the whole content of path, a regular file of at most
// lim.Bytes bytes.
func Read(path string, lim Limit) ([]byte, error) {
	f, size, err := Open(path, lim)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadAll(f, path, size, lim)
}

// ReadAll reads r to its end, expecting about size bytes (a file's size at
// open), and fails once it has read more than lim.Bytes.
func ReadAll(r io.Reader, path string, size int64, lim Limit) ([]byte, error) {
	b := make([]byte, 0, min(size, lim.Bytes)+1) // +1: EOF without a second allocation
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):min(int64(cap(b)), lim.Bytes+1)])
		b = b[:len(b)+n]
		if int64(len(b)) > lim.Bytes {
			return nil, tooLarge(path, int64(len(b)), true, lim)
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, &Error{Path: path, Msg: err.Error(), Err: err}
		}
	}
}

func check(path string, fi fs.FileInfo, lim Limit) error {
	if !fi.Mode().IsRegular() {
		return &Error{Path: path, Msg: kind(fi.Mode()) + ", not a regular file", Err: ErrNotRegular}
	}
	if fi.Size() > lim.Bytes {
		return tooLarge(path, fi.Size(), false, lim)
	}
	return nil
}

func tooLarge(path string, n int64, grew bool, lim Limit) error {
	more := ""
	if grew { // the file grew after it was opened
		more, n = "more than ", lim.Bytes
	}
	return &Error{Path: path, Msg: fmt.Sprintf("%s%d bytes, over the %s limit of a %s", more, n, lim, lim.What), Err: ErrTooLarge}
}

func statError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &Error{Path: path, Msg: "no such file", Err: err}
	case errors.Is(err, fs.ErrPermission):
		return &Error{Path: path, Msg: "permission denied", Err: err}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &Error{Path: path, Msg: pe.Err.Error(), Err: err}
	}
	return &Error{Path: path, Msg: err.Error(), Err: err}
}

// kind names a file mode that is not a regular file.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.String()
}
