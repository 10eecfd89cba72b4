//go:build !unix

package readfile

import "errors"

func mkfifo(path string) error { return errors.New("not supported") }
