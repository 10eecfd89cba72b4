package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
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
