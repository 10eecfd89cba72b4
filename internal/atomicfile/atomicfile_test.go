package atomicfile

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestWriteFileReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")
	if err := WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil || string(got) != "new" {
		t.Fatalf("read %q, %v; want \"new\"", got, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("folder holds %d entries, want only the target", len(entries))
	}
}

func TestWriteFileMissingFolderLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "no-such-dir", "out.bin")
	if err := WriteFile(p, []byte("x"), 0o644); err == nil {
		t.Fatal("WriteFile into a missing folder succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("left %d entries behind", len(entries))
	}
}

// A temporary file left by a write that was killed (here made by hand, an
// hour old) is removed by the next write of the same target; a fresh one,
// maybe another process's write in progress, and other files stay.
func TestWriteFileRemovesStaleTemporaries(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "mnist.ckpt")
	stale := filepath.Join(dir, ".mnist.ckpt.tmp-123")
	fresh := filepath.Join(dir, ".mnist.ckpt.tmp-456")
	other := filepath.Join(dir, ".other.ckpt.tmp-789")
	hourAgo := time.Now().Add(-time.Hour)
	for _, f := range []string{stale, fresh, other} {
		if err := os.WriteFile(f, []byte("part"), 0o644); err != nil {
			t.Fatal(err)
		}
		if f != fresh {
			os.Chtimes(f, hourAgo, hourAgo)
		}
	}
	if err := WriteFile(p, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{".mnist.ckpt.tmp-456", ".other.ckpt.tmp-789", "mnist.ckpt"}; !slices.Equal(names, want) {
		t.Errorf("folder holds %q, want %q", names, want)
	}
}
