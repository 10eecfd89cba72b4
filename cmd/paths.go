package cmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Output paths are checked before any work, so that a bad one costs a
// second, not a training run: a mistake in the path itself (empty, a
// folder where a file is wanted, a file where a folder is wanted) is a
// usage error (exit 2); a folder that is missing or cannot be written in
// is an I/O error (exit 1).

// checkOutFile checks that the file path can be written where atomicfile
// writes it: path is not empty, not a folder nor a device, and its folder
// exists and takes a new file.
func checkOutFile(flag, path string) error {
	if path == "" {
		return usagef("--%s: empty path", flag)
	}
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return usagef("--%s %s: is a folder; name a file in it, e.g. %s", flag, path, filepath.Join(path, "mnist.ckpt"))
		}
		if !fi.Mode().IsRegular() {
			return usagef("--%s %s: not a regular file", flag, path)
		}
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("--%s %s: folder %s does not exist", flag, path, dir)
	}
	if err != nil {
		return fmt.Errorf("--%s %s: %w", flag, path, err)
	}
	if !fi.IsDir() {
		return usagef("--%s %s: %s is not a folder", flag, path, dir)
	}
	return probeWrite(flag, path, dir)
}

// checkOutDir checks that dir is a folder that takes new files, or that it
// can be made: its nearest existing ancestor is a folder that takes new
// files. It makes nothing.
func checkOutDir(flag, dir string) error {
	if dir == "" {
		return usagef("--%s: empty path", flag)
	}
	d := dir
	for {
		fi, err := os.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				if d == dir {
					return usagef("--%s %s: not a folder", flag, dir)
				}
				return fmt.Errorf("--%s %s: %s is not a folder", flag, dir, d)
			}
			return probeWrite(flag, dir, d)
		}
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) { // ENOTDIR: a file on the way, found above
			return fmt.Errorf("--%s %s: %w", flag, dir, err)
		}
		parent := filepath.Dir(d)
		if parent == d {
			return fmt.Errorf("--%s %s: no existing folder above it", flag, dir)
		}
		d = parent
	}
}

// probeWrite creates and removes a file in dir, the one sure test that
// files can be made there (permissions, read-only mounts, /proc).
func probeWrite(flag, path, dir string) error {
	f, err := os.CreateTemp(dir, ".mnistcnn-probe-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("--%s %s: cannot write in folder %s: %v", flag, path, dir, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}
