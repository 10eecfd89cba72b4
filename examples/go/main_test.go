package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestRun runs the example on the committed generated files. With a
// placeholder model that is not an MNIST model, it checks that the example
// says so.
func TestRun(t *testing.T) {
	var b bytes.Buffer
	err := run(&b)
	if err != nil && !strings.Contains(err.Error(), "not an MNIST model") {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("model: %d bytes", len(Model)); !strings.HasPrefix(b.String(), want) {
		t.Errorf("output %q does not start with %q", b.String(), want)
	}
	if err == nil && !strings.Contains(b.String(), fmt.Sprintf("/%d = ", TestCount)) {
		t.Errorf("no accuracy line in %q", b.String())
	}
}
