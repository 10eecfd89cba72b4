// Package atomicfile writes files so that a reader sees either the old
// content or the new, never a part: the data goes to a temporary file in the
// same folder, is synced, and is renamed over the target.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// StaleAfter is the age after which a temporary file of a target is taken
// for the leftover of a killed write and removed by the next write of that
// target. A write takes well under a second; a younger temporary file may
// belong to another process writing the same file, and is left alone.
const StaleAfter = time.Minute

// tmpPrefix is the start of the name of path's temporary files.
func tmpPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// WriteFile writes data to path atomically with permission perm. On error
// the target is untouched and no temporary file is left behind; on success
// the temporary files of path that a killed write left behind (older than
// StaleAfter) are removed too.
func WriteFile(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tmpPrefix(path)+"*")
	if err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("atomicfile: writing %s: %w", path, err)
	}
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("atomicfile: syncing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("atomicfile: closing %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	removeStale(path, time.Now())
	return nil
}

// removeStale removes the temporary files of path last modified before
// now − StaleAfter. It is best effort: a file it cannot remove stays.
func removeStale(path string, now time.Time) {
	dir, prefix := filepath.Dir(path), tmpPrefix(path)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), prefix) || !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil && now.Sub(fi.ModTime()) > StaleAfter {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
